"""`GET /v1/history/{dataset}`: rows of the store as received, for analysts (passengers' personal data included)."""

import asyncio
from enum import StrEnum
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from portcullis.analytics.deps import INVALID, LayoutDep, PeriodDep
from portcullis.analytics.store.datasets import DATASETS
from portcullis.analytics.store.reader import connect

router = APIRouter(prefix="/v1/history", tags=["history"])


class DatasetName(StrEnum):
    """The datasets of the store."""

    DECLARATIONS = "declarations"
    PASSENGERS = "passengers"
    PASSENGERS_PERSONAL = "passengers_personal"
    CONTAINERS = "containers"
    DECISIONS = "decisions"
    OUTCOMES = "outcomes"
    CLEARANCE_EVENTS = "clearance_events"


class HistoryRow(BaseModel):
    """A stored message: where it came from and what it said."""

    partition: int
    offset: int
    received_at: str = Field(description="When the broker received it (the day it is stored under)")
    message: dict[str, Any] = Field(description="The message as received (passengers: without personal data)")


class HistoryPage(BaseModel):
    """Rows of one dataset for a period, oldest first."""

    dataset: str
    rows: list[HistoryRow]
    truncated: bool = Field(description="More rows than `limit` exist in the period")


@router.get("/{dataset}", response_model=HistoryPage, responses=INVALID, summary="Stored messages of a dataset")
async def read_history(
    dataset: DatasetName,
    period: PeriodDep,
    layout: LayoutDep,
    limit: Annotated[int, Query(ge=1, le=10_000, description="Most rows answered")] = 1000,
) -> HistoryPage:
    """The dataset's messages the broker received in the period (days of the store, UTC)."""
    name = dataset.value

    def read() -> list[tuple[Any, ...]]:
        with connect(layout, personal=DATASETS[name].personal) as connection:
            return connection.execute(
                # The dataset name is one of DATASETS (the path parameter is their enum), never free text.
                f"SELECT kafka_partition, kafka_offset, strftime(kafka_timestamp, '%Y-%m-%dT%H:%M:%S.%gZ'), payload "  # noqa: S608
                f"FROM {name} WHERE day >= $first AND day <= $last "
                "ORDER BY kafka_timestamp, kafka_partition, kafka_offset LIMIT $limit",
                {"first": period.first.isoformat(), "last": period.last.isoformat(), "limit": limit + 1},
            ).fetchall()

    found = await asyncio.to_thread(read)
    rows = [
        HistoryRow(partition=partition, offset=offset, received_at=received, message=orjson.loads(payload))
        for partition, offset, received, payload in found[:limit]
    ]
    return HistoryPage(dataset=name, rows=rows, truncated=len(found) > limit)
