"""The first admin key of a new installation (the Kubernetes Job's command), on the real broker."""

import asyncio
from contextlib import AsyncExitStack

import pytest

from portcullis.shared.auth import Role, open_keyring
from portcullis.shared.auth.bootstrap import bootstrap_admin_key
from portcullis.shared.settings import KafkaSettings

pytestmark = pytest.mark.integration


async def test_the_first_admin_key_is_created_once_and_services_accept_it(kafka: KafkaSettings) -> None:
    key, existing = await bootstrap_admin_key(kafka, "platform-admin")
    assert key is not None
    assert key.startswith("pck_")
    assert existing == []

    again, existing = await bootstrap_admin_key(kafka, "platform-admin")
    assert again is None, "a second run must not create another admin key"
    assert [record.role for record in existing] == [Role.ADMIN]

    async with AsyncExitStack() as stack:  # what a service's key ring sees
        keyring, follower = await open_keyring(stack, kafka)
        await asyncio.wait_for(follower.caught_up.wait(), 30)
        record = keyring.verify(key)
        assert record is not None
        assert record.role is Role.ADMIN
        assert record.name == "platform-admin"
