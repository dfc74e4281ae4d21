"""A real Prometheus (Debian's package) scrapes the five running services: every target is up, every alert and
recording rule evaluates without error, and the dashboard's queries return data once declarations flow."""

import asyncio
import contextlib
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from aiokafka import AIOKafkaProducer

from portcullis.cli.processes import ServiceSet, free_port
from portcullis.shared.settings import KafkaSettings
from tests.deploy.promql import ALERTS, dashboard_queries
from tests.integration.conftest import wait_for

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        shutil.which("prometheus") is None, reason="prometheus missing: run scripts/install-deploy-tools.sh as root"
    ),
]

RATE_WINDOW = "20s"  # stands in for Grafana's $__rate_interval: at a 1 s scrape interval, 20 samples
#: Panels that stay empty while nothing fails (no 5xx, no failed batch): they are not required to have data.
QUIET_WHEN_HEALTHY = ("HTTP 5xx per service / A", "Failed batches (retried) / A")
#: Panels that need what a minute of declarations does not give: the blue lane switched on (it is off by default),
#: or a history with outcomes and clearance events (the analytics service's headline figures over 30 days; their
#: values are tested in tests/unit/analytics). Their queries must still evaluate; data is not required.
NEED_CONFIGURATION_OR_HISTORY = (
    "Blue lane: share of declarations, and kept yellow by its cap / A",
    "Hit rate: random and targeted / A",
    "Targeting lift / A",
    "Non-compliance estimate (95% interval) / A",
    "Revenue recovered and seizures / A",
    "Revenue recovered and seizures / B",
    "Arrival to release (hours) / A",
    "Released within the target time / A",
)
#: Panels whose value must also be above zero while declarations flow.
POSITIVE_WHILE_FLOWING = ("Messages produced per topic / A", "Messages consumed per topic / A")
JOBS = {
    "api-gateway": "gateway",
    "ingest": "ingest",
    "scoring": "scoring",
    "watchlist": "watchlist",
    "analytics": "analytics",
}


