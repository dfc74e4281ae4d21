"""What re-screening reads of the history store: the screenable facts of each stored record since a moment.

Each reader returns one row per stored message (a subject stored twice comes twice; the alert id folds them) with
the subject id and the broker's receiving time. Passengers' names, birth dates and document numbers come from the
personal dataset, joined to the other by their Kafka coordinates; container and declaration parties, vessels and
container numbers from the stored messages.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb
import orjson

from portcullis.analytics.store.files import StoreLayout
from portcullis.analytics.store.reader import connect


@dataclass(frozen=True, slots=True)
class StoredPassenger:
    """A stored traveller: what scoring screens of one."""

    subject_id: str
    received_at: datetime
    given_names: str
    surname: str
    date_of_birth: str | None
    document_number: str | None
    nationality: str | None
    issuing_country: str | None


@dataclass(frozen=True, slots=True)
class StoredParty:
    """A named party of a stored record (container shipper or consignee, declaration party)."""

    name: str
    country: str | None
    party_id: str | None
    role: str


@dataclass(frozen=True, slots=True)
class StoredShipment:
    """A stored container event or version-2 declaration: its parties, vessel and containers."""

    subject_id: str
    received_at: datetime
    parties: tuple[StoredParty, ...]
    vessel_imo: str | None
    vessel_name: str | None
    container_numbers: tuple[str, ...]


class HistoryReader:
    """Reads the records of the last days from the store (one DuckDB connection, personal data included)."""

    def __init__(self, layout: StoreLayout, threads: int = 2) -> None:
        self._connection: duckdb.DuckDBPyConnection = connect(layout, personal=True, threads=threads)

    def close(self) -> None:
        """Close the connection."""
        self._connection.close()

    def passengers(self, since: datetime) -> list[StoredPassenger]:
        """Every stored traveller received since `since`."""
        rows = self._connection.execute(
            """
            SELECT p.record_id, p.kafka_timestamp, p.given_names, p.surname, p.date_of_birth, p.document_number,
                   q.nationality, q.document_issuing_country
            FROM passengers_personal p
            LEFT JOIN passengers q
              ON q.kafka_partition = p.kafka_partition AND q.kafka_offset = p.kafka_offset
             AND q.kafka_timestamp >= ?
            WHERE p.kafka_timestamp >= ? AND p.record_id IS NOT NULL
            """,
            [since, since],
        ).fetchall()
        return [
            StoredPassenger(subject, received, given or "", surname or "", born, document, nationality, issuer)
            for subject, received, given, surname, born, document, nationality, issuer in rows
        ]

    def containers(self, since: datetime) -> list[StoredShipment]:
        """Every stored container event received since `since`: shipper, consignee, vessel, container."""
        rows = self._connection.execute(
            """
            SELECT event_id, kafka_timestamp, vessel_imo, json_extract_string(payload, '$.vessel_name'),
                   container_number,
                   json_extract_string(payload, '$.shipper.name'), json_extract_string(payload, '$.shipper.country'),
                   json_extract_string(payload, '$.shipper.party_id'),
                   json_extract_string(payload, '$.consignee.name'),
                   json_extract_string(payload, '$.consignee.country'),
                   json_extract_string(payload, '$.consignee.party_id')
            FROM containers WHERE kafka_timestamp >= ? AND event_id IS NOT NULL
            """,
            [since],
        ).fetchall()
        shipments = []
        for event_id, received, imo, vessel, box, *party_facts in rows:
            parties = tuple(
                StoredParty(name, country, party_id, role)
                for role, (name, country, party_id) in (("shipper", party_facts[0:3]), ("consignee", party_facts[3:6]))
                if name
            )
            shipments.append(StoredShipment(event_id, received, parties, imo, vessel, (box,) if box else ()))
        return shipments

    def declarations(self, since: datetime) -> list[StoredShipment]:
        """Every stored version-2 declaration received since `since` that names parties, a vessel or containers."""
        rows = self._connection.execute(
            """
            SELECT declaration_id, kafka_timestamp, json_extract(payload, '$.parties')::VARCHAR,
                   json_extract_string(payload, '$.transport.vessel_imo'),
                   json_extract_string(payload, '$.transport.vessel_name'),
                   json_extract(payload, '$.transport.container_numbers')::VARCHAR
            FROM declarations
            WHERE kafka_timestamp >= ? AND declaration_id IS NOT NULL
              AND (payload LIKE '%"parties"%' OR payload LIKE '%"transport"%')
            """,
            [since],
        ).fetchall()
        shipments = []
        for declaration_id, received, parties_json, imo, vessel, containers_json in rows:
            parties = tuple(_parties(parties_json))
            boxes = tuple(str(number) for number in _json_list(containers_json) if isinstance(number, str))
            if parties or imo or vessel or boxes:
                shipments.append(StoredShipment(declaration_id, received, parties, imo, vessel, boxes))
        return shipments

    def decided_at(self, stream: str, subject_ids: list[str]) -> dict[str, datetime]:
        """When scoring last decided on each of these subjects (those the store holds a decision of)."""
        if not subject_ids:
            return {}
        rows = self._connection.execute(
            "SELECT subject_id, max(decided_at) FROM decisions "
            "WHERE stream = ? AND subject_id IN (SELECT unnest(?::VARCHAR[])) GROUP BY subject_id",
            [stream, subject_ids],
        ).fetchall()
        return {subject_id: moment for subject_id, moment in rows if moment is not None}


def _json_list(text: str | None) -> list[Any]:
    if not text:
        return []
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return []
    return value if isinstance(value, list) else []


def _parties(text: str | None) -> list[StoredParty]:
    found = []
    for party in _json_list(text):
        if not isinstance(party, dict) or not isinstance(party.get("name"), str):
            continue
        country, party_id = party.get("country"), party.get("party_id")
        found.append(
            StoredParty(
                party["name"],
                country if isinstance(country, str) else None,
                party_id if isinstance(party_id, str) else None,
                str(party.get("role") or "party"),
            )
        )
    return found
