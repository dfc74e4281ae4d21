"""Request metrics are labelled by route template, so ids in paths never become label values."""

from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from portcullis.shared.http import install_common


def test_requests_are_counted_per_route_template_not_per_raw_path() -> None:
    app = FastAPI()
    router = APIRouter(prefix="/v1/things")

    @router.get("/{thing_id}")
    async def thing(thing_id: str) -> dict[str, str]:
        return {"thing_id": thing_id}

    app.include_router(router)

    async def ready() -> dict[str, bool]:
        return {"ok": True}

    install_common(app, "metrics-test", ready)
    client = TestClient(app)
    for thing_id in ("A1", "B2", "C3"):
        assert client.get(f"/v1/things/{thing_id}").status_code == 200
    metrics = client.get("/metrics").text
    assert (
        'portcullis_http_requests_total{method="GET",route="/v1/things/{thing_id}",'
        'service="metrics-test",status="200"} 3.0' in metrics
    )
    assert "A1" not in metrics
