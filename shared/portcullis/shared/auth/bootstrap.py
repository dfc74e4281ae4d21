"""The first admin key of an installation, from any service image (the Kubernetes Job `portcullis-admin-key`):

    python -m portcullis.shared.auth.bootstrap --name platform-admin

It creates an admin key and prints it once (only its hash is stored) when no active admin key exists; when one
does, it creates nothing and says which, so running it again is safe. Kafka settings come from PORTCULLIS_KAFKA_*.
"""

import argparse
import asyncio
import sys
from contextlib import AsyncExitStack

import orjson

from portcullis.shared.auth.keys import ApiKeyRecord, Role, new_key, open_keyring
from portcullis.shared.kafka import Message, Publisher
from portcullis.shared.logging import configure_logging
from portcullis.shared.settings import KafkaSettings


async def active_admin_keys(settings: KafkaSettings, timeout_s: float = 60.0) -> list[ApiKeyRecord]:
    """The active admin keys on the `apikeys` topic, once it has been read to its end."""
    async with AsyncExitStack() as stack:
        keyring, follower = await open_keyring(stack, settings)
        await asyncio.wait_for(follower.caught_up.wait(), timeout_s)
        return [record for record in keyring.records() if record.role is Role.ADMIN]


async def bootstrap_admin_key(settings: KafkaSettings, name: str) -> tuple[str | None, list[ApiKeyRecord]]:
    """A new admin key when there is none (and the existing admin keys, which are then left alone)."""
    existing = await active_admin_keys(settings)
    if existing:
        return None, existing
    key, record = new_key(name, Role.ADMIN)
    publisher = Publisher(settings)
    try:
        value = orjson.dumps(record.model_dump(mode="json"))
        await publisher.publish([Message(settings.topic("apikeys"), record.key_id.encode(), value)])
    finally:
        await publisher.close()
    return key, []


def main(argv: list[str] | None = None) -> int:
    """Create the first admin key when there is none; print it, or the ids of the admin keys that exist."""
    parser = argparse.ArgumentParser(prog="python -m portcullis.shared.auth.bootstrap", description=__doc__)
    parser.add_argument("--name", default="platform-admin", help="who holds the key (no personal name)")
    arguments = parser.parse_args(argv)
    configure_logging("WARNING")  # to standard error: standard output carries the key alone
    key, existing = asyncio.run(bootstrap_admin_key(KafkaSettings(), arguments.name))
    if key is None:
        ids = ", ".join(record.key_id for record in existing)
        print(f"an active admin key exists already ({ids}): none created", file=sys.stderr)
        return 0
    print(key)
    print("the admin key above is shown only this once: store it in the agency's secret store", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
