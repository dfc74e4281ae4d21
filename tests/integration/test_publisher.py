"""The publisher on the real broker: each key on the partition the Java client picks, in the order published,
also when one call carries more than a record batch holds."""

import pytest
from aiokafka.partitioner import murmur2

from portcullis.shared.kafka import Message, Publisher
from portcullis.shared.settings import KafkaSettings
from tests.integration.conftest import read_topic

pytestmark = pytest.mark.integration


def java_partition(key: bytes, partitions: int) -> int:
    """The partition Kafka's Java producer (and every client with its default partitioner) gives a key."""
    return int(murmur2(key) & 0x7FFFFFFF) % partitions


async def test_keys_keep_their_partition_and_order_across_full_batches(kafka: KafkaSettings) -> None:
    topic = kafka.topic("containers")
    boxes = [f"MSCU{n:07d}".encode() for n in range(40)]
    # 3 calls x 40 boxes x 5 events of 40 KiB: ~1.3 MiB per partition and call, more than a record batch holds.
    publisher = Publisher(kafka)
    try:
        for call in range(3):
            await publisher.publish(
                [
                    Message(topic, box, f"{box.decode()} {call}-{event} ".encode().ljust(40 * 1024, b"."))
                    for event in range(5)
                    for box in boxes
                ]
            )
    finally:
        await publisher.close()

    records = await read_topic(kafka, topic, timeout_s=20)
    assert len(records) == 3 * 5 * len(boxes)
    by_partition: dict[int, list[object]] = {}
    for record in records:
        by_partition.setdefault(record.partition, []).append(record)  # type: ignore[attr-defined]
    events: dict[bytes, list[str]] = {}
    for partition, partition_records in by_partition.items():
        for record in sorted(partition_records, key=lambda r: r.offset):  # type: ignore[attr-defined]
            assert partition == java_partition(record.key, 6)  # type: ignore[attr-defined]
            events.setdefault(record.key, []).append(record.value.split(b" ")[1].decode())  # type: ignore[attr-defined]
    expected = [f"{call}-{event}" for call in range(3) for event in range(5)]
    assert all(events[box] == expected for box in boxes)
