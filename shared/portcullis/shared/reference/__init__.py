"""Reference code lists: IATA airports and UN/LOCODE locations and ports, from installed package data."""

from portcullis.shared.reference.codes import (
    Airport,
    Port,
    airports,
    is_known_airport,
    is_known_locode,
    ports,
    reference_data,
)

__all__ = ["Airport", "Port", "airports", "is_known_airport", "is_known_locode", "ports", "reference_data"]
