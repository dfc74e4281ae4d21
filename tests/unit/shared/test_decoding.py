"""The one decoder scoring's streams and the gateway's decisions go through: valid items in order with their
broker timestamps, the rest dead letters naming the field and the reason, never a skip."""

from datetime import UTC, datetime

import orjson

from portcullis.shared.kafka.decoding import decode_batch
from portcullis.shared.schemas import Decision
from tests.unit.gateway.test_decision_row_mapping import FULL
from tests.unit.services.stream_fixtures import FakeRecord


def test_invalid_empty_and_untimed_records_are_dead_lettered_in_order_and_the_valid_ones_kept() -> None:
    good = FakeRecord(b"E-1", orjson.dumps(FULL.model_dump(mode="json")))
    wrong_lane = FakeRecord(b"E-2", orjson.dumps({**FULL.model_dump(mode="json"), "lane": "purple"}))
    untimed = FakeRecord(b"E-3", good.value, timestamp=10**20)
    records = [wrong_lane, FakeRecord(b"E-4", None), good, FakeRecord(b"E-5", b"{not json"), untimed]
    decoded = decode_batch(records, Decision, "invalid_decision")  # type: ignore[arg-type]
    assert decoded.items == [FULL]
    assert decoded.records == [good]
    assert decoded.received == [datetime(2026, 1, 1, tzinfo=UTC)]
    errors = [letter.error for letter in decoded.dead]
    assert errors == ["invalid_decision", "empty", "invalid_decision", "invalid_timestamp"]
    assert decoded.dead[0].reason.startswith("lane:")
    assert [letter.record for letter in decoded.dead] == [wrong_lane, records[1], records[3], untimed]
