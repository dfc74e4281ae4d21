"""Every route of every service: 401 without a key, 403 with a key of another role, through with the right one."""

import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from portcullis.cli.keys import publish_key
from portcullis.cli.processes import ServiceSet
from portcullis.gateway.app import GRANTS as GATEWAY_GRANTS
from portcullis.gateway.app import create_app as create_gateway
from portcullis.gateway.console.install import PREFIX as CONSOLE_PREFIX
from portcullis.gateway.settings import GatewaySettings
from portcullis.ingest.app import GRANTS as INGEST_GRANTS
from portcullis.ingest.app import create_app as create_ingest
from portcullis.ingest.settings import IngestSettings
from portcullis.scoring.app import create_app as create_scoring
from portcullis.scoring.settings import ScoringSettings
from portcullis.shared.auth import OPEN_PATHS, Grant, Role, new_key
from portcullis.shared.settings import KafkaSettings
from portcullis.watchlist.app import GRANTS as WATCHLIST_GRANTS
from portcullis.watchlist.app import create_app as create_watchlist
from portcullis.watchlist.settings import WatchlistSettings
from tests.integration.conftest import wait_for

pytestmark = pytest.mark.integration

APPS: dict[str, tuple[FastAPI, list[Grant]]] = {
    "ingest": (create_ingest(IngestSettings()), INGEST_GRANTS),
    "gateway": (create_gateway(GatewaySettings()), GATEWAY_GRANTS),
    "watchlist": (create_watchlist(WatchlistSettings()), WATCHLIST_GRANTS),
    "scoring": (create_scoring(ScoringSettings()), []),
}


def _routes(app: FastAPI) -> list[tuple[str, str]]:
    found = []
    for route in app.routes:
        if isinstance(route, APIRoute):
            found += [(method, route.path) for method in sorted(route.methods or ())]
        elif hasattr(route, "original_router"):  # a lazily included router: its routes carry their full paths
            found += [(m, r.path) for r in route.original_router.routes if isinstance(r, APIRoute) for m in r.methods]
    return sorted(set(found))


def _concrete(template: str) -> str:
    return re.sub(r"\{[^}]+\}", "0123456789ab", template)


def _needs_a_key(path: str) -> bool:
    # The gateway's console signs in with a key for a session cookie (tests/browser); the rest needs the key itself.
    return path not in OPEN_PATHS and not path.startswith(CONSOLE_PREFIX)


def test_every_service_has_routes_that_need_a_key() -> None:
    protected = {name: [r for r in _routes(app) if _needs_a_key(r[1])] for name, (app, _) in APPS.items()}
    assert protected["ingest"]
    assert protected["gateway"]
    assert protected["watchlist"]
    assert protected["scoring"] == []  # scoring serves only health and metrics
    for name, (_app, grants) in APPS.items():
        for method, path in protected[name]:
            assert any(path.startswith(g.prefix) and method in g.methods for g in grants), (name, method, path)


async def test_every_route_refuses_no_key_and_the_wrong_role(
    tmp_path: Path, kafka: KafkaSettings, model_registry: Path
) -> None:
    services = ServiceSet(tmp_path, kafka, model_registry)
    keys: dict[Role, str] = {}
    for role in Role:
        keys[role], record = new_key(f"test-{role.value}", role)
        await publish_key(kafka, record)
    running = {
        name: services.start(name, {"PORTCULLIS_AUTH_REQUIRED": "true"}) for name in ("ingest", "gateway", "watchlist")
    }
    try:
        async with httpx.AsyncClient(timeout=10) as client:

            async def call(url: str, method: str, key: str | None) -> int:
                headers = {"Authorization": f"Bearer {key}"} if key else {}
                async with client.stream(method, url, headers=headers, json={} if method != "GET" else None) as answer:
                    return answer.status_code

            # Keys reach every service through the apikeys topic.
            for name, service in running.items():
                probe = {"ingest": Role.SUBMITTER, "gateway": Role.READER, "watchlist": Role.ANALYST}[name]
                path = {"ingest": "/v1/declarations", "gateway": "/v1/decisions", "watchlist": "/v1/rules"}[name]
                method = "POST" if name == "ingest" else "GET"

                async def accepted(url: str = f"{service.url}{path}", m: str = method, k: str = keys[probe]) -> bool:
                    return await call(url, m, k) not in (401, 403)

                await wait_for(accepted, 20, 0.2)

            checked = 0
            for name, service in running.items():
                app, grants = APPS[name]
                for method, template in _routes(app):
                    if not _needs_a_key(template):
                        continue
                    url = f"{service.url}{_concrete(template)}"
                    grant = next(g for g in grants if template.startswith(g.prefix) and method in g.methods)
                    assert await call(url, method, None) == 401, (name, method, template)
                    assert await call(url, method, "pck_0123456789ab_forged") == 401, (name, method, template)
                    for role in Role:
                        status = await call(url, method, keys[role])
                        if role in grant.roles:
                            assert status not in (401, 403), (name, method, template, role)
                        else:
                            assert status == 403, (name, method, template, role, status)
                    checked += 1
            assert checked >= 15
            for path in ("/healthz", "/readyz", "/metrics"):
                assert (await client.get(f"{running['gateway'].url}{path}")).status_code == 200
    finally:
        services.stop_all()
