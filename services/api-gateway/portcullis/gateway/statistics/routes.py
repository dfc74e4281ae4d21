"""Statistics routes."""

from typing import Annotated

from fastapi import APIRouter, Query

from portcullis.gateway.decisions.schemas import DecisionFilter
from portcullis.gateway.deps import INVALID, DecidedFrom, DecidedTo, SessionDep, check_decided_window
from portcullis.gateway.statistics.schemas import Statistics
from portcullis.gateway.statistics.service import compute_statistics
from portcullis.shared.schemas import Stream

router = APIRouter(prefix="/v1/statistics", tags=["statistics"])


@router.get("", response_model=Statistics, responses=INVALID, summary="Lane mix, hit rates and decision latencies")
async def read_statistics(
    session: SessionDep,
    stream: Annotated[Stream, Query(description="The stream")] = Stream.DECLARATION,
    decided_from: DecidedFrom = None,
    decided_to: DecidedTo = None,
) -> Statistics:
    """Per lane, office, rule and model version: decisions and hit rates; latency percentiles."""
    check_decided_window(decided_from, decided_to)
    criteria = DecisionFilter(stream=stream, decided_from=decided_from, decided_to=decided_to)
    return await compute_statistics(session, criteria)
