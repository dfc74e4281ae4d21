"""/docs and /redoc of every service render without Internet access: no external URL, every asset served locally."""

import re
from collections.abc import Callable

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient


def _ingest() -> FastAPI:
    from portcullis.ingest.app import create_app
    from portcullis.ingest.settings import IngestSettings

    return create_app(IngestSettings())


def _scoring() -> FastAPI:
    from portcullis.scoring.app import create_app
    from portcullis.scoring.settings import ScoringSettings

    return create_app(ScoringSettings())


def _watchlist() -> FastAPI:
    from portcullis.watchlist.app import create_app
    from portcullis.watchlist.settings import WatchlistSettings

    return create_app(WatchlistSettings())


def _gateway() -> FastAPI:
    from portcullis.gateway.app import create_app
    from portcullis.gateway.settings import GatewaySettings

    return create_app(GatewaySettings())


SERVICES: dict[str, Callable[[], FastAPI]] = {
    "ingest": _ingest,
    "scoring": _scoring,
    "watchlist": _watchlist,
    "api-gateway": _gateway,
}

_REFERENCE = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


@pytest.mark.parametrize("service", SERVICES)
@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_load_nothing_from_outside_and_their_assets_answer_without_a_key(service: str, page: str) -> None:
    # Built as shipped (authentication on); no lifespan: nothing connects, the pages need nothing running.
    client = TestClient(SERVICES[service]())
    answer = client.get(page)
    assert answer.status_code == 200
    html = answer.text
    assert "http://" not in html
    assert "https://" not in html
    assert "//cdn" not in html
    assets = _REFERENCE.findall(html)
    scripts = [url for url in assets if url.endswith(".js")]
    assert scripts, "the page loads its JavaScript from somewhere"
    for url in assets:
        assert url.startswith("/"), url
        asset = client.get(url)
        assert asset.status_code == 200, url
        assert len(asset.content) > 1000, url
    bundle = client.get(scripts[0])
    assert bundle.headers["content-type"].startswith("text/javascript")
    # The real bundles, not placeholders: Swagger UI's and ReDoc's own globals.
    assert ("SwaggerUIBundle" if page == "/docs" else "Redoc") in bundle.text


def test_opening_the_assets_opens_nothing_else() -> None:
    client = TestClient(_ingest())
    assert client.get("/docs/assets/swagger-ui.css").status_code == 200
    assert client.get("/docs/assets/other.js").status_code == 401
    assert client.post("/v1/declarations", json={}).status_code == 401
