"""A generated month as the consumer records the sink would receive (partitioned by key, offsets per partition)."""

import zlib
from dataclasses import dataclass

import orjson

from portcullis.shared.kafka.topics import TOPICS
from portcullis.shared.synthetic.history import HistoryMonth

#: clearance-events is declared by the clearance stream's branch; 6 partitions by the agreed contract.
PARTITIONS = {"clearance-events": 6} | {name: spec.partitions for name, spec in TOPICS.items()}


@dataclass(frozen=True)
class FakeRecord:
    """What the sink reads of a consumer record."""

    topic: str
    partition: int
    offset: int
    timestamp: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...] = ()


def month_records(month: HistoryMonth, prefix: str = "") -> list[FakeRecord]:
    """Every message of the month as a record, in the order the broker received them (its timestamps), with offsets
    per topic partition."""
    records = []
    next_offset: dict[tuple[str, int], int] = {}
    for topic, messages in month.messages.items():
        for key, value, timestamp in sorted(messages, key=lambda message: message[2]):
            partition = zlib.crc32(key.encode()) % PARTITIONS[topic]
            offset = next_offset.get((topic, partition), 0)
            next_offset[(topic, partition)] = offset + 1
            records.append(FakeRecord(prefix + topic, partition, offset, timestamp, key.encode(), orjson.dumps(value)))
    return records
