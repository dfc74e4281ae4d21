"""Every operation that takes a body documents an example of it, and every such example fits its own schema."""

from typing import Any

import jsonschema_rs
import pytest
from fastapi import FastAPI

from portcullis.gateway.app import create_app as create_gateway
from portcullis.gateway.settings import GatewaySettings
from portcullis.ingest.app import create_app as create_ingest
from portcullis.ingest.settings import IngestSettings
from portcullis.scoring.app import create_app as create_scoring
from portcullis.scoring.settings import ScoringSettings
from portcullis.watchlist.app import create_app as create_watchlist
from portcullis.watchlist.settings import WatchlistSettings

APPS: dict[str, FastAPI] = {
    "ingest": create_ingest(IngestSettings()),
    "gateway": create_gateway(GatewaySettings()),
    "watchlist": create_watchlist(WatchlistSettings()),
    "scoring": create_scoring(ScoringSettings()),
}


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _examples(document: dict[str, Any], media: dict[str, Any]) -> list[Any]:
    """The examples of a request body: the media type's own, or those of the schema (and of its oneOf branches)."""
    found = [example["value"] for example in media.get("examples", {}).values()]
    if "example" in media:
        found.append(media["example"])
    schema = media["schema"]
    for candidate in [schema, *schema.get("oneOf", []), *schema.get("anyOf", [])]:
        found += _resolve(document, candidate).get("examples", [])
    return found


def _bodies(name: str) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    document = APPS[name].openapi()
    return [
        (f"{method.upper()} {path}", document, operation["requestBody"]["content"]["application/json"])
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if "requestBody" in operation
    ]


def test_the_services_take_bodies() -> None:
    assert {name: len(_bodies(name)) for name in APPS} == {"ingest": 4, "gateway": 5, "watchlist": 7, "scoring": 0}


@pytest.mark.parametrize("name", ["ingest", "gateway", "watchlist"])
def test_every_body_has_an_example_that_fits_its_schema(name: str) -> None:
    for operation, document, media in _bodies(name):
        examples = _examples(document, media)
        assert examples, f"{name} {operation} has no request example"
        validator = jsonschema_rs.validator_for({"components": document["components"], **media["schema"]})
        for example in examples:
            errors = [error.message for error in validator.iter_errors(example)]
            assert not errors, (name, operation, example, errors)


def test_an_example_that_breaks_its_schema_is_caught() -> None:
    """The check above would notice an example with a field of the wrong type."""
    _, document, media = next(b for b in _bodies("gateway") if b[0].startswith("POST /v1/decisions"))
    validator = jsonschema_rs.validator_for({"components": document["components"], **media["schema"]})
    broken = {**_examples(document, media)[0], "inspected": "yes"}
    assert list(validator.iter_errors(broken))


def test_errors_are_documented_in_the_format_the_services_answer() -> None:
    for name, app in APPS.items():
        document = app.openapi()
        schemas = document["components"]["schemas"]
        assert "HTTPValidationError" not in schemas, name
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                for status in ("401", "403", "404", "409", "413", "422", "429"):
                    if status in operation["responses"]:
                        content = operation["responses"][status]["content"]["application/json"]["schema"]
                        assert content == {"$ref": "#/components/schemas/ErrorBody"}, (name, method, path, status)
