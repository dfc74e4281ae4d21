"""The ingest service: port systems POST items; 202 only once Kafka acknowledged them."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request, Response
from pydantic import BaseModel

from portcullis.ingest.publishing import InvalidSubmissionError, parse_submission, read_body, to_messages
from portcullis.ingest.settings import IngestSettings
from portcullis.shared.http import ErrorBody, JSONBody, install_common
from portcullis.shared.kafka import Publisher, PublishError
from portcullis.shared.logging import get_logger
from portcullis.shared.schemas import Declaration

log = get_logger(__name__)


class Accepted(BaseModel):
    """What ingest answers once the broker acknowledged every item."""

    accepted: list[str]
    count: int


def _declaration_key(declaration: Declaration) -> str:
    return declaration.declaration_id


def _publisher(request: Request) -> Publisher:
    publisher: Publisher = request.app.state.publisher
    return publisher


PublisherDep = Annotated[Publisher, Depends(_publisher)]

_SUBMISSION_RESPONSES: dict[int | str, dict[str, object]] = {
    413: {"model": ErrorBody, "description": "The body is over the size limit"},
    422: {
        "model": ErrorBody,
        "description": "Invalid input: each bad field with its reason; nothing is published",
    },
    503: {"model": ErrorBody, "description": "Kafka did not acknowledge; retry later (nothing was accepted)"},
}


def create_app(settings: IngestSettings) -> FastAPI:
    """Build the ingest application; the producer opens in the lifespan."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            publisher = Publisher(settings.kafka, timeout_s=settings.publish_timeout_s)
            stack.push_async_callback(publisher.close)
            # A broker that is down at start is not fatal: ingest answers 503 until it is back.
            await publisher.start()
            app.state.publisher = publisher
            log.info("ingest_ready", port=settings.port)
            yield

    app = FastAPI(
        title="Portcullis ingest",
        version="0.1.0",
        summary="Receives goods declarations (and later passengers and containers) and publishes them to Kafka.",
        lifespan=lifespan,
    )

    async def ready() -> dict[str, bool]:
        return {"kafka": await app.state.publisher.start()}

    install_common(app, "ingest", ready)
    declarations_topic = settings.kafka.topic("declarations")

    @app.post(
        "/v1/declarations",
        status_code=202,
        response_model=Accepted,
        responses=_SUBMISSION_RESPONSES,
        tags=["declarations"],
        summary="Submit one goods declaration or a batch of up to 1,000",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "oneOf": [
                                {"$ref": "#/components/schemas/Declaration"},
                                {
                                    "type": "array",
                                    "items": {"$ref": "#/components/schemas/Declaration"},
                                    "minItems": 1,
                                    "maxItems": settings.max_batch,
                                },
                            ]
                        }
                    }
                },
            }
        },
    )
    async def submit_declarations(request: Request, publisher: PublisherDep) -> Response:
        body = await read_body(request, settings.max_body_bytes)
        try:
            declarations = parse_submission(body, Declaration, settings.max_batch, _declaration_key)
        except InvalidSubmissionError as invalid:
            return JSONBody(ErrorBody(detail=invalid.errors).model_dump(), status_code=422)
        try:
            await publisher.publish(to_messages(declarations, declarations_topic, _declaration_key))
        except PublishError as error:
            return JSONBody(ErrorBody(detail=str(error)).model_dump(), status_code=503, headers={"Retry-After": "5"})
        ids = [d.declaration_id for d in declarations]
        return JSONBody(Accepted(accepted=ids, count=len(ids)).model_dump(), status_code=202)

    _register_schema(app, Declaration)
    return app


def _register_schema(app: FastAPI, model: type[BaseModel]) -> None:
    # The body is read by hand (size limit, one-or-many); publish the item schema in the OpenAPI document anyway.
    original = app.openapi

    def openapi() -> dict[str, object]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = original()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        definitions = model.model_json_schema(ref_template="#/components/schemas/{model}")
        components.update(definitions.pop("$defs", {}))
        components[model.__name__] = definitions
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
