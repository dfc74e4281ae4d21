"""Services as child processes wired to one Kafka prefix, database folder and model registry.

Used by integration tests and benchmarks, which need real processes (to SIGKILL one, to measure its memory).
"""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx

from portcullis.shared.settings import KafkaSettings


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """`count` different TCP ports on 127.0.0.1 that nothing listens on right now.

    The sockets stay bound until all are chosen: asked one after another, the system may hand out the same port
    twice.
    """
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


class ServiceFailedError(RuntimeError):
    """A service exited or did not become ready."""


@dataclass
class ServiceProcess:
    """One service process with its environment, port and log file."""

    module: str
    env: dict[str, str]
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process else None

    def start(self, wait_ready: bool = True, timeout_s: float = 60) -> "ServiceProcess":
        """Start the process (and wait for /readyz unless told not to)."""
        with self.log.open("ab") as handle:
            self.process = subprocess.Popen(
                [sys.executable, "-m", self.module],
                env={**os.environ, **self.env},
                stdout=handle,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        if wait_ready:
            self.wait_ready(timeout_s)
        return self

    def wait_ready(self, timeout_s: float = 60) -> None:
        """Wait until /readyz answers 200, or fail with the end of the log."""
        deadline = time.monotonic() + timeout_s
        with httpx.Client(timeout=2) as client:
            while time.monotonic() < deadline:
                assert self.process is not None
                if self.process.poll() is not None:
                    raise ServiceFailedError(f"{self.module} exited: {self.log.read_text()[-3000:]}")
                try:
                    if client.get(f"{self.url}/readyz").status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                time.sleep(0.2)
        raise ServiceFailedError(f"{self.module} not ready in {timeout_s} s: {self.log.read_text()[-3000:]}")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no commit, as when a pod dies."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)

    def stop(self) -> None:
        """SIGTERM: the graceful path (finish the batch, commit, leave the group)."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def rss_bytes(self) -> int:
        """Resident memory of the process now."""
        assert self.process is not None
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        return 0


class ServiceSet:
    """Builds service processes wired to one Kafka prefix, one folder for databases, one model registry."""

    def __init__(self, folder: Path, kafka: KafkaSettings, model_registry: Path) -> None:
        self.folder = folder
        self.kafka = kafka
        self.model_registry = model_registry
        self.started: list[ServiceProcess] = []
        self.group_suffix = uuid.uuid4().hex[:8]
        self.gateway_database_url = f"sqlite+aiosqlite:///{folder / 'gateway.db'}"
        self.watchlist_database_url = f"sqlite+aiosqlite:///{folder / 'watchlist.db'}"

    def make(self, name: str, extra: dict[str, str] | None = None) -> ServiceProcess:
        """A service process (not started) with this set's wiring and the given extra environment."""
        module, prefix, defaults = {
            "ingest": ("portcullis.ingest", "INGEST", {}),
            "scoring": (
                "portcullis.scoring",
                "SCORING",
                {
                    "PORTCULLIS_SCORING_MODEL_REGISTRY": str(self.model_registry),
                    "PORTCULLIS_SCORING_GROUP_ID": f"scoring-{self.group_suffix}",
                },
            ),
            "gateway": (
                "portcullis.gateway",
                "GATEWAY",
                {
                    "PORTCULLIS_GATEWAY_DATABASE_URL": self.gateway_database_url,
                    "PORTCULLIS_GATEWAY_GROUP_ID": f"gateway-{self.group_suffix}",
                },
            ),
            "watchlist": (
                "portcullis.watchlist",
                "WATCHLIST",
                {"PORTCULLIS_WATCHLIST_DATABASE_URL": self.watchlist_database_url},
            ),
            "analytics": (
                "portcullis.analytics",
                "ANALYTICS",
                {
                    "PORTCULLIS_ANALYTICS_STORE_PATH": str(self.folder / "history"),
                    "PORTCULLIS_ANALYTICS_PERSONAL_STORE_PATH": str(self.folder / "history-personal"),
                    "PORTCULLIS_ANALYTICS_MODEL_REGISTRY": str(self.model_registry),
                    "PORTCULLIS_ANALYTICS_GROUP_ID": f"analytics-sink-{self.group_suffix}",
                },
            ),
        }[name]
        port = free_port()
        env = {
            # Feature tests exercise other things than keys; the authentication tests switch it back on.
            "PORTCULLIS_AUTH_REQUIRED": "false",
            "PORTCULLIS_ENVIRONMENT": "development",  # default secrets (tests set their own where they matter)
            "PORTCULLIS_KAFKA_BOOTSTRAP_SERVERS": self.kafka.bootstrap_servers,
            "PORTCULLIS_KAFKA_TOPIC_PREFIX": self.kafka.topic_prefix,
            f"PORTCULLIS_{prefix}_PORT": str(port),
            **defaults,
            **(extra or {}),
        }
        service = ServiceProcess(module, env, port, self.folder / f"{name}.log")
        self.started.append(service)
        return service

    def start(self, name: str, extra: dict[str, str] | None = None) -> ServiceProcess:
        """Make and start a service, waiting until it is ready."""
        return self.make(name, extra).start()

    def stop_all(self) -> None:
        """SIGTERM every started service, last started first."""
        for service in reversed(self.started):
            service.stop()
