"""The topics Portcullis uses, with explicit settings, and their creation.

The input streams and their dead letters come from the stream catalogue (`portcullis.shared.streams`); the other
topics (decisions, outcomes, the compacted state) are declared here.
"""

from dataclasses import dataclass, field

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from portcullis.shared.logging import get_logger
from portcullis.shared.settings import KafkaSettings
from portcullis.shared.streams import CATALOGUE, DEAD_LETTER_SUFFIX, StreamCatalogue

_WEEK_MS = 7 * 24 * 3600 * 1000
_MONTH_MS = 30 * 24 * 3600 * 1000
#: How long scoring remembers that it selected a subject (a later amendment cannot lower that lane until then).
SELECTION_RETENTION_MS = 180 * 24 * 3600 * 1000
#: How long scoring keeps what it learned about a container or vessel, and the declarations naming containers (its
#: link window, `PORTCULLIS_SCORING_LINK_WINDOW_DAYS`, is at most this).
LINK_RETENTION_MS = 90 * 24 * 3600 * 1000

log = get_logger(__name__)


@dataclass(frozen=True)
class TopicSpec:
    """A logical topic with its partition count and configuration."""

    name: str
    partitions: int
    config: dict[str, str] = field(default_factory=dict)


def _stream(name: str, partitions: int = 6) -> TopicSpec:
    return TopicSpec(name, partitions, {"retention.ms": str(_WEEK_MS), "min.insync.replicas": "1"})


def _dead_letters(name: str) -> TopicSpec:
    # Dead letters are kept a month: long enough for an operator to inspect and replay them.
    return TopicSpec(name + DEAD_LETTER_SUFFIX, 1, {"retention.ms": str(_MONTH_MS)})


def topic_layout(catalogue: StreamCatalogue = CATALOGUE) -> dict[str, TopicSpec]:
    """Every topic of a deployment whose streams are `catalogue`, keyed by its logical name."""
    return {
        spec.name: spec
        for spec in [
            *(_stream(stream.topic, stream.partitions) for stream in catalogue),
            _stream("decisions"),
            _stream("outcomes", partitions=3),
            # Supervisors' lane overrides: the amended decision (with its `override`), keyed by subject id.
            _stream("overrides", partitions=3),
            # The watchlist is state, not events: compacted, one partition so a rebuild reads it in order.
            TopicSpec("watchlist", 1, {"cleanup.policy": "compact", "min.compaction.lag.ms": "0"}),
            *(_dead_letters(stream.topic) for stream in catalogue),
            _dead_letters("decisions"),
            # The history store's sink dead-letters an outcome or override that is not JSON (nothing else reads them
            # unchecked).
            _dead_letters("outcomes"),
            _dead_letters("overrides"),
            _dead_letters("watchlist"),
            # Subjects scoring sent to red or yellow (key `stream:subject_id`), the state every scoring replica
            # follows to recognise amendments after selection: compacted to the latest per subject, deleted after
            # 180 days.
            TopicSpec(
                "selections",
                1,
                {
                    "cleanup.policy": "compact,delete",
                    "retention.ms": str(SELECTION_RETENTION_MS),
                    "min.compaction.lag.ms": "0",
                },
            ),
            # What scoring learned about containers and vessels from container events (key `container:<number>/event:
            # <id>`, `vessel:<IMO>/event:<id>`) and the declarations naming containers (`declaration:<id>`): the state
            # every scoring replica follows to link the streams; compacted to the latest per key, deleted after 90 days.
            TopicSpec(
                "links",
                1,
                {
                    "cleanup.policy": "compact,delete",
                    "retention.ms": str(LINK_RETENTION_MS),
                    "min.compaction.lag.ms": "0",
                },
            ),
            # Analysts' verdicts on possible matches (key `subject|entry|entry version`): compacted state scoring
            # follows to keep a dismissed possible match from returning for the same subject and entry version.
            TopicSpec("reviews", 1, {"cleanup.policy": "compact", "min.compaction.lag.ms": "0"}),
            # The mirror gap table (key `gap:<origin>:<hs6>`, then `version:current`): analytics writes it, scoring
            # follows it for the `mirror_*` rule fields; compacted to the latest per pair.
            TopicSpec("mirror-gaps", 1, {"cleanup.policy": "compact", "min.compaction.lag.ms": "0"}),
            # Re-screening hits (key: alert id), each alert's latest state (open, acknowledged): compacted.
            TopicSpec("alerts", 1, {"cleanup.policy": "compact", "min.compaction.lag.ms": "0"}),
            # API keys (hashes and roles only, never the keys): compacted state every service follows.
            TopicSpec("apikeys", 1, {"cleanup.policy": "compact", "min.compaction.lag.ms": "0"}),
        ]
    }


#: Every topic, keyed by its logical name. Input topics and decisions are keyed by subject id.
TOPICS: dict[str, TopicSpec] = topic_layout()


async def ensure_topics(
    settings: KafkaSettings, replication_factor: int = 1, topics: dict[str, TopicSpec] | None = None
) -> list[str]:
    """Create every missing topic (of `topics`, by default all of Portcullis') with its settings; return the names of
    those created."""
    layout = TOPICS if topics is None else topics
    admin = AIOKafkaAdminClient(**settings.client_options())
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(settings.topic(spec.name), spec.partitions, replication_factor, topic_configs=spec.config)
            for spec in layout.values()
            if settings.topic(spec.name) not in existing
        ]
        if missing:
            try:
                await admin.create_topics(missing)
            except TopicAlreadyExistsError:
                # Another process created some of them between our listing and our request.
                pass
        created = [topic.name for topic in missing]
        log.info("topics_ensured", created=len(created), total=len(layout))
        return created
    finally:
        await admin.close()