@pytest.fixture
def prometheus(tmp_path: Path, services: ServiceSet) -> Iterator[str]:
    """Prometheus on a free port of 127.0.0.1, scraping the services every second and evaluating alerts.yml."""
    running = {job: services.start(name) for job, name in JOBS.items()}
    folder = tmp_path / "prometheus"
    folder.mkdir()
    # The rules as they are, evaluated every second instead of every minute (or 15) so that the test sees them.
    rules = yaml.safe_load(ALERTS.read_text())
    for group in rules["groups"]:
        group["interval"] = "1s"
    (folder / "alerts.yml").write_text(yaml.safe_dump(rules, sort_keys=False))
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": ["alerts.yml"],
        "scrape_configs": [
            {"job_name": job, "static_configs": [{"targets": [f"127.0.0.1:{service.port}"]}]}
            for job, service in running.items()
        ],
    }
    (folder / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = free_port()
    log = (folder / "prometheus.log").open("wb")
    process = subprocess.Popen(
        [
            "prometheus",
            f"--config.file={folder / 'prometheus.yml'}",
            f"--storage.tsdb.path={folder / 'data'}",
            f"--web.listen-address=127.0.0.1:{port}",
            "--log.level=warn",
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, (folder / "prometheus.log").read_text()[-3000:]
            try:
                if httpx.get(f"{url}/-/ready", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert time.monotonic() < deadline, "prometheus not ready in 30 s"
            time.sleep(0.2)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
        log.close()


async def query(http: httpx.AsyncClient, url: str, expr: str) -> list[dict[str, object]]:
    response = await http.get(f"{url}/api/v1/query", params={"query": expr})
    body = response.json()
    assert body["status"] == "success", (expr, body)
    return body["data"]["result"]  # type: ignore[no-any-return]


async def test_the_dashboard_queries_return_data_from_the_running_services(
    prometheus: str,
    services: ServiceSet,
    kafka: KafkaSettings,
    http: httpx.AsyncClient,
    sample_declarations: list[dict[str, object]],
) -> None:
    ingest = next(s for s in services.started if s.module == "portcullis.ingest")
    posted = 0

    async def declarations_arrive() -> None:
        # Batches of 50 a second, as port systems would send them, while the test watches the dashboard; and two
        # messages that are not declarations, written around ingest, for the dead-letter panel.
        nonlocal posted
        producer = AIOKafkaProducer(bootstrap_servers=kafka.bootstrap_servers, acks="all")
        await producer.start()
        try:
            await producer.send_and_wait(kafka.topic("declarations"), b"not json at all", key=b"poison")
            for offset in range(0, min(len(sample_declarations), 3000), 50):
                response = await http.post(
                    f"{ingest.url}/v1/declarations", json=sample_declarations[offset : offset + 50]
                )
                assert response.status_code == 202, response.text
                posted += 50
                if offset == 100:
                    await producer.send_and_wait(kafka.topic("declarations"), b"{}", key=b"empty")
                await asyncio.sleep(1.0)
        finally:
            await producer.stop()

    flow = asyncio.create_task(declarations_arrive())
    queries = {
        name: expr.replace("$__rate_interval", RATE_WINDOW)
        for name, expr in dashboard_queries().items()
        if name not in QUIET_WHEN_HEALTHY
    }
    for name in NEED_CONFIGURATION_OR_HISTORY:
        await query(http, prometheus, queries.pop(name))  # evaluates (the query function asserts success)
    empty = dict(queries)
    last: dict[str, object] = {}
    deadline = time.monotonic() + 60
    try:
        while empty and time.monotonic() < deadline and not flow.done():
            await asyncio.sleep(1.0)
            for name, expr in list(empty.items()):
                result = last[name] = await query(http, prometheus, expr)
                if not result:
                    continue
                if name in POSITIVE_WHILE_FLOWING and not any(float(r["value"][1]) > 0 for r in result):  # type: ignore[index]
                    continue
                del empty[name]
    finally:
        flow.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await flow
    assert not empty, f"dashboard queries without data: { {name: last.get(name) for name in empty} }"
    assert posted >= 100

    # What the panels show is what happened: both directions of the flow, on this test's own topics.
    produced = await query(http, prometheus, queries["Messages produced per topic / A"])
    topics = {r["metric"]["topic"] for r in produced}  # type: ignore[index]
    assert {kafka.topic("declarations"), kafka.topic("decisions"), kafka.topic("declarations.dlq")} <= topics

    # Prometheus shows what its last scrape saw, and scoring may still be deciding what was posted: wait for both.
    async def decided() -> bool:
        lanes = await query(http, prometheus, 'sum by (lane) (portcullis_decisions_total{stream="declaration"})')
        return sum(float(r["value"][1]) for r in lanes) >= 50  # type: ignore[index]

    async def in_drift_window() -> bool:
        windows = await query(http, prometheus, queries["Scores in the drift window / A"])
        return bool(windows) and float(windows[0]["value"][1]) >= 50  # type: ignore[index]

    await wait_for(decided, timeout_s=60, interval_s=0.5)
    await wait_for(in_drift_window, timeout_s=60, interval_s=0.5)
    [model] = await query(http, prometheus, queries["Model version in use / A"])
    assert str(model["metric"]["version"]).startswith("dm-")  # type: ignore[index]

    targets = (await http.get(f"{prometheus}/api/v1/targets")).json()["data"]["activeTargets"]
    assert sorted(t["labels"]["job"] for t in targets) == sorted(JOBS)
    assert all(t["health"] == "up" for t in targets), [(t["labels"]["job"], t["lastError"]) for t in targets]
    groups = (await http.get(f"{prometheus}/api/v1/rules")).json()["data"]["groups"]
    rules = [rule for group in groups for rule in group["rules"]]
    assert len(rules) == sum(len(g["rules"]) for g in yaml.safe_load(ALERTS.read_text())["groups"])
    assert all(rule["health"] in {"ok", "unknown"} for rule in rules), [
        (rule["name"], rule.get("lastError")) for rule in rules if rule["health"] == "err"
    ]

    # The drift gauge of the model in use is there, on the scores of the declarations posted: the validation
    # quarter the model's reference came from, so a stable population (PSI well below the 0.25 of the alert).
    [psi] = await query(http, prometheus, queries["Score drift against training (PSI) / A"])
    [window] = await query(http, prometheus, queries["Scores in the drift window / A"])
    assert psi["metric"]["model_version"] == model["metric"]["version"]  # type: ignore[index]
    assert window["metric"]["model_version"] == model["metric"]["version"]  # type: ignore[index]
    assert 0 <= float(psi["value"][1]) < 0.25  # type: ignore[index]
    # Scoring stays within the memory limit of its Deployment (450 MiB) after loading a model and scoring.
    [memory] = await query(http, prometheus, 'process_resident_memory_bytes{job="scoring"}')
    assert float(memory["value"][1]) < 450 * 2**20  # type: ignore[index]
