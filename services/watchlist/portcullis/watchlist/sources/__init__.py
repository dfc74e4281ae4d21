"""Named list sources (OFAC SDN, UN SC, EU FSF, UK, OpenSanctions, the agency's own): formats, versions, refresh."""
