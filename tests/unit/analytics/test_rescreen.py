"""Re-screening a stored history against one entry: hits as scoring would find them, by stream and kind; the
pre-screen drops no hit; entry versions done are remembered; an alert's id is fixed by its record and entry version."""

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import orjson
import pytest

from portcullis.analytics.rescreen.alerts import AlertBook
from portcullis.analytics.rescreen.history import HistoryReader, StoredPassenger
from portcullis.analytics.rescreen.screen import PRESCREEN_NAMES, Limits, ListScreen, rescreen
from portcullis.analytics.rescreen.versions import ProcessedVersions, fingerprint
from portcullis.analytics.rescreen.worker import Rescreener
from portcullis.analytics.store.files import StoreLayout
from portcullis.analytics.store.sink import HistorySink
from portcullis.shared.kafka import BatchConsumer, Message
from portcullis.shared.schemas import Stream
from portcullis.shared.schemas.alert import Alert, alert_id
from portcullis.shared.schemas.watchlist import EntryDocument, PersonEntry, encode_document, topic_key
from portcullis.shared.screening import WatchlistEntry, load_ofac_sdn
from portcullis.shared.settings import KafkaSettings
from portcullis.shared.synthetic import generate_containers, generate_declarations, generate_passengers
from tests.unit.analytics.history_records import FakeRecord

LIMITS = Limits(0.85, 0.95)
KAFKA = KafkaSettings()
PERSON = WatchlistEntry(
    entry_id="t:person",
    list_name="TEST",
    kind="person",
    name="Viktor Anatolyevich BOUT",
    aliases=("Victor BUT",),
    reason="arms trafficking",
    birth_dates=(date(1967, 1, 13),),
    nationalities=("RU",),
)
ORGANIZATION = WatchlistEntry(
    entry_id="t:org",
    list_name="TEST",
    kind="organization",
    name="Golden Lotus Petrochemical Trading Company",
    aliases=("Golden Lotus Petrochem",),
    reason="sanctions evasion",
    nationalities=("AE",),
)
VESSEL = WatchlistEntry(
    entry_id="t:vessel", list_name="TEST", kind="vessel", name="OCEAN MIST", imo_number="9176187", reason="shadow fleet"
)


def _write(layout: StoreLayout, topic: str, messages: list[tuple[str, dict[str, object]]], start: datetime) -> None:
    origin = int(start.timestamp() * 1000)
    records = [
        FakeRecord(KAFKA.topic(topic), 0, offset, origin + offset * 60_000, key.encode(), orjson.dumps(value))
        for offset, (key, value) in enumerate(messages)
    ]
    HistorySink(layout, KAFKA).write(records)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> tuple[StoreLayout, dict[str, set[str]]]:
    """A store with planted travellers, declarations and container events; the planted ids per entry."""
    folder = tmp_path_factory.mktemp("store")
    layout = StoreLayout(folder / "history", folder / "history-personal")
    start = datetime.now(UTC) - timedelta(days=3)
    listed = [PERSON, ORGANIZATION, VESSEL]
    passengers = generate_passengers(1500, seed=2, planted_share=0.03, watchlist=[PERSON], start=start, days=2)
    declarations = generate_declarations(600, seed=2, planted_share=0.08, watchlist=listed, start=start)
    containers = generate_containers(600, seed=2, planted_share=0.1, watchlist=listed, start=start, days=2)
    _write(layout, "passengers", [(p.record_id, p.model_dump(mode="json")) for p in passengers.items], start)
    declared = [(d.declaration_id, d.model_dump(mode="json")) for d in declarations.items]
    _write(layout, "declarations", declared, start)
    _write(layout, "containers", [(c.event_id, c.model_dump(mode="json")) for c in containers.items], start)
    planted: dict[str, set[str]] = {}
    for truth in (*passengers.truth, *declarations.truth, *containers.truth):
        if truth.watchlist_entry:
            planted.setdefault(truth.watchlist_entry, set()).add(f"{truth.stream}:{truth.subject_id}")
    return layout, planted


def _screened(layout: StoreLayout, entry: WatchlistEntry, days: int = 30) -> set[str]:
    reader = HistoryReader(layout)
    try:
        hits = rescreen(reader, [entry], LIMITS, datetime.now(UTC) - timedelta(days=days))
    finally:
        reader.close()
    return {f"{hit.stream.value}:{hit.subject_id}" for hit in hits}


@pytest.mark.parametrize("entry", [PERSON, ORGANIZATION, VESSEL], ids=lambda entry: entry.kind)
def test_each_planted_record_is_found_and_no_other(
    store: tuple[StoreLayout, dict[str, set[str]]], entry: WatchlistEntry
) -> None:
    layout, planted = store
    assert planted[entry.entry_id]
    assert _screened(layout, entry) == planted[entry.entry_id]


