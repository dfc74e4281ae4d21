"""Kafka helpers: topic layout, an acknowledged producer, a batch consumer with manual commits and dead letters."""

from portcullis.shared.kafka.consumer import (
    BatchConsumer,
    BatchHandler,
    DeadLetter,
    DependencyUnavailableError,
    Record,
    is_infrastructure_fault,
)
from portcullis.shared.kafka.follower import CompactedTopicFollower
from portcullis.shared.kafka.producer import Message, Publisher, PublishError
from portcullis.shared.kafka.topics import TOPICS, TopicSpec, ensure_topics, topic_layout
from portcullis.shared.streams import DEAD_LETTER_SUFFIX

__all__ = [
    "DEAD_LETTER_SUFFIX",
    "TOPICS",
    "BatchConsumer",
    "BatchHandler",
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
    "topic_layout",
]
