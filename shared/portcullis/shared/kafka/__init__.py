"""Kafka helpers: topic layout, an acknowledged producer, a batch consumer with manual commits and dead letters."""

from portcullis.shared.kafka.consumer import (
    BatchConsumer,
    DeadLetter,
    DependencyUnavailableError,
    Record,
    is_infrastructure_fault,
)
from portcullis.shared.kafka.follower import CompactedTopicFollower
from portcullis.shared.kafka.producer import Message, Publisher, PublishError
from portcullis.shared.kafka.topics import DEAD_LETTER_SUFFIX, TOPICS, TopicSpec, ensure_topics

__all__ = [
    "DEAD_LETTER_SUFFIX",
    "TOPICS",
    "BatchConsumer",
    "CompactedTopicFollower",
    "DeadLetter",
    "DependencyUnavailableError",
    "Message",
    "PublishError",
    "Publisher",
    "Record",
    "TopicSpec",
    "ensure_topics",
    "is_infrastructure_fault",
]