def test_a_whole_list_screened_in_one_pass_finds_what_each_entry_finds_alone(
    store: tuple[StoreLayout, dict[str, set[str]]],
) -> None:
    # A list import brings thousands of entries at once: they are screened together, by the index's own candidate
    # generation rather than the pre-screen, and each planted record is still found for its entry, and no other.
    layout, planted = store
    listed = [PERSON, ORGANIZATION, VESSEL]
    ofac = load_ofac_sdn(Path(__file__).resolve().parents[3] / "data" / "ofac-sdn")
    assert sum(len(entry.names) for entry in ofac) > PRESCREEN_NAMES
    for together in (listed, [*ofac, *listed]):
        reader = HistoryReader(layout)
        try:
            hits = rescreen(reader, together, LIMITS, datetime.now(UTC) - timedelta(days=30))
        finally:
            reader.close()
        for entry in listed:
            found = {f"{hit.stream.value}:{hit.subject_id}" for hit in hits if hit.entry_id == entry.entry_id}
            assert found == planted[entry.entry_id], entry.kind


def test_only_the_last_days_are_rescreened(store: tuple[StoreLayout, dict[str, set[str]]]) -> None:
    layout, planted = store
    assert planted[PERSON.entry_id]
    assert _screened(layout, PERSON, days=1) == set()  # everything was received three days ago and after


def test_the_pre_screen_keeps_every_traveller_the_matcher_would_match() -> None:
    generated = generate_passengers(2000, seed=9, planted_share=0.05, watchlist=[PERSON])
    now = datetime.now(UTC)
    travellers = [
        StoredPassenger(
            p.record_id,
            now,
            p.given_names,
            p.surname,
            p.date_of_birth.isoformat(),
            p.document.number,
            p.nationality,
            p.document.issuing_country,
        )
        for p in generated.items
    ]
    screen = ListScreen([PERSON], LIMITS)
    everyone = {t.subject_id for t in travellers if screen.passenger(t)}
    shortlist = screen.shortlist_passengers(travellers)
    assert everyone
    assert everyone <= {t.subject_id for t in shortlist}
    assert len(shortlist) < len(travellers) // 4  # the point of it


def test_a_version_done_is_not_redone_and_a_republish_that_screens_the_same_is_not_new(tmp_path: Path) -> None:
    path = tmp_path / "versions.json"
    versions = ProcessedVersions(path)
    same = fingerprint(PERSON)
    assert versions.is_new(PERSON.entry_id, 1, same)
    versions.record(PERSON.entry_id, 1, same)
    versions.save()
    again = ProcessedVersions(path)  # after a restart
    assert not again.is_new(PERSON.entry_id, 1, same)
    assert not again.is_new(PERSON.entry_id, 2, same)
    changed = fingerprint(PERSON.model_copy(update={"aliases": ("Victor BUT", "Viktor BULAKIN")}))
    assert again.is_new(PERSON.entry_id, 3, changed)
    assert not again.is_new(PERSON.entry_id, 1, changed)  # an old version replayed


def test_an_alert_id_is_fixed_by_the_record_and_the_entry_version() -> None:
    first = alert_id(Stream.PASSENGER, "LH400-20261001-000001", "t:person", 1)
    assert first == alert_id(Stream.PASSENGER, "LH400-20261001-000001", "t:person", 1)
    assert first != alert_id(Stream.PASSENGER, "LH400-20261001-000001", "t:person", 2)
    assert first != alert_id(Stream.DECLARATION, "LH400-20261001-000001", "t:person", 1)


class _Publisher:
    """Keeps what is published (the broker's acknowledgement, without a broker)."""

    def __init__(self) -> None:
        self.messages: list[Message] = []

    async def publish(self, messages: list[Message]) -> None:
        self.messages.extend(messages)


def _entry_record(
    version: int,
    published: datetime,
    reason: str = "arms trafficking",
    entry_id: str | None = None,
    name: str | None = None,
) -> FakeRecord:
    person = PersonEntry(
        kind="person",
        list_name=PERSON.list_name,
        name=name or PERSON.name,
        aliases=list(PERSON.aliases) if name is None else [],
        birth_dates=list(PERSON.birth_dates),
        nationalities=list(PERSON.nationalities),
        reason=reason,
    )
    document = EntryDocument(
        id=entry_id or PERSON.entry_id, version=version, changed_by="t", changed_at=published, entry=person
    )
    stamp = int(published.timestamp() * 1000)
    return FakeRecord(KAFKA.topic("watchlist"), 0, version, stamp, topic_key(document), encode_document(document))


