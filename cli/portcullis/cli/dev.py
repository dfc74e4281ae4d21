"""`portcullis dev`: the whole system on this machine (broker, default model, five services), and its teardown.

Everything it writes goes to the run folder (PORTCULLIS_RUN_DIR, default the project's `.run/`); ports come from
PORTCULLIS_<SERVICE>_PORT and Kafka from PORTCULLIS_KAFKA_*, so a second stack (a test's) can run beside `make up`
on other ports, another run folder and its own topic prefix against the same broker.
"""

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import typer

from portcullis.cli.keys import create_key, read_keys
from portcullis.cli.localbroker import BrokerError
from portcullis.cli.paths import local_broker, project_root, run_dir
from portcullis.shared.auth import Role
from portcullis.shared.kafka import ensure_topics
from portcullis.shared.settings import KafkaSettings

app = typer.Typer(no_args_is_help=True)


@dataclass(frozen=True)
class Service:
    """A service `make up` runs: its module and the port of its HTTP endpoints."""

    name: str
    module: str
    port_variable: str
    default_port: int

    @property
    def port(self) -> int:
        return int(os.environ.get(self.port_variable, self.default_port))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


SERVICES = [
    Service("watchlist", "portcullis.watchlist", "PORTCULLIS_WATCHLIST_PORT", 8003),
    Service("api-gateway", "portcullis.gateway", "PORTCULLIS_GATEWAY_PORT", 8000),
    Service("scoring", "portcullis.scoring", "PORTCULLIS_SCORING_PORT", 8002),
    Service("ingest", "portcullis.ingest", "PORTCULLIS_INGEST_PORT", 8001),
    Service("analytics", "portcullis.analytics", "PORTCULLIS_ANALYTICS_PORT", 8004),
]


def _state_file() -> Path:
    return run_dir() / "up.json"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _load_state() -> dict[str, object]:
    try:
        state: dict[str, object] = json.loads(_state_file().read_text())
        return state
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


