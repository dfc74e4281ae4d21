"""`portcullis keys`: create, list and revoke API keys (published, hashed, to the `apikeys` topic)."""

import asyncio
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Annotated, TypeVar

import orjson
import typer
from aiokafka.errors import KafkaError

from portcullis.shared.auth import ApiKeyRecord, Role, new_key
from portcullis.shared.kafka import CompactedTopicFollower, Message, Publisher, Record
from portcullis.shared.settings import KafkaSettings

app = typer.Typer(no_args_is_help=True)
Result = TypeVar("Result")


def _run(work: Coroutine[object, object, Result], settings: KafkaSettings) -> Result:
    """Run a Kafka call for a command; an unreachable cluster is one line and exit 1, not a traceback."""
    try:
        return asyncio.run(work)
    except (KafkaError, TimeoutError, OSError) as error:
        typer.echo(f"Kafka at {settings.bootstrap_servers} did not answer: {type(error).__name__} {error}", err=True)
        raise typer.Exit(1) from error


async def publish_key(settings: KafkaSettings, record: ApiKeyRecord) -> None:
    """Publish a key record; every service applies it within moments."""
    publisher = Publisher(settings)
    try:
        value = orjson.dumps(record.model_dump(mode="json", exclude_none=True))
        await publisher.publish([Message(settings.topic("apikeys"), record.key_id.encode(), value)])
    finally:
        await publisher.close()


async def read_keys(settings: KafkaSettings) -> dict[str, ApiKeyRecord]:
    """Every key record on the topic (revoked ones included), by key id."""
    records: dict[str, ApiKeyRecord] = {}

    async def apply(batch: list[Record], _live: bool) -> None:
        for record in batch:
            if record.value is not None:
                stored = ApiKeyRecord.model_validate(orjson.loads(record.value))
                records[stored.key_id] = stored

    follower = CompactedTopicFollower(settings, "apikeys", apply)
    follower.start()
    try:
        await asyncio.wait_for(follower.caught_up.wait(), 30)
    finally:
        await follower.close()
    return records


def create_key(settings: KafkaSettings, name: str, role: Role) -> str:
    """Create and publish a key; return it (the only time it is ever shown)."""
    key, record = new_key(name, role)
    asyncio.run(publish_key(settings, record))
    return key


@app.command()
def create(
    name: Annotated[str, typer.Option(help="Who uses it, e.g. port-of-busan-pcs")],
    role: Annotated[Role, typer.Option(help="What it may do")],
    office: Annotated[str | None, typer.Option(help="The customs office it works for (an inspector's queue)")] = None,
) -> None:
    """Create a key and print it once; only its hash is stored."""
    settings = KafkaSettings()
    key, record = new_key(name, role, office)
    _run(publish_key(settings, record), settings)
    typer.echo(key)


@app.command("list")
def list_keys() -> None:
    """List keys: id, role, name, created, revoked."""
    settings = KafkaSettings()
    for record in sorted(_run(read_keys(settings), settings).values(), key=lambda r: r.created_at):
        revoked = f"revoked {record.revoked_at:%Y-%m-%d %H:%M}" if record.revoked_at else "active"
        typer.echo(
            f"{record.key_id}  {record.role.value:<9}  {record.name:<30}  {record.created_at:%Y-%m-%d}  {revoked}"
        )


@app.command()
def revoke(key_id: Annotated[str, typer.Argument(help="The key's id (the part after pck_)")]) -> None:
    """Revoke a key; services refuse it from the moment they apply the change."""
    settings = KafkaSettings()
    records = _run(read_keys(settings), settings)
    if key_id not in records:
        typer.echo(f"no key {key_id}", err=True)
        raise typer.Exit(1)
    _run(publish_key(settings, records[key_id].model_copy(update={"revoked_at": datetime.now(UTC)})), settings)
    typer.echo(f"revoked {key_id}")
