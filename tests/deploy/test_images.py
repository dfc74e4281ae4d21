"""The container images as operators run them: built by `make images`, started with podman on the host network
against the real broker, authentication on.

Run by `make test-images` (which builds the images first); skipped elsewhere, since building takes minutes.
"""

import asyncio
import os
import re
import resource
import secrets
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from portcullis.cli.processes import free_port
from portcullis.shared.settings import KafkaSettings
from tests.integration.conftest import wait_for
from tests.integration.test_ingest import README_EXAMPLE

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(os.environ.get("PORTCULLIS_TEST_IMAGES") != "1", reason="`make test-images` runs these"),
]

TAG = os.environ.get("IMAGE_TAG", "latest")
SERVICES = {  # image name: (settings prefix, whether it keeps a database)
    "ingest": ("INGEST", False),
    "scoring": ("SCORING", False),
    "watchlist": ("WATCHLIST", True),
    "api-gateway": ("GATEWAY", True),
}
PODMAN = ["podman", "--runtime", os.environ.get("PODMAN_RUNTIME", "runc")]
# What this process may grant (runc refuses more); nproc as scripts/build-images.sh sets it.
_NOFILE = os.environ.get("ULIMIT_NOFILE", str(resource.getrlimit(resource.RLIMIT_NOFILE)[1]))
LIMITS = ["--ulimit", f"nofile={_NOFILE}:{_NOFILE}", "--ulimit", f"nproc={os.environ.get('ULIMIT_NPROC', '4096')}"]
_EXTERNAL_URL = re.compile(r"""(?:src|href)\s*=\s*["'](?:https?:)?//""")


def image(service: str) -> str:
    return f"localhost/portcullis/{service}:{TAG}"


