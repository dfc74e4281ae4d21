"""The ground truth of a synthetic stream: which items carry a planted risk, of what kind, and why."""

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Generic, TypeVar

from pydantic import BaseModel

Item = TypeVar("Item", bound=BaseModel)

TRUTH_COLUMNS = ("stream", "subject_id", "partition_key", "planted", "kinds", "watchlist_entry", "detail")


class PlantedKind(StrEnum):
    """A risk the generators plant, which scoring should find."""

    SDN_PERSON = "sdn_person"
    EXPIRED_DOCUMENT = "expired_document"
    ODD_ROUTE = "odd_route"
    SDN_VESSEL = "sdn_vessel"
    WEIGHT_DISCREPANCY = "weight_discrepancy"
    CHANGED_SEALS = "changed_seals"
    LISTED_PORT = "listed_port"
    SDN_PARTY = "sdn_party"


@dataclass(frozen=True, slots=True)
class TruthRow:
    """One generated item: its ids and, when planted, what was planted (several kinds are possible)."""

    stream: str
    subject_id: str
    partition_key: str
    kinds: tuple[PlantedKind, ...] = ()
    watchlist_entry: str = ""
    detail: str = ""

    @property
    def planted(self) -> bool:
        """Whether any risk was planted in the item."""
        return bool(self.kinds)


@dataclass(frozen=True)
class Synthetic(Generic[Item]):
    """Generated items with one truth row each, in the same order."""

    items: list[Item]
    truth: list[TruthRow]


def write_truth_csv(rows: Iterable[TruthRow], path: Path) -> int:
    """Write the ground truth as CSV (one row per item, planted or not); return the number of rows."""
    count = 0
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(TRUTH_COLUMNS)
        for row in rows:
            kinds = ";".join(kind.value for kind in row.kinds)
            writer.writerow(
                [
                    row.stream,
                    row.subject_id,
                    row.partition_key,
                    int(row.planted),
                    kinds,
                    row.watchlist_entry,
                    row.detail,
                ]
            )
            count += 1
    return count
