"""CORS only for configured origins, and request bodies over the limit refused with 413 in the ErrorBody format."""

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from portcullis.gateway.app import create_app as create_gateway
from portcullis.gateway.settings import GatewaySettings
from portcullis.shared.http import BodyLimit, HttpSettings, install_common
from portcullis.watchlist.app import create_app as create_watchlist
from portcullis.watchlist.settings import WatchlistSettings

ALLOWED = "https://inspection.customs.example"
OTHER = "https://evil.example"


async def _ready() -> dict[str, bool]:
    return {"ok": True}


class Note(BaseModel):
    text: str


def _app(http: HttpSettings, limit: BodyLimit | None = None) -> FastAPI:
    app = FastAPI()
    install_common(app, "test", _ready, http, limit)

    @app.post("/v1/notes")
    async def post_note(note: Note) -> dict[str, int]:
        return {"length": len(note.text)}

    @app.post("/v1/imports/notes")
    async def import_notes(note: Note) -> dict[str, int]:
        return {"length": len(note.text)}

    return app


def _client(app: FastAPI) -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://service")


def _preflight(origin: str) -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": "GET",
        "Access-Control-Request-Headers": "authorization",
    }


def test_origins_read_from_the_environment_as_a_list(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PORTCULLIS_CORS_ORIGINS", f"{ALLOWED}, https://portal.example/")
    assert HttpSettings().cors_origins == [ALLOWED, "https://portal.example"]
    monkeypatch.setenv("PORTCULLIS_CORS_ORIGINS", f'["{ALLOWED}"]')
    assert HttpSettings().cors_origins == [ALLOWED]
    monkeypatch.delenv("PORTCULLIS_CORS_ORIGINS")
    assert HttpSettings().cors_origins == []


async def test_no_cors_unless_configured() -> None:
    async with _client(_app(HttpSettings(cors_origins=[]))) as client:
        answer = await client.options("/healthz", headers=_preflight(ALLOWED))
        assert "access-control-allow-origin" not in answer.headers
        answer = await client.get("/healthz", headers={"Origin": ALLOWED})
        assert "access-control-allow-origin" not in answer.headers


async def test_preflight_from_an_allowed_and_a_disallowed_origin() -> None:
    async with _client(_app(HttpSettings(cors_origins=[ALLOWED]))) as client:
        allowed = await client.options("/v1/notes", headers=_preflight(ALLOWED))
        assert allowed.status_code == 200
        assert allowed.headers["access-control-allow-origin"] == ALLOWED
        assert "authorization" in allowed.headers["access-control-allow-headers"].lower()
        refused = await client.options("/v1/notes", headers=_preflight(OTHER))
        assert refused.status_code == 400
        assert "access-control-allow-origin" not in refused.headers
        simple = await client.get("/healthz", headers={"Origin": ALLOWED})
        assert simple.headers["access-control-allow-origin"] == ALLOWED
        assert "access-control-allow-origin" not in (await client.get("/healthz", headers={"Origin": OTHER})).headers


async def test_a_body_over_the_limit_is_refused_with_413() -> None:
    limit = BodyLimit(default_bytes=100, by_prefix={"/v1/imports/": 10_000})
    async with _client(_app(HttpSettings(), limit)) as client:
        small = await client.post("/v1/notes", json={"text": "x" * 50})
        assert small.status_code == 200
        large = await client.post("/v1/notes", json={"text": "x" * 200})
        assert large.status_code == 413
        assert large.json() == {"detail": "the request body is over the limit of 100 bytes"}
        # A larger limit under a prefix.
        assert (await client.post("/v1/imports/notes", json={"text": "x" * 200})).status_code == 200


async def test_a_chunked_body_is_counted_as_it_arrives() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"text": "'
        for _ in range(20):
            yield b"x" * 10
        yield b'"}'

    async with _client(_app(HttpSettings(), BodyLimit(default_bytes=100))) as client:
        answer = await client.post("/v1/notes", content=chunks(), headers={"Content-Type": "application/json"})
        assert answer.status_code == 413
        assert "100 bytes" in answer.json()["detail"]


@pytest.mark.parametrize(
    ("app", "template"),
    [
        (create_gateway(GatewaySettings(max_body_bytes=2048)), "/v1/decisions/{subject_id}/outcome"),
        (create_watchlist(WatchlistSettings(max_body_bytes=2048)), "/v1/rules"),
    ],
)
async def test_gateway_and_watchlist_limit_bodies(app: FastAPI, template: str) -> None:
    async with _client(app) as client:
        answer = await client.post(
            template.replace("{subject_id}", "97061800"),
            content=b"{" + b" " * 4096 + b"}",
            headers={"Content-Type": "application/json"},
        )
        assert answer.status_code == 413
        assert answer.json() == {"detail": "the request body is over the limit of 2048 bytes"}
    responses = app.openapi()["paths"][template]["post"]["responses"]
    assert responses["413"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ErrorBody"}


def test_the_watchlist_takes_large_list_imports() -> None:
    document = create_watchlist(WatchlistSettings()).openapi()
    responses = document["paths"]["/v1/watchlist/imports/ofac-sdn"]["post"]["responses"]
    assert str(64 * 1024 * 1024) in responses["413"]["description"]
