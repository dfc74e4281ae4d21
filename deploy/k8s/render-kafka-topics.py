"""Write deploy/k8s/base/kafka-topics.yaml from the topic layout of portcullis.shared.kafka.topics.

.venv/bin/python deploy/k8s/render-kafka-topics.py
"""

from pathlib import Path

from portcullis.shared.kafka.topics import TOPICS

TARGET = Path(__file__).resolve().parent / "base" / "kafka-topics.yaml"
HEADER = """\
# One KafkaTopic per topic of shared/portcullis/shared/kafka/topics.py, with its partitions and configuration
# (tests/deploy checks that they agree). Do not edit: run deploy/k8s/render-kafka-topics.py. Replicas are 1
# here; the prod overlay raises them to 3 with min.insync.replicas 2. The topic name is spec.topicName
# (PORTCULLIS_KAFKA_TOPIC_PREFIX is empty in a cluster of Portcullis' own).
"""


def main() -> None:
    documents = []
    for spec in TOPICS.values():
        lines = [
            "apiVersion: kafka.strimzi.io/v1beta2",
            "kind: KafkaTopic",
            "metadata:",
            f"  name: {spec.name.replace('.', '-')}",
            "  labels:",
            "    strimzi.io/cluster: portcullis",
            "spec:",
            f"  topicName: {spec.name}",
            f"  partitions: {spec.partitions}",
            "  replicas: 1",
            "  config:",
            *(f'    {key}: "{value}"' for key, value in spec.config.items()),
        ]
        documents.append("\n".join(lines) + "\n")
    TARGET.write_text(HEADER + "---\n".join(documents))


if __name__ == "__main__":
    main()
