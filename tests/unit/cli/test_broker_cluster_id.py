"""The local broker's cluster id: one the KRaft storage tool accepts on its command line."""

import base64

from portcullis.cli.localbroker import new_cluster_id


def test_cluster_ids_never_begin_with_a_dash_and_are_kafka_uuids() -> None:
    # One random id in 64 began with '-', and `kafka-storage format -t -abc…` failed ("expected one argument").
    ids = {new_cluster_id() for _ in range(2000)}
    assert len(ids) == 2000
    for cluster_id in ids:
        assert not cluster_id.startswith("-")
        assert len(base64.urlsafe_b64decode(cluster_id + "==")) == 16
