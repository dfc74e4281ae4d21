"""The web console at /console/: server-rendered pages for inspectors, supervisors, analysts and managers."""
