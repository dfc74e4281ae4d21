"""The contract between the services, as a property: whatever ingest accepts, scoring decides and the gateway stores.

Records valid under each stream's schema (biased to extremes, see `contract_strategies`) go through scoring's batch
handler and the gateway's decision sink, in process, with rules and watchlist entries in force: no exception may
escape, no record is dead-lettered, and every one ends as a stored decision.

`make test` runs a bounded number of examples with a fixed seed. A release check runs many more, with fresh seeds:
`PORTCULLIS_CONTRACT_EXAMPLES=2000 .venv/bin/pytest tests/unit/services/test_contract_property.py`.
"""

import asyncio
import os
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from portcullis.gateway.app import MIGRATIONS
from portcullis.gateway.consumer import DecisionSink
from portcullis.gateway.db import WriteGate
from portcullis.scoring.containers import ContainerPipeline
from portcullis.scoring.models import ActiveModel
from portcullis.scoring.passengers import PassengerPipeline
from portcullis.scoring.pipeline import DeclarationPipeline
from portcullis.scoring.settings import ScoringSettings
from portcullis.shared.db import create_engine, migrate
from portcullis.shared.riskmodel import RiskModel
from portcullis.shared.riskmodel.csvdata import read_items_csv
from portcullis.shared.riskmodel.training import DEFAULT_PARAMS, TrainingConfig, fit
from portcullis.shared.schemas import Declaration
from portcullis.shared.schemas.container import ContainerEvent
from portcullis.shared.schemas.passenger import PassengerRecord
from tests.unit.services.contract_strategies import containers, declarations, passengers
from tests.unit.services.stream_fixtures import CapturingPublisher, FakeRecord, lists_with

DATA = Path(__file__).resolve().parents[3] / "data" / "customs-declarations-kr"
RELEASE_EXAMPLES = os.environ.get("PORTCULLIS_CONTRACT_EXAMPLES")
CONTRACT = settings(
    max_examples=int(RELEASE_EXAMPLES or 40),
    derandomize=RELEASE_EXAMPLES is None,  # a fixed seed in `make test`; fresh ones for the release run
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.function_scoped_fixture],
)

# Rules and entries on every stream, so selectivity runs on each record (numbers compared at their extremes).
LISTS = (
    ("rule", "R-DECL", {
        "name": "dear per kilogram", "reason": "value per kg above 1e15", "action": {"score": 0.2},
        "condition": {"any": [{"field": "value_per_kg", "op": "gt", "value": 1e15},
                              {"field": "item_price", "op": "between", "value": [0, 1e15]}]},
    }),
    ("rule", "R-PAX", {
        "name": "long way round", "stream": "passenger", "reason": "detour", "action": {"lane": "yellow"},
        "condition": {"all": [{"field": "route_detour_ratio", "op": "gt", "value": 2.5},
                              {"field": "document_validity_days", "op": "lt", "value": 0}]},
    }),
    ("rule", "R-CTR", {
        "name": "weight", "stream": "container", "reason": "VGM far off", "action": {"lane": "yellow"},
        "condition": {"field": "weight_discrepancy_pct", "op": "gt", "value": 5},
    }),
    ("entry", "wl-person", {"kind": "person", "name": "Anna Maria Müller-Lüdenscheidt", "list_name": "L",
                            "reason": "r", "birth_dates": ["1984-07-12"], "nationalities": ["DE"]}),
    ("entry", "wl-org", {"kind": "organization", "name": "Ningbo Bright Textiles Co Ltd", "list_name": "L",
                         "reason": "r"}),
    ("entry", "wl-vessel", {"kind": "vessel", "name": "EVER GIVEN", "imo_number": "9074729", "list_name": "L",
                            "reason": "r"}),
)  # fmt: skip


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> RiskModel:
    """A quick model (3,000 training rows, 10 trees): the contract is about inputs, not about accuracy."""
    tmp = tmp_path_factory.mktemp("contract")
    pd.read_csv(DATA / "df_syn_train_eng.csv", dtype=str, nrows=3000).to_csv(tmp / "train.csv", index=False)
    pd.read_csv(DATA / "df_syn_valid_eng.csv", dtype=str, nrows=1000).to_csv(tmp / "valid.csv", index=False)
    config = TrainingConfig(rounds=10, params={**DEFAULT_PARAMS, "num_threads": 1})
    return fit(read_items_csv(tmp / "train.csv"), read_items_csv(tmp / "valid.csv"), config)


