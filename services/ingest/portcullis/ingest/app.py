"""The ingest service: port systems POST items; 202 only once Kafka acknowledged them."""

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Request, Response
from pydantic import BaseModel

from portcullis.ingest.publishing import InvalidSubmissionError, parse_submission, read_body, to_messages
from portcullis.ingest.settings import IngestSettings
from portcullis.ingest.streams import CLEARANCE_EVENTS, CONTAINERS, DECLARATIONS, PASSENGERS, Item, StreamEndpoint
from portcullis.shared.auth import Grant, Role, install_auth, open_keyring
from portcullis.shared.http import ErrorBody, JSONBody, install_common
from portcullis.shared.kafka import Publisher, PublishError
from portcullis.shared.logging import get_logger
from portcullis.shared.reference import airports, is_known_locode

log = get_logger(__name__)


class Accepted(BaseModel):
    """What ingest answers once the broker acknowledged every item."""

    accepted: list[str]
    count: int


async def _publisher(request: Request) -> Publisher:
    # async on purpose: FastAPI runs a plain `def` dependency in a worker thread, a thread hop per request.
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
_ONE_OR_MANY = (
    "The body is one object or an array of them. The answer is 202 only once Kafka acknowledged every item; "
    "if any item is invalid, nothing is published and 422 lists each bad field with its reason."
)


#: Port systems submit; nobody else may.
GRANTS = [Grant("/v1/", frozenset({Role.SUBMITTER}), frozenset({"POST"}))]


def create_app(settings: IngestSettings) -> FastAPI:
    """Build the ingest application; the producer opens in the lifespan."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            app.state.keyring, app.state.keys_follower = await open_keyring(stack, settings.kafka)
            # Load the airport and UN/LOCODE lists now: a missing file fails the start, not the first request.
            airports()
            is_known_locode("NLRTM")
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
        summary="Receives declarations, passenger records, container and clearance events; publishes them to Kafka.",
        lifespan=lifespan,
    )

    async def ready() -> dict[str, bool]:
        return {"kafka": await app.state.publisher.start(), "api_keys": app.state.keys_follower.caught_up.is_set()}

    install_auth(app, "ingest", GRANTS, lambda: app.state.keyring, settings.auth)
    install_common(app, "ingest", ready, strict_json=False)  # parse_submission parses strictly
    _add_submission_route(app, settings, DECLARATIONS)
    _add_submission_route(app, settings, PASSENGERS)
    _add_submission_route(app, settings, CONTAINERS)
    _add_submission_route(app, settings, CLEARANCE_EVENTS)
    return app


def _add_submission_route(app: FastAPI, settings: IngestSettings, endpoint: StreamEndpoint[Item]) -> None:
    """`POST /v1/<path>`: validate one item or a batch whole, publish keyed, answer 202 after the acks."""
    topic = settings.kafka.topic(endpoint.topic)
    schema_ref = {"$ref": f"#/components/schemas/{endpoint.model.__name__}"}

    async def submit(request: Request, publisher: PublisherDep) -> Response:
        body = await read_body(request, settings.max_body_bytes)
        try:
            items = parse_submission(body, endpoint.model, settings.max_batch, endpoint.subject_id)
        except InvalidSubmissionError as invalid:
            return JSONBody(ErrorBody(detail=invalid.errors).model_dump(), status_code=422)
        try:
            await publisher.publish(to_messages(items, topic, endpoint.partition_key))
        except PublishError as error:
            return JSONBody(ErrorBody(detail=str(error)).model_dump(), status_code=503, headers={"Retry-After": "5"})
        ids = [endpoint.subject_id(item) for item in items]
        return JSONBody(Accepted(accepted=ids, count=len(ids)).model_dump(), status_code=202)

    app.add_api_route(
        f"/v1/{endpoint.path}",
        submit,
        methods=["POST"],
        name=f"submit_{endpoint.path}",
        status_code=202,
        response_model=Accepted,
        responses=_SUBMISSION_RESPONSES,
        tags=[endpoint.path],
        summary=endpoint.summary.format(max_batch=settings.max_batch),
        description=f"Accepted items are published to the `{endpoint.topic}` topic. {_ONE_OR_MANY}",
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "oneOf": [
                                schema_ref,
                                {"type": "array", "items": schema_ref, "minItems": 1, "maxItems": settings.max_batch},
                            ]
                        }
                    }
                },
            }
        },
    )
    _register_schema(app, endpoint.model)


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
