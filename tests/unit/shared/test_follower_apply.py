"""A record that the followed state cannot take is skipped and counted; the records around it still apply."""

from portcullis.shared.kafka import CompactedTopicFollower, Record
from portcullis.shared.metrics import FOLLOWER_RECORDS_REJECTED
from portcullis.shared.settings import KafkaSettings
from tests.unit.services.stream_fixtures import FakeRecord


async def test_a_record_the_state_rejects_is_skipped_and_the_others_are_applied() -> None:
    state: dict[bytes, bytes] = {}

    async def apply(records: list[Record], _live: bool) -> None:
        for record in records:
            if record.value == b"poison":
                raise ValueError("cannot take this")
            state[record.key or b""] = record.value or b""

    follower = CompactedTopicFollower(KafkaSettings(), "apikeys", apply)
    before = FOLLOWER_RECORDS_REJECTED.labels("apikeys")._value.get()
    records = [FakeRecord(b"a", b"1", 0), FakeRecord(b"b", b"poison", 1), FakeRecord(b"c", b"3", 2)]
    await follower.apply_in_order(records, live=True)  # type: ignore[arg-type]

    assert state == {b"a": b"1", b"c": b"3"}
    assert FOLLOWER_RECORDS_REJECTED.labels("apikeys")._value.get() == before + 1
