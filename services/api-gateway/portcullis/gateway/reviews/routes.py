"""Review routes: the analysts' queue of possible matches, confirm (an amended decision) and dismiss (a reason)."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Body, Depends, HTTPException, Path, Query, Request
from fastapi.openapi.models import Example

from portcullis.gateway.db import WritesDep
from portcullis.gateway.decisions.models import aware
from portcullis.gateway.deps import INVALID, SessionDep
from portcullis.gateway.metrics import REVIEW_SECONDS, REVIEWS
from portcullis.gateway.reviews.models import ReviewStatus
from portcullis.gateway.reviews.outbox import ReviewOutbox
from portcullis.gateway.reviews.schemas import ConfirmRequest, DismissRequest, RecordedReview, ReviewItem
from portcullis.gateway.reviews.service import (
    AlreadyReviewedError,
    Reviewed,
    ReviewNotFoundError,
    as_item,
    confirm_review,
    dismiss_review,
    list_reviews,
    score_band,
)
from portcullis.shared.auth import ApiKeyRecord
from portcullis.shared.http import ErrorBody
from portcullis.shared.logging import get_logger
from portcullis.shared.schemas.review import Verdict

log = get_logger(__name__)
router = APIRouter(prefix="/v1/reviews", tags=["reviews"])

ReviewId = Annotated[int, Path(ge=1, le=2**62, examples=[17])]
DISMISS_EXAMPLES: dict[str, Example] = {
    "another company": Example(
        summary="A false positive on a generic company name",
        value={"reason": "another company: registered in NL since 1998, no link to the listed entity"},
    )
}
CONFIRM_EXAMPLES: dict[str, Example] = {
    "confirmed": Example(summary="Confirm, with a note", value={"reason": "same registration number on the invoice"}),
    "bare": Example(summary="Confirm without a note", value={}),
}
#: The key id recorded when authentication is off (feature tests only).
ANONYMOUS = "anonymous"
REFUSALS = {
    404: {"model": ErrorBody, "description": "No such review (or its decision is gone)"},
    409: {"model": ErrorBody, "description": "The possible match has its verdict already"},
    **INVALID,
}


def _review_outbox(request: Request) -> ReviewOutbox:
    outbox: ReviewOutbox = request.app.state.review_outbox
    return outbox


ReviewOutboxDep = Annotated[ReviewOutbox, Depends(_review_outbox)]


class ReviewRefusedError(Exception):
    """The verdict cannot be recorded; `status` and `detail` say why."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def key_office(request: Request) -> str | None:
    """The office of the request's key, if it has one (its queue is that office's)."""
    key: ApiKeyRecord | None = getattr(request.state, "api_key", None)
    return key.office_id if key is not None else None


async def record_verdict(
    request: Request,
    session: SessionDep,
    writes: WritesDep,
    outbox: ReviewOutbox,
    review_id: int,
    verdict: Verdict,
    reason: str | None,
) -> tuple[Reviewed, bool]:
    """Store, count, log and publish a verdict by the request's key (the API routes and the console call it)."""
    key: ApiKeyRecord | None = getattr(request.state, "api_key", None)
    key_id = key.key_id if key is not None else ANONYMOUS
    now = datetime.now(UTC)
    async with writes:
        try:
            if verdict is Verdict.CONFIRMED:
                done = await confirm_review(session, review_id, key_id, reason, now)
            else:
                done = await dismiss_review(session, review_id, key_id, reason or "", now)
        except ReviewNotFoundError as error:
            raise ReviewRefusedError(404, f"no review {review_id}") from error
        except AlreadyReviewedError as error:
            raise ReviewRefusedError(409, f"review {review_id} is {error} already") from error
        await session.commit()
    item = done.item
    REVIEWS.labels(verdict.value, item.list_name, score_band(item.score)).inc()
    REVIEW_SECONDS.labels(verdict.value).observe(max(0.0, (now - aware(item.decided_at)).total_seconds()))
    log.info(
        "possible_match_reviewed",
        review_id=item.id,
        verdict=verdict.value,
        stream=item.stream,
        entry_id=item.entry_id,
        entry_version=item.entry_version,
        key_id=key_id,
    )
    if done.decision is not None:
        live = getattr(request.app.state, "live", None)
        if live is not None:
            live.wake()
    return done, await outbox.publish([item])


@router.get(
    "",
    response_model=list[ReviewItem],
    responses=INVALID,
    summary="The review queue of possible matches, the oldest first",
)
async def review_queue(
    request: Request,
    session: SessionDep,
    status: Annotated[ReviewStatus, Query(description="Which verdict")] = ReviewStatus.PENDING,
    office_id: Annotated[str | None, Query(max_length=64, description="Only this office's")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> list[ReviewItem]:
    """Possible matches waiting for an analyst (or reviewed ones), the oldest decision first; a key with an office
    sees only that office's."""
    office = key_office(request) or office_id
    return [as_item(row) for row in await list_reviews(session, status, office, limit)]


async def _recorded(
    request: Request,
    session: SessionDep,
    writes: WritesDep,
    outbox: ReviewOutbox,
    review_id: int,
    verdict: Verdict,
    reason: str | None,
) -> RecordedReview:
    try:
        done, published = await record_verdict(request, session, writes, outbox, review_id, verdict, reason)
    except ReviewRefusedError as error:
        raise HTTPException(error.status, error.detail) from error
    return RecordedReview(review=as_item(done.item), decision=done.decision, published=published)


@router.post(
    "/{review_id}/confirm",
    response_model=RecordedReview,
    status_code=201,
    responses=REFUSALS,
    summary="Confirm a possible match: the decision is amended to the lane the entry forces",
)
async def confirm(
    request: Request,
    session: SessionDep,
    writes: WritesDep,
    outbox: ReviewOutboxDep,
    review_id: ReviewId,
    body: Annotated[ConfirmRequest, Body(openapi_examples=CONFIRM_EXAMPLES)],
) -> RecordedReview:
    """Store the confirmation and the amended decision (a new version), then publish it to `reviews`."""
    return await _recorded(request, session, writes, outbox, review_id, Verdict.CONFIRMED, body.reason)


@router.post(
    "/{review_id}/dismiss",
    response_model=RecordedReview,
    status_code=201,
    responses=REFUSALS,
    summary="Dismiss a possible match, with a mandatory reason; it stays away until the entry changes",
)
async def dismiss(
    request: Request,
    session: SessionDep,
    writes: WritesDep,
    outbox: ReviewOutboxDep,
    review_id: ReviewId,
    body: Annotated[DismissRequest, Body(openapi_examples=DISMISS_EXAMPLES)],
) -> RecordedReview:
    """Store the dismissal (who, when, why), then publish it to `reviews`: scoring leaves the match out for this
    subject and this version of the entry."""
    return await _recorded(request, session, writes, outbox, review_id, Verdict.DISMISSED, body.reason)
