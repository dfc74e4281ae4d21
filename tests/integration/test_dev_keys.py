"""`make up`'s development keys: kept while the broker knows them, made anew when it does not."""

import asyncio
from pathlib import Path

import pytest

from portcullis.cli.dev import _ensure_dev_keys
from portcullis.cli.keys import read_keys
from portcullis.shared.auth import Role
from portcullis.shared.settings import KafkaSettings


def _key_ids(path: Path) -> dict[str, str]:
    return {name: value.split("_")[1] for name, value in (line.split("=", 1) for line in path.read_text().splitlines())}


async def test_keys_unknown_to_the_broker_are_replaced_and_known_ones_kept(
    kafka: KafkaSettings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PORTCULLIS_RUN_DIR", str(tmp_path))
    target = tmp_path / "dev-keys.env"
    # Left over from a broker whose data was wiped: its keys are on no topic of this broker.
    target.write_text("".join(f"PORTCULLIS_{role.name}_KEY=pck_0123456789ab_gone\n" for role in Role))

    await asyncio.to_thread(_ensure_dev_keys, kafka)
    first = _key_ids(target)
    known = await read_keys(kafka)
    assert set(first) == {f"PORTCULLIS_{role.name}_KEY" for role in Role}
    assert all(key_id in known for key_id in first.values())
    assert {known[key_id].role for key_id in first.values()} == set(Role)

    await asyncio.to_thread(_ensure_dev_keys, kafka)  # the broker knows them now: nothing changes
    assert _key_ids(target) == first
