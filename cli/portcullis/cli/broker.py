"""`portcullis broker`: the local Apache Kafka broker (KRaft, single node) and the topics."""

import asyncio
import os

import typer

from portcullis.cli.localbroker import BrokerError, answers
from portcullis.cli.paths import local_broker
from portcullis.shared.kafka import ensure_topics
from portcullis.shared.settings import KafkaSettings

app = typer.Typer(no_args_is_help=True)


@app.command()
def fetch() -> None:
    """Resolve Kafka's jars from Maven Central into .run/kafka (done by `start` when missing)."""
    try:
        local_broker().fetch()
    except BrokerError as error:
        raise typer.Exit(_fail(str(error))) from error
    typer.echo("kafka jars ready")


@app.command()
def start() -> None:
    """Start the local broker unless it runs, and wait until it answers."""
    broker = local_broker()
    try:
        started = broker.start()
    except BrokerError as error:
        raise typer.Exit(_fail(str(error))) from error
    typer.echo(f"kafka {'started' if started else 'already running'} on {broker.bootstrap} (log: {broker.log_file})")


@app.command()
def stop() -> None:
    """Stop the local broker if it runs."""
    stopped = local_broker().stop()
    typer.echo("kafka stopped" if stopped else "kafka was not running")


@app.command()
def status() -> None:
    """Say whether the local broker runs and answers."""
    broker = local_broker()
    pid = broker.pid()
    ok = pid is not None and answers(broker.bootstrap)
    typer.echo(f"kafka pid={pid} bootstrap={broker.bootstrap} answering={ok}")
    raise typer.Exit(0 if ok else 1)


@app.command()
def topics(
    bootstrap_servers: str = typer.Option(
        os.environ.get("PORTCULLIS_KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"), help="Kafka to create them in"
    ),
    prefix: str = typer.Option(os.environ.get("PORTCULLIS_KAFKA_TOPIC_PREFIX", ""), help="Topic name prefix"),
) -> None:
    """Create every topic Portcullis uses, with its settings, where missing."""
    created = asyncio.run(ensure_topics(KafkaSettings(bootstrap_servers=bootstrap_servers, topic_prefix=prefix)))
    typer.echo(f"topics created: {', '.join(created) if created else 'none (all present)'}")


def _fail(message: str) -> int:
    typer.echo(message, err=True)
    return 1
