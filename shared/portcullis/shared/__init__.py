"""Portcullis shared library: what the services and the command line have in common."""
