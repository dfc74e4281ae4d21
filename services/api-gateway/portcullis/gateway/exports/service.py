"""Reading the feedback export from the store a page at a time, so a large store never sits in memory."""

from collections.abc import AsyncIterator

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from portcullis.gateway.decisions.models import DecisionRow, aware
from portcullis.gateway.decisions.schemas import DecisionFilter
from portcullis.gateway.decisions.service import filter_conditions
from portcullis.gateway.exports.schemas import EXPORT_PAGE_SIZE, FeedbackRecord
from portcullis.gateway.outcomes.models import OutcomeRow


async def feedback_records(
    sessions: async_sessionmaker[AsyncSession], criteria: DecisionFilter, page_size: int = EXPORT_PAGE_SIZE
) -> AsyncIterator[list[FeedbackRecord]]:
    """Current decisions the filter selects with their outcomes (None where none), in store order, page by page.

    Each page is its own short read (keyset on the row id), so the export holds no transaction open while the
    client reads; a decision amended meanwhile keeps its id and appears once, as read when its page was read.
    """
    conditions = filter_conditions(criteria)
    last_id = 0
    while True:
        statement = (
            select(
                DecisionRow.id,
                DecisionRow.subject_id,
                DecisionRow.version,
                DecisionRow.lane,
                DecisionRow.random_selection,
                DecisionRow.reasons,
                DecisionRow.decided_at,
                OutcomeRow.inspected,
                OutcomeRow.irregularity_found,
            )
            .outerjoin(OutcomeRow, OutcomeRow.decision_id == DecisionRow.id)
            .where(*conditions, DecisionRow.id > last_id)
            .order_by(DecisionRow.id)
            .limit(page_size)
        )
        async with sessions() as session:
            rows = (await session.execute(statement)).all()
        if not rows:
            return
        last_id = rows[-1].id
        yield [
            FeedbackRecord(
                subject_id=row.subject_id,
                version=row.version,
                lane=row.lane,
                random_selection=bool(row.random_selection),
                reasons=list(row.reasons or []),
                decided_at=aware(row.decided_at),
                inspected=row.inspected,
                irregularity_found=row.irregularity_found,
            )
            for row in rows
        ]
        if len(rows) < page_size:
            return