@dataclass
class Holder:
    """What the declaration pipeline reads of the model holder."""

    current: ActiveModel | None
    challenger: ActiveModel | None = None


class Store:
    """The gateway's decision sink on a SQLite store, on one event loop for every example."""

    def __init__(self, folder: Path) -> None:
        self.loop = asyncio.new_event_loop()
        self.engine: AsyncEngine = create_engine(f"sqlite+aiosqlite:///{folder / 'decisions.db'}")
        self.run(migrate(self.engine, MIGRATIONS))
        self.sink = DecisionSink(async_sessionmaker(self.engine, expire_on_commit=False), WriteGate(self.engine))

    def run(self, work: Awaitable[Any]) -> Any:
        return self.loop.run_until_complete(work)

    async def stored(self, stream: str, subject_ids: set[str]) -> set[str]:
        async with self.engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT subject_id FROM decisions WHERE stream = :stream"), {"stream": stream}
            )
            return {row[0] for row in rows} & subject_ids

    def close(self) -> None:
        self.run(self.engine.dispose())
        self.loop.close()


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = Store(tmp_path_factory.mktemp("store"))
    yield store
    store.close()


@pytest.fixture(scope="module")
def pipelines(model: RiskModel) -> dict[str, Any]:
    settings_ = ScoringSettings(random_selection_rate=0.05)
    lists = lists_with(*LISTS)
    assert (len(lists.rules), lists.entry_count) == (3, 3)
    holder = Holder(ActiveModel(model, model.thresholds))
    return {
        "declaration": DeclarationPipeline(settings_, holder, lists, CapturingPublisher()),  # type: ignore[arg-type]
        "passenger": PassengerPipeline(settings_, lists, CapturingPublisher()),  # type: ignore[arg-type]
        "container": ContainerPipeline(settings_, lists, CapturingPublisher()),  # type: ignore[arg-type]
    }


def accepted(documents: list[dict[str, Any]], schema: type[BaseModel]) -> list[dict[str, Any]]:
    """The documents the stream's schema (so ingest) accepts; at least one, or hypothesis draws again."""
    valid = []
    for document in documents:
        try:
            schema.model_validate_json(orjson.dumps(document))
        except ValidationError:
            continue
        valid.append(document)
    assume(valid)
    return valid


def check_contract(store: Store, pipeline: Any, stream: str, id_field: str, documents: list[dict[str, Any]]) -> None:
    """Score the batch and store its decisions: nothing raises, nothing is dead-lettered, every record is stored."""
    publisher: CapturingPublisher = pipeline._publisher
    publisher.messages.clear()
    records = [
        FakeRecord(str(d[id_field]).encode(), orjson.dumps(d), offset=n, timestamp=1_764_547_200_000 + n)
        for n, d in enumerate(documents)
    ]
    assert store.run(pipeline.handle(records)) == []
    published = [m for m in publisher.messages if m.topic.endswith("decisions")]  # not the `selections` notes
    decided = [FakeRecord(m.key, m.value, offset=n) for n, m in enumerate(published)]
    assert len(decided) == len(documents)
    assert store.run(store.sink.handle(decided)) == []
    subject_ids = {str(d[id_field]).strip() for d in documents}
    assert store.run(store.stored(stream, subject_ids)) == subject_ids


@CONTRACT
@given(documents=st.lists(declarations(), min_size=1, max_size=3))  # a batch, as the consumer hands it over
def test_every_declaration_ingest_accepts_is_decided_and_stored(
    store: Store, pipelines: dict[str, Any], documents: list[dict[str, Any]]
) -> None:
    valid = accepted(documents, Declaration)
    check_contract(store, pipelines["declaration"], "declaration", "declaration_id", valid)


@CONTRACT
@given(documents=st.lists(passengers(), min_size=1, max_size=3))
def test_every_passenger_record_ingest_accepts_is_decided_and_stored(
    store: Store, pipelines: dict[str, Any], documents: list[dict[str, Any]]
) -> None:
    valid = accepted(documents, PassengerRecord)
    check_contract(store, pipelines["passenger"], "passenger", "record_id", valid)


@CONTRACT
@given(documents=st.lists(containers(), min_size=1, max_size=3))
def test_every_container_event_ingest_accepts_is_decided_and_stored(
    store: Store, pipelines: dict[str, Any], documents: list[dict[str, Any]]
) -> None:
    valid = accepted(documents, ContainerEvent)
    check_contract(store, pipelines["container"], "container", "event_id", valid)