def run_in_image(service: str, *command: str, env: dict[str, str] | None = None) -> str:
    """Run a command in a fresh container of the image (host network); its standard output."""
    options = [item for name, value in (env or {}).items() for item in ("-e", f"{name}={value}")]
    entrypoint, *arguments = command
    run = [
        *PODMAN,
        "run",
        "--rm",
        "--no-healthcheck",
        "--network",
        "host",
        *LIMITS,
        *options,
        "--entrypoint",
        entrypoint,
    ]
    done = subprocess.run(
        [*run, image(service), *arguments],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


class Containers:
    """Service containers of one test, stopped and removed at the end; their logs are shown on failure."""

    def __init__(self, kafka: KafkaSettings, models: Path) -> None:
        self.kafka = kafka
        self.models = models
        self.suffix = uuid.uuid4().hex[:8]
        self.names: list[str] = []

    def start(self, service: str) -> str:
        """Start a service's container; its base URL."""
        prefix, keeps_database = SERVICES[service]
        port = free_port()
        env = {
            "PORTCULLIS_KAFKA_BOOTSTRAP_SERVERS": self.kafka.bootstrap_servers,
            "PORTCULLIS_KAFKA_TOPIC_PREFIX": self.kafka.topic_prefix,
            f"PORTCULLIS_{prefix}_HOST": "127.0.0.1",
            f"PORTCULLIS_{prefix}_PORT": str(port),
        }
        volumes: list[str] = []
        if keeps_database:
            env[f"PORTCULLIS_{prefix}_DATABASE_URL"] = f"sqlite+aiosqlite:////tmp/{service}.db"
        if service in ("scoring", "api-gateway"):
            env[f"PORTCULLIS_{prefix}_GROUP_ID"] = f"{service}-{self.suffix}"
        # The images run as production (their default): each secret it requires is given, as a deployment must.
        if service == "scoring":
            env["PORTCULLIS_SCORING_MODEL_REGISTRY"] = "/models"
            env["PORTCULLIS_SCORING_RANDOM_SELECTION_SECRET"] = secrets.token_urlsafe(32)
            volumes = ["-v", f"{self.models}:/models:ro"]
        if service == "api-gateway":
            env["PORTCULLIS_GATEWAY_CURSOR_SECRET"] = secrets.token_urlsafe(32)
        name = f"portcullis-test-{service}-{self.suffix}"
        options = [item for key, value in env.items() for item in ("-e", f"{key}={value}")]
        subprocess.run(
            [
                *PODMAN,
                "run",
                "-d",
                "--no-healthcheck",
                "--name",
                name,
                "--network",
                "host",
                *LIMITS,
                *volumes,
                *options,
                image(service),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        self.names.append(name)
        return f"http://127.0.0.1:{port}"

    def logs(self) -> str:
        return "\n".join(
            f"--- {name}\n"
            + subprocess.run([*PODMAN, "logs", "--tail", "40", name], capture_output=True, text=True).stderr
            for name in self.names
        )

    def remove(self) -> None:
        for name in reversed(self.names):
            subprocess.run([*PODMAN, "rm", "--force", "--time", "10", name], capture_output=True, timeout=60)


@pytest.fixture
def containers(kafka: KafkaSettings, model_registry: Path, tmp_path: Path) -> Iterator[Containers]:
    # The services run as uid 10001: they read the model from a copy that others may read.
    models = tmp_path / "models"
    shutil.copytree(model_registry, models)
    for path in [models, *models.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    running = Containers(kafka, models)
    yield running
    running.remove()


@pytest.fixture(scope="module", autouse=True)
def images_exist() -> None:
    for service in SERVICES:
        done = subprocess.run(["podman", "image", "exists", image(service)])
        assert done.returncode == 0, f"{image(service)} is missing: `make images` builds it"


async def _ready(client: httpx.AsyncClient, url: str) -> bool:
    try:
        return (await client.get(f"{url}/readyz")).status_code == 200
    except httpx.TransportError:
        return False


async def test_a_declaration_posted_to_the_ingest_container_gets_its_decision_from_the_gateway_container(
    containers: Containers, kafka: KafkaSettings, http: httpx.AsyncClient
) -> None:
    urls = {service: containers.start(service) for service in SERVICES}
    try:
        for url in urls.values():
            await wait_for(lambda url=url: _ready(http, url), timeout_s=120, interval_s=0.5)

        # The first admin key, as the Kubernetes Job makes it: the image's own bootstrap command.
        kafka_env = {
            "PORTCULLIS_KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers,
            "PORTCULLIS_KAFKA_TOPIC_PREFIX": kafka.topic_prefix,
        }
        bootstrap = ("python", "-m", "portcullis.shared.auth.bootstrap", "--name", "images-test-admin")
        admin_key = run_in_image("api-gateway", *bootstrap, env=kafka_env).strip()
        assert admin_key.startswith("pck_")
        assert run_in_image("api-gateway", *bootstrap, env=kafka_env).strip() == "", "a second admin key"

        async def created(role: str) -> str | None:
            answer = await http.post(
                f"{urls['api-gateway']}/v1/keys",
                json={"name": f"images-test-{role}", "role": role},
                headers={"Authorization": f"Bearer {admin_key}"},
            )
            return str(answer.json()["key"]) if answer.status_code == 201 else None

        submitter = await wait_for(lambda: created("submitter"), timeout_s=30, interval_s=0.5)
        reader = await wait_for(lambda: created("reader"), timeout_s=30, interval_s=0.5)

        async def accepted() -> bool:
            answer = await http.post(
                f"{urls['ingest']}/v1/declarations",
                json=README_EXAMPLE,
                headers={"Authorization": f"Bearer {submitter}"},
            )
            assert answer.status_code in (202, 401), answer.text
            return answer.status_code == 202

        await wait_for(accepted, timeout_s=30, interval_s=0.5)  # until ingest has applied the new key

        async def decision() -> dict[str, object] | None:
            answer = await http.get(
                f"{urls['api-gateway']}/v1/decisions/{README_EXAMPLE['declaration_id']}",
                headers={"Authorization": f"Bearer {reader}"},
            )
            return answer.json() if answer.status_code == 200 else None

        found = await wait_for(decision, timeout_s=30, interval_s=0.2)
        assert found["lane"] in {"green", "yellow", "red"}
        assert str(found["model_version"]).startswith("dm-")
        assert found["reasons"]
        unauthenticated = await http.get(f"{urls['api-gateway']}/v1/decisions/{README_EXAMPLE['declaration_id']}")
        assert unauthenticated.status_code == 401

        # Every service's /docs and /redoc render from what the container itself serves.
        for url in urls.values():
            for page in ("/docs", "/redoc"):
                html = (await http.get(f"{url}{page}")).text
                assert not _EXTERNAL_URL.search(html), f"{url}{page} loads something from outside"
                for asset in re.findall(r"""(?:src|href)\s*=\s*["'](/[^"']+)["']""", html):
                    assert (await http.get(f"{url}{asset}")).status_code == 200, f"{url}{asset}"
    except BaseException:
        await asyncio.sleep(0.5)
        print(containers.logs())
        raise


_PROBE = """
import importlib, importlib.util, sys
from portcullis.shared.reference import is_known_airport, is_known_locode
from portcullis.shared.schemas.container import ContainerEvent
from portcullis.shared.schemas.passenger import PassengerRecord
importlib.import_module(sys.argv[1])
assert is_known_airport("LHR") and is_known_locode("NLRTM") and not is_known_locode("ZZZZZ")
for model in (ContainerEvent, PassengerRecord):  # what the first passenger or container record needs
    for example in model.model_config["json_schema_extra"]["examples"]:
        model.model_validate(example)
installed = [name for name in ("lightgbm", "pandas", "scipy", "rapidfuzz") if importlib.util.find_spec(name)]
loaded = [name for name in ("lightgbm", "pandas", "scipy", "rapidfuzz") if name in sys.modules]
print(" ".join(installed) + "|" + " ".join(loaded))
"""


@pytest.mark.parametrize(
    ("service", "module", "installed"),
    [
        ("ingest", "portcullis.ingest.app", ""),
        ("api-gateway", "portcullis.gateway.app", ""),
        ("watchlist", "portcullis.watchlist.app", "rapidfuzz"),
        ("scoring", "portcullis.scoring.app", "lightgbm pandas scipy rapidfuzz"),
        ("analytics", "portcullis.analytics.app", "lightgbm pandas scipy rapidfuzz"),
    ],
)
def test_each_image_has_its_reference_data_and_only_scoring_and_analytics_carry_the_model(
    service: str, module: str, installed: str
) -> None:
    found, _, loaded = run_in_image(service, "python", "-c", _PROBE, module).strip().partition("|")
    assert found == installed
    assert set(loaded.split()) <= set(installed.split())
    if service == "analytics":  # LightGBM only for a model backtest, loaded then (with its OpenMP runtime)
        assert "lightgbm" not in loaded.split()
        assert run_in_image(service, "python", "-c", "import lightgbm; print('ok')").strip() == "ok"


_COMPILED_PROBE = """
import importlib.util
from portcullis.shared import screening
from portcullis.shared.screening import compare_names
print(screening.COMPILED, importlib.util.find_spec("mypy") is None, compare_names("Bank Melat Iran", "BANK MELLAT"))
"""


@pytest.mark.parametrize("service", ["watchlist", "scoring", "analytics"])
def test_the_images_that_screen_run_the_compiled_core_without_its_build_tools(service: str) -> None:
    compiled, without_mypy, score = run_in_image(service, "python", "-c", _COMPILED_PROBE).split()
    assert compiled == "True"
    assert without_mypy == "True"
    assert float(score) == pytest.approx(0.8900934813978292, abs=1e-9)  # as the pinned score of the unit tests
