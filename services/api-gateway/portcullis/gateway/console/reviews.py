"""The analysts' review page: possible matches, the oldest first, with confirm and dismiss forms (analysts only)."""

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError

from portcullis.gateway.console.pages import page, redirect
from portcullis.gateway.console.security import checked_form, require
from portcullis.gateway.db import SessionDep, WritesDep
from portcullis.gateway.reviews.models import ReviewStatus
from portcullis.gateway.reviews.routes import ReviewRefusedError, record_verdict
from portcullis.gateway.reviews.schemas import ConfirmRequest, DismissRequest
from portcullis.gateway.reviews.service import as_item, list_reviews
from portcullis.shared.auth import Role
from portcullis.shared.http import FieldError, field_errors
from portcullis.shared.schemas.review import Verdict

router = APIRouter(prefix="/console", include_in_schema=False)
REVIEW_ROLES = (Role.ANALYST,)
QUEUE_SIZE = 50
#: The form's action: its verdict.
VERDICTS = {"confirm": Verdict.CONFIRMED, "dismiss": Verdict.DISMISSED}


async def _queue_page(
    request: Request, session: SessionDep, status: int = 200, errors: list[FieldError] | None = None
) -> Response:
    console = require(request, REVIEW_ROLES)
    office = console.record.office_id
    rows = await list_reviews(session, ReviewStatus.PENDING, office, QUEUE_SIZE)
    return page(
        request,
        "reviews.html",
        console,
        status,
        items=[as_item(row) for row in rows],
        office=office,
        done=request.query_params.get("done"),
        errors=errors or [],
    )


@router.get("/reviews")
async def reviewspage(request: Request, session: SessionDep) -> Response:
    """Possible matches waiting for an analyst (of the key's office), the oldest first."""
    return await _queue_page(request, session)


@router.post("/reviews/{review_id}/{verdict}")
async def post_verdict(
    request: Request, session: SessionDep, writes: WritesDep, review_id: int, verdict: str
) -> Response:
    """Confirm or dismiss a possible match from the form (analysts)."""
    console = require(request, REVIEW_ROLES)
    form = await checked_form(request, console)
    chosen = VERDICTS.get(verdict)
    if chosen is None:
        return page(request, "not_found.html", console, 404, subject_id=str(review_id))
    try:
        reason: str | None
        if chosen is Verdict.DISMISSED:
            reason = DismissRequest.model_validate({"reason": form.get("reason", "")}).reason
        else:
            reason = ConfirmRequest.model_validate({"reason": form.get("reason") or None}).reason
    except ValidationError as error:
        return await _queue_page(request, session, 422, field_errors(error.errors()))
    try:
        await record_verdict(request, session, writes, request.app.state.review_outbox, review_id, chosen, reason)
    except ReviewRefusedError as error:
        if error.status == 404:
            return page(request, "not_found.html", console, 404, subject_id=str(review_id))
        return redirect("/console/reviews?done=reviewed")
    return redirect(f"/console/reviews?done={chosen.value}")
