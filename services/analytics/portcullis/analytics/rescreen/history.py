"""What re-screening reads of the history store: the screenable facts of each stored record since a moment.

Each reader returns one row per stored message (a subject stored twice comes twice; the alert id folds them) with
the subject id and the broker's receiving time. Passengers' names, birth dates and document numbers come from the
personal dataset, joined to the other by their Kafka coordinates; container and declaration parties, vessels and
container numbers from the stored messages.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

import duckdb

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


#: The shapes DuckDB reads a declaration's parties and transport in (what screening needs of them).
_PARTY_SHAPE = '[{"name": "VARCHAR", "country": "VARCHAR", "party_id": "VARCHAR", "role": "VARCHAR"}]'
_TRANSPORT_SHAPE = '{"vessel_imo": "VARCHAR", "vessel_name": "VARCHAR", "container_numbers": ["VARCHAR"]}'


_T = TypeVar("_T")
#: A declaration's party as the store gives it: declaration id, received, name, country, party id, role.
PartyRow = tuple[str, datetime, str, str | None, str | None, str]


class HistoryReader:
    """Reads the records of the last days from the store (one DuckDB connection, personal data included).

    What it read is kept for the reader's life: the re-screener opens one per batch of changed entries (a list
    refresh brings thousands), so the store is read once per batch, not once per entry.
    """

    def __init__(self, layout: StoreLayout, threads: int = 2) -> None:
        self._connection: duckdb.DuckDBPyConnection = connect(layout, personal=True, threads=threads)
        self._read: dict[tuple[str, datetime], Any] = {}

    def _once(self, what: str, since: datetime, read: Callable[[datetime], _T]) -> _T:
        key = (what, since)
        if key not in self._read:
            self._read[key] = read(since)
        found: _T = self._read[key]
        return found

    def close(self) -> None:
        """Close the connection."""
        self._connection.close()

    def passengers(self, since: datetime) -> list[StoredPassenger]:
        """The records `_read_passengers` gives, read once per reader."""
        return self._once("passengers", since, self._read_passengers)

    def _read_passengers(self, since: datetime) -> list[StoredPassenger]:
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
        """The records `_read_containers` gives, read once per reader."""
        return self._once("containers", since, self._read_containers)

    def _read_containers(self, since: datetime) -> list[StoredShipment]:
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

    def declaration_parties(self, since: datetime) -> list[PartyRow]:
        """The records `_read_declaration_parties` gives, read once per reader."""
        return self._once("declaration_parties", since, self._read_declaration_parties)

    def _read_declaration_parties(self, since: datetime) -> list[PartyRow]:
        """Every party of the stored version-2 declarations received since `since`: (declaration id, received,
        name, country, party id, role), one row each, unnested by DuckDB (no per-message JSON in Python)."""
        rows = self._connection.execute(
            """
            SELECT declaration_id, kafka_timestamp, party.name, party.country, party.party_id,
                   coalesce(party.role, 'party')
            FROM (
              SELECT declaration_id, kafka_timestamp, unnest(from_json(json_extract(payload, '$.parties'), ?)) AS party
              FROM declarations WHERE kafka_timestamp >= ? AND declaration_id IS NOT NULL
            )
            WHERE party.name IS NOT NULL
            """,
            [_PARTY_SHAPE, since],
        ).fetchall()
        return rows

    def declaration_transports(self, since: datetime) -> list[StoredShipment]:
        """The records `_read_declaration_transports` gives, read once per reader."""
        return self._once("declaration_transports", since, self._read_declaration_transports)

    def _read_declaration_transports(self, since: datetime) -> list[StoredShipment]:
        """Every stored version-2 declaration received since `since` naming a vessel or containers (no parties)."""
        rows = self._connection.execute(
            """
            SELECT declaration_id, kafka_timestamp, transport.vessel_imo, transport.vessel_name,
                   transport.container_numbers
            FROM (
              SELECT declaration_id, kafka_timestamp, from_json(json_extract(payload, '$.transport'), ?) AS transport
              FROM declarations WHERE kafka_timestamp >= ? AND declaration_id IS NOT NULL
            )
            WHERE transport.vessel_imo IS NOT NULL OR transport.vessel_name IS NOT NULL
               OR len(transport.container_numbers) > 0
            """,
            [_TRANSPORT_SHAPE, since],
        ).fetchall()
        return [
            StoredShipment(declaration_id, received, (), imo, vessel, tuple(boxes or ()))
            for declaration_id, received, imo, vessel, boxes in rows
        ]

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