def _ready(service: Service) -> bool:
    try:
        return httpx.get(f"{service.url}/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


@app.command()
def up(timeout_s: float = typer.Option(180, help="How long to wait for every service to be ready")) -> None:
    """Start the broker (unless PORTCULLIS_KAFKA_BOOTSTRAP_SERVERS names another Kafka), train the default
    model if there is none, start the five services and wait until all are ready."""
    state = _load_state()
    pids: dict[str, int] = {k: int(v) for k, v in dict(state.get("pids", {})).items()}  # type: ignore[call-overload]
    started_broker = bool(state.get("started_broker", False))
    external = os.environ.get("PORTCULLIS_KAFKA_BOOTSTRAP_SERVERS")
    if external is None:
        broker = local_broker()
        try:
            started_broker = broker.start() or started_broker
        except BrokerError as error:
            typer.echo(str(error), err=True)
            raise typer.Exit(1) from error
        typer.echo(f"kafka      {broker.bootstrap}")
    bootstrap = external or local_broker().bootstrap
    kafka = KafkaSettings(bootstrap_servers=bootstrap)
    asyncio.run(ensure_topics(kafka))
    environment = _service_environment(kafka)
    registry = environment["PORTCULLIS_SCORING_MODEL_REGISTRY"]
    command = [str(Path(sys.executable).parent / "portcullis"), "model", "ensure-default", "--registry", registry]
    if subprocess.run(command, check=False).returncode != 0:
        typer.echo("could not train the default model", err=True)
        raise typer.Exit(1)
    _ensure_dev_keys(kafka)

    logs = run_dir() / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    for service in SERVICES:
        if service.name in pids and _pid_alive(pids[service.name]):
            continue
        with (logs / f"{service.name}.log").open("ab") as log:
            process = subprocess.Popen(
                [sys.executable, "-m", service.module],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=environment,
                cwd=project_root(),
                start_new_session=True,
            )
        pids[service.name] = process.pid
    _state_file().write_text(json.dumps({"pids": pids, "started_broker": started_broker}))

    deadline = time.monotonic() + timeout_s
    waiting = list(SERVICES)
    while waiting and time.monotonic() < deadline:
        waiting = [s for s in waiting if not _ready(s)]
        for service in waiting:
            if not _pid_alive(pids[service.name]):
                typer.echo(f"{service.name} exited; see {logs / (service.name + '.log')}", err=True)
                raise typer.Exit(1)
        time.sleep(0.5)
    if waiting:
        typer.echo(
            f"not ready after {timeout_s:.0f} s: {', '.join(s.name for s in waiting)} (logs in {logs})", err=True
        )
        raise typer.Exit(1)
    for service in SERVICES:
        typer.echo(f"{service.name:<10} {service.url}  (docs {service.url}/docs, log {logs / service.name}.log)")
    typer.echo(f"ready. API keys: {run_dir() / 'dev-keys.env'}. `make down` stops everything `make up` started.")


@app.command()
def down() -> None:
    """Stop the services `up` started (SIGTERM: each finishes its batch and commits), then the broker if `up`
    started it."""
    state = _load_state()
    pids = {k: int(v) for k, v in dict(state.get("pids", {})).items()}  # type: ignore[call-overload]
    for name in reversed([s.name for s in SERVICES]):
        pid = pids.get(name)
        if pid is None or not _pid_alive(pid):
            continue
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + 40
        while _pid_alive(pid) and time.monotonic() < deadline:
            _reap(pid)
            time.sleep(0.2)
        if _pid_alive(pid):
            os.kill(pid, signal.SIGKILL)
        typer.echo(f"stopped {name}")
    if state.get("started_broker"):
        local_broker().stop()
        typer.echo("stopped kafka")
    _state_file().unlink(missing_ok=True)


@app.command()
def status() -> None:
    """Say which services run and are ready."""
    pids = {k: int(v) for k, v in dict(_load_state().get("pids", {})).items()}  # type: ignore[call-overload]
    all_ready = True
    for service in SERVICES:
        pid = pids.get(service.name)
        ready = _ready(service)
        all_ready &= ready
        typer.echo(f"{service.name:<10} pid={pid} {service.url} ready={ready}")
    raise typer.Exit(0 if all_ready else 1)


def _service_environment(kafka: KafkaSettings) -> dict[str, str]:
    """The services' environment: the caller's, with Kafka, databases and models in this run folder.

    Settings the caller gave win. With a topic prefix, consumer groups get it too: a group shared with another
    stack on the same broker would rebalance partitions between the two.
    """
    folder = run_dir()
    defaults = {
        # A development machine: default secrets are fine here (production, the default, refuses them).
        "PORTCULLIS_ENVIRONMENT": "development",
        "PORTCULLIS_SCORING_MODEL_REGISTRY": str(folder / "models"),
        "PORTCULLIS_GATEWAY_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'gateway.db'}",
        "PORTCULLIS_WATCHLIST_DATABASE_URL": f"sqlite+aiosqlite:///{folder / 'watchlist.db'}",
        "PORTCULLIS_ANALYTICS_STORE_PATH": str(folder / "history"),
        "PORTCULLIS_ANALYTICS_PERSONAL_STORE_PATH": str(folder / "history-personal"),
    }
    if kafka.topic_prefix:
        defaults["PORTCULLIS_SCORING_GROUP_ID"] = f"{kafka.topic_prefix}portcullis-scoring"
        defaults["PORTCULLIS_GATEWAY_GROUP_ID"] = f"{kafka.topic_prefix}portcullis-gateway"
        defaults["PORTCULLIS_ANALYTICS_GROUP_ID"] = f"{kafka.topic_prefix}analytics-sink"
    environment = {**defaults, **os.environ, "PORTCULLIS_KAFKA_BOOTSTRAP_SERVERS": kafka.bootstrap_servers}
    # Model backtests re-score with the versions scoring reads: the same registry unless told otherwise.
    environment.setdefault("PORTCULLIS_ANALYTICS_MODEL_REGISTRY", environment["PORTCULLIS_SCORING_MODEL_REGISTRY"])
    return environment


def _ensure_dev_keys(kafka: KafkaSettings) -> None:
    """One development key per role in .run/dev-keys.env (NAME=value lines), created once and kept while valid."""
    target = run_dir() / "dev-keys.env"
    if target.exists():
        # The keys live on the broker's apikeys topic: a broker whose data was wiped (or another cluster) does not
        # know the file's keys any more, and every request with them would get 401. Then make new ones.
        known = asyncio.run(read_keys(kafka))
        key_ids = [line.split("=", 1)[1].split("_")[1] for line in target.read_text().splitlines() if "=" in line]
        if key_ids and all(key_id in known and known[key_id].revoked_at is None for key_id in key_ids):
            return
        typer.echo(f"the keys in {target} are unknown to this broker (or revoked): new ones follow")
    lines = [f"PORTCULLIS_{role.name}_KEY={create_key(kafka, f'dev-{role.value}', role)}" for role in Role]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.touch(mode=0o600)
    target.chmod(0o600)  # before the keys are in it
    target.write_text("\n".join(lines) + "\n")
    typer.echo(f"development API keys (one per role) written to {target}")


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass
