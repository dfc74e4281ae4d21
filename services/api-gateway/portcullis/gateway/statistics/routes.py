"""Statistics routes."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AfterValidator

from portcullis.gateway.decisions.schemas import DecisionFilter
from portcullis.gateway.deps import INVALID, SessionDep, unprocessable
from portcullis.gateway.statistics.schemas import Statistics
from portcullis.gateway.statistics.service import compute_statistics
from portcullis.shared.http import in_utc_range
from portcullis.shared.schemas import Stream

router = APIRouter(prefix="/v1/statistics", tags=["statistics"])


@router.get("", response_model=Statistics, responses=INVALID, summary="Lane mix, hit rates and decision latencies")
async def read_statistics(
    session: SessionDep,
    stream: Annotated[Stream, Query(description="The stream")] = Stream.DECLARATION,
    decided_from: Annotated[
        datetime | None, Query(description="Decided at or after (ISO 8601 with zone)"), AfterValidator(in_utc_range)
    ] = None,
    decided_to: Annotated[
        datetime | None, Query(description="Decided before (ISO 8601 with zone)"), AfterValidator(in_utc_range)
    ] = None,
) -> Statistics:
    """Per lane, office, rule and model version: decisions and hit rates; latency percentiles."""
    for name, moment in (("decided_from", decided_from), ("decided_to", decided_to)):
        if moment is not None and moment.tzinfo is None:
            raise unprocessable(name, "give a time zone (for example 2026-11-25T12:00:00Z)")
    if decided_from and decided_to and decided_to <= decided_from:
        raise unprocessable("decided_to", "must be after decided_from")
    criteria = DecisionFilter(stream=stream, decided_from=decided_from, decided_to=decided_to)
    return await compute_statistics(session, criteria)