async def test_the_rescreener_takes_the_first_starts_list_as_done_and_alerts_once_per_changed_version(
    store: tuple[StoreLayout, dict[str, set[str]]], tmp_path: Path
) -> None:
    layout, planted = store
    publisher = _Publisher()
    book = AlertBook(KAFKA, publisher)  # type: ignore[arg-type]
    started = datetime.now(UTC)
    versions = ProcessedVersions(tmp_path / "versions.json")
    rescreener = Rescreener(layout, book, versions, LIMITS, 30, baseline_before=started)
    before, after = started - timedelta(minutes=5), started + timedelta(seconds=1)

    await rescreener.handle([_entry_record(1, before)])  # on the list before the first start
    assert publisher.messages == []
    await rescreener.handle([_entry_record(2, after)])  # re-published, screening the same
    assert publisher.messages == []
    await rescreener.handle([_entry_record(3, after, reason="arms trafficking; UN 1521")])
    alerts = [Alert.model_validate_json(m.value or b"") for m in publisher.messages]
    assert {f"{a.record.stream.value}:{a.record.subject_id}" for a in alerts} == planted[PERSON.entry_id]
    assert {a.entry.version for a in alerts} == {3}
    await rescreener.handle([_entry_record(3, after, reason="arms trafficking; UN 1521")])  # delivered again
    assert len(publisher.messages) == len(alerts)
    assert not ProcessedVersions(tmp_path / "versions.json").is_new(PERSON.entry_id, 3, fingerprint(PERSON))


async def test_a_list_refresh_reads_the_store_once_per_batch_and_still_finds_every_planted_record(
    store: tuple[StoreLayout, dict[str, set[str]]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A refresh brings thousands of new entries in a batch: the store is read once for them, not once per entry.
    layout, planted = store
    reads: list[datetime] = []
    read_passengers = HistoryReader._read_passengers

    def counted(reader: HistoryReader, since: datetime) -> list[StoredPassenger]:
        reads.append(since)
        return read_passengers(reader, since)

    monkeypatch.setattr(HistoryReader, "_read_passengers", counted)
    publisher = _Publisher()
    rescreener = Rescreener(layout, AlertBook(KAFKA, publisher), ProcessedVersions(tmp_path / "v.json"), LIMITS, 30)  # type: ignore[arg-type]
    now = datetime.now(UTC)
    others = [_entry_record(1, now, entry_id=f"other-{n}", name=f"Zebulon Quartermaine {n}") for n in range(12)]
    await rescreener.handle([*others, _entry_record(1, now)])
    assert len(reads) == 1
    alerts = [Alert.model_validate_json(m.value or b"") for m in publisher.messages]
    assert {a.entry.entry_id for a in alerts} == {PERSON.entry_id}  # the made-up names match nobody
    assert {f"{a.record.stream.value}:{a.record.subject_id}" for a in alerts} == planted[PERSON.entry_id]


async def test_an_entry_whose_screening_fails_is_dead_lettered_alone_and_the_others_are_still_alerted(
    store: tuple[StoreLayout, dict[str, set[str]]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Not a decoding error: the entry is valid, but screening it raises. The consumer tries the batch a few times,
    # then splits it down to that one record and dead-letters it; the planted traveller's entry is still alerted.
    layout, planted = store
    screen = Rescreener._screen

    def failing(self: Rescreener, entries: list[WatchlistEntry], since: datetime) -> object:
        if any(entry.entry_id == "poison" for entry in entries):
            raise ValueError("a matcher fault on this entry")
        return screen(self, entries, since)

    monkeypatch.setattr(Rescreener, "_screen", failing)
    publisher = _Publisher()
    rescreener = Rescreener(layout, AlertBook(KAFKA, publisher), ProcessedVersions(tmp_path / "v.json"), LIMITS, 30)  # type: ignore[arg-type]
    consumer = BatchConsumer(KAFKA, [KAFKA.topic("watchlist")], "rescreen", rescreener.handle, publisher)  # type: ignore[arg-type]
    now = datetime.now(UTC)
    batch = [_entry_record(1, now, entry_id="poison", name="Zebulon Quartermaine"), _entry_record(1, now)]
    with pytest.raises(ValueError, match="matcher fault"):
        await rescreener.handle(batch)
    dead = await consumer._isolate(batch)
    assert [letter.record.key for letter in dead] == [batch[0].key]
    assert "a matcher fault on this entry" in dead[0].reason
    alerts = [Alert.model_validate_json(m.value or b"") for m in publisher.messages]
    assert {f"{a.record.stream.value}:{a.record.subject_id}" for a in alerts} == planted[PERSON.entry_id]


def test_an_alert_being_acknowledged_cannot_be_acknowledged_again_before_its_record_comes_back() -> None:
    # The book learns an acknowledgement from the alerts topic; a second request before the follower applied the
    # first must be refused (409), not published as a second acknowledgement. A failed publish frees the alert.
    book = AlertBook(KAFKA, _Publisher())  # type: ignore[arg-type]
    assert book.claim_acknowledgement("A-1")
    assert not book.claim_acknowledgement("A-1")
    book.release_acknowledgement("A-1")
    assert book.claim_acknowledgement("A-1")
