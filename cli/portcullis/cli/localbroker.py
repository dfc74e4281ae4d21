"""A real single-node Apache Kafka (KRaft) for development and tests, fetched from Maven Central by Maven."""

import asyncio
import base64
import logging
import os
import shutil
import signal
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaError

KAFKA_VERSION = "4.1.1"
LOG4J_VERSION = "2.24.3"

_POM = """<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>dev.portcullis</groupId>
  <artifactId>local-kafka-broker</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>{kafka}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>{log4j}</version>
    </dependency>
  </dependencies>
</project>
"""

_LOG4J = """Configuration:
  Appenders:
    Console:
      name: STDOUT
      PatternLayout:
        pattern: "[%d] %p %m (%c)%n"
  Loggers:
    Root:
      level: INFO
      AppenderRef:
        - ref: STDOUT
    Logger:
      - name: kafka.request.logger
        level: WARN
      - name: org.apache.kafka.controller
        level: WARN
"""


def new_cluster_id() -> str:
    """A KRaft cluster id (a UUID in URL-safe base64) that does not begin with '-': the storage tool would read such
    an id as an option and refuse to format (one start in 64 failed so). Kafka's own Uuid.randomUuid does the same."""
    while True:
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not cluster_id.startswith("-"):
            return cluster_id


class BrokerError(RuntimeError):
    """The local broker could not be fetched, formatted or started."""


