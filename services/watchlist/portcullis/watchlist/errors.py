"""Errors the routes raise, rendered in the common format `{"detail": [{"field", "reason"}]}`."""

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError

from portcullis.shared.http import ErrorBody, FieldError, JSONBody, field_errors

#: Tags pydantic puts into error locations of the entry union (`vessel.imo_number`); the field is what matters.
_UNION_TAGS = frozenset({"person", "organization", "vessel", "aircraft", "container", "trader"})


class InputError(Exception):
    """Input that passed the schema but not the domain checks (a rule on an unknown field ...): 422."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(f"{e.field}: {e.reason}" for e in errors))
        self.errors = errors


class NotFoundError(Exception):
    """No such entry or rule: 404."""


def install_errors(app: FastAPI) -> None:
    """Register the handlers (after install_common, whose validation handler this one refines)."""

    @app.exception_handler(RequestValidationError)
    async def _on_validation_error(_: Request, error: RequestValidationError) -> Response:
        cleaned = []
        for item in error.errors():
            location = [part for n, part in enumerate(item["loc"]) if not (n == 1 and part in _UNION_TAGS)]
            cleaned.append({**item, "loc": tuple(location)})
        return JSONBody(ErrorBody(detail=field_errors(cleaned, drop_prefix=1)).model_dump(), status_code=422)

    @app.exception_handler(InputError)
    async def _on_input_error(_: Request, error: InputError) -> Response:
        return JSONBody(ErrorBody(detail=error.errors).model_dump(), status_code=422)

    @app.exception_handler(NotFoundError)
    async def _on_not_found(_: Request, error: NotFoundError) -> Response:
        return JSONBody({"detail": str(error)}, status_code=404)
