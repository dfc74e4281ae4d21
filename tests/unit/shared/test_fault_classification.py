"""Which handler errors are infrastructure faults (retried without end) and which may come from a record."""

import pytest
from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError, MessageSizeTooLargeError
from sqlalchemy.exc import IntegrityError, OperationalError

from portcullis.scoring.pipeline import ModelUnavailableError
from portcullis.shared.kafka import PublishError, is_infrastructure_fault


def _publish_error_from(cause: Exception) -> PublishError:
    try:
        raise PublishError("Kafka did not acknowledge") from cause
    except PublishError as error:
        return error


@pytest.mark.parametrize(
    "error",
    [
        _publish_error_from(KafkaConnectionError()),
        _publish_error_from(KafkaTimeoutError()),
        PublishError("Kafka is unreachable"),
        ConnectionRefusedError(),
        TimeoutError(),
        OperationalError("SELECT 1", {}, Exception("could not connect to server")),
        ModelUnavailableError("no model published yet"),
    ],
)
def test_an_unavailable_dependency_is_an_infrastructure_fault(error: Exception) -> None:
    assert is_infrastructure_fault(error)


@pytest.mark.parametrize(
    "error",
    [
        OverflowError("date value out of range"),
        ValueError("bad value"),
        KeyError("field"),
        RecursionError(),
        _publish_error_from(MessageSizeTooLargeError()),
        IntegrityError("INSERT", {}, Exception("duplicate key")),
    ],
)
def test_an_error_a_record_can_cause_is_not(error: Exception) -> None:
    assert not is_infrastructure_fault(error)