@dataclass(frozen=True)
class LocalBroker:
    """Where the local broker lives (`.run/kafka/`) and how it listens."""

    run_dir: Path
    port: int = 9092
    controller_port: int = 9093
    heap_mb: int = 512
    version: str = KAFKA_VERSION

    @property
    def home(self) -> Path:
        return self.run_dir / "kafka"

    @property
    def libs(self) -> Path:
        return self.home / f"libs-{self.version}"

    @property
    def data(self) -> Path:
        return self.home / "data"

    @property
    def pid_file(self) -> Path:
        return self.home / "broker.pid"

    @property
    def log_file(self) -> Path:
        return self.home / "broker.log"

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def fetch(self) -> None:
        """Resolve the broker's jars and their dependencies from Maven Central (once)."""
        if (self.libs / f"kafka_2.13-{self.version}.jar").exists():
            return
        mvn = shutil.which("mvn")
        if mvn is None:
            raise BrokerError("Maven (mvn) is not installed: `apt-get install maven` or set KAFKA bootstrap servers")
        self.home.mkdir(parents=True, exist_ok=True)
        pom = self.home / "pom.xml"
        pom.write_text(_POM.format(kafka=self.version, log4j=LOG4J_VERSION))
        staging = (self.home / "libs.partial").resolve()
        shutil.rmtree(staging, ignore_errors=True)
        result = subprocess.run(
            [
                mvn,
                "-q",
                "-B",
                "-f",
                str(pom),
                "dependency:copy-dependencies",
                f"-DoutputDirectory={staging}",
                "-DincludeScope=runtime",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BrokerError(f"Maven could not resolve Kafka {self.version}:\n{result.stdout}\n{result.stderr}")
        staging.rename(self.libs)

    def configure(self) -> Path:
        """Write the broker's configuration (KRaft: broker and controller in one process, loopback only)."""
        self.home.mkdir(parents=True, exist_ok=True)
        (self.home / "log4j2.yaml").write_text(_LOG4J)
        properties = self.home / "server.properties"
        properties.write_text(
            "\n".join(
                [
                    "process.roles=broker,controller",
                    "node.id=1",
                    f"controller.quorum.bootstrap.servers=127.0.0.1:{self.controller_port}",
                    f"listeners=PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
                    f"advertised.listeners=PLAINTEXT://127.0.0.1:{self.port}",
                    "controller.listener.names=CONTROLLER",
                    "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
                    "inter.broker.listener.name=PLAINTEXT",
                    f"log.dirs={self.data.resolve()}",
                    "num.partitions=6",
                    "offsets.topic.replication.factor=1",
                    "offsets.topic.num.partitions=6",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "share.coordinator.state.topic.replication.factor=1",
                    "share.coordinator.state.topic.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    # Topics are created explicitly, with their settings (`portcullis broker topics`).
                    "auto.create.topics.enable=false",
                    "log.retention.hours=168",
                    "log.segment.bytes=134217728",
                    "",
                ]
            )
        )
        return properties

    def _java(self) -> str:
        java = shutil.which("java")
        if java is None:
            raise BrokerError("Java is not installed: `apt-get install openjdk-17-jre-headless`")
        return java

    def _classpath(self) -> str:
        return str(self.libs.resolve() / "*")

    def format_storage(self, properties: Path) -> None:
        """Format KRaft storage once (a new cluster id); later starts reuse the data."""
        if (self.data / "meta.properties").exists():
            return
        cluster_id = new_cluster_id()
        result = subprocess.run(
            [
                self._java(),
                "-cp",
                self._classpath(),
                f"-Dlog4j2.configurationFile={self.home / 'log4j2.yaml'}",
                "kafka.tools.StorageTool",
                "format",
                "-t",
                cluster_id,
                "-c",
                str(properties),
                "--standalone",
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise BrokerError(f"formatting KRaft storage failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")

    def pid(self) -> int | None:
        """The broker's process id when it is running."""
        try:
            pid = int(self.pid_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        return pid

    def start(self, timeout_s: float = 90.0) -> bool:
        """Fetch, configure, format and start the broker unless it runs; wait until it answers.

        Returns False when it was already running.
        """
        if self.pid() is not None and answers(self.bootstrap, timeout_s=5):
            return False
        self.fetch()
        properties = self.configure()
        self.format_storage(properties)
        with self.log_file.open("ab") as log:
            process = subprocess.Popen(
                [
                    self._java(),
                    f"-Xms{min(256, self.heap_mb)}m",
                    f"-Xmx{self.heap_mb}m",
                    "-XX:+UseG1GC",
                    "-Djava.awt.headless=true",
                    f"-Dlog4j2.configurationFile={self.home / 'log4j2.yaml'}",
                    "-cp",
                    self._classpath(),
                    "kafka.Kafka",
                    str(properties),
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        self.pid_file.write_text(str(process.pid))
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise BrokerError(f"the broker exited with {process.returncode}; see {self.log_file}")
            if answers(self.bootstrap, timeout_s=3):
                return True
            time.sleep(0.5)
        raise BrokerError(f"the broker did not answer within {timeout_s:.0f} s; see {self.log_file}")

    def stop(self, timeout_s: float = 30.0) -> bool:
        """Stop the broker (SIGTERM, then SIGKILL after the timeout). Returns False when it was not running."""
        pid = self.pid()
        if pid is None:
            self.pid_file.unlink(missing_ok=True)
            return False
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            _reap(pid)
            time.sleep(0.2)
        else:
            os.kill(pid, signal.SIGKILL)
        self.pid_file.unlink(missing_ok=True)
        return True


def _reap(pid: int) -> None:
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def answers(bootstrap: str, timeout_s: float = 3.0) -> bool:
    """Whether a Kafka broker at `bootstrap` answers a metadata request."""

    async def probe() -> bool:
        # An absent broker is the expected answer while it starts: keep aiokafka's connection errors quiet.
        logging.getLogger("aiokafka").setLevel(logging.CRITICAL)
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout_s * 1000))
        try:
            await asyncio.wait_for(admin.start(), timeout_s)
            await asyncio.wait_for(admin.list_topics(), timeout_s)
            return True
        except (KafkaError, TimeoutError, OSError):
            return False
        finally:
            try:
                await asyncio.wait_for(admin.close(), timeout_s)
            except (KafkaError, TimeoutError, OSError):
                pass

    return asyncio.run(probe())
