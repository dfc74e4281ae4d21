"""An imported list's entries reach scoring as published, and the officer's reason names the list they come from."""

from datetime import UTC, datetime
from pathlib import Path
from typing import cast

import orjson
from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker

from portcullis.scoring.lists import ListState
from portcullis.scoring.passengers import PassengerPipeline
from portcullis.scoring.selectivity import Selection
from portcullis.scoring.settings import ScoringSettings
from portcullis.shared.db import create_engine, migrate
from portcullis.shared.kafka import Publisher
from portcullis.shared.schemas.decision import Lane
from portcullis.shared.schemas.passenger import PassengerRecord
from portcullis.shared.schemas.watchlist import Action
from portcullis.watchlist.app import MIGRATIONS
from portcullis.watchlist.entries.models import EntryRow
from portcullis.watchlist.sources.catalogue import SOURCES
from portcullis.watchlist.sources.service import refresh_source
from tests.conftest import REPO
from tests.unit.watchlist.test_scoring_lists import FakeRecord


async def test_a_traveller_on_the_un_list_is_held_with_a_reason_naming_the_un_list(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'watchlist.db'}")
    await migrate(engine, MIGRATIONS)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    files = {"consolidated.xml": (REPO / "data" / "un-sc" / "consolidated.xml").read_text(encoding="utf-8")}
    try:
        async with sessions() as session:
            await refresh_source(session, SOURCES["un-sc"], files, None, Action(lane=Lane.RED), "test")
            await session.commit()
            rows = (await session.scalars(select(EntryRow).order_by(EntryRow.id))).all()
            published = [
                FakeRecord(f"entry:{row.id}".encode(), orjson.dumps(row.document_dict()), offset)
                for offset, row in enumerate(rows)
            ]
    finally:
        await engine.dispose()

    lists = ListState()
    lists.apply(published)
    pipeline = PassengerPipeline(ScoringSettings(), lists, cast(Publisher, None))
    example = dict(PassengerRecord.model_config["json_schema_extra"]["examples"][0])  # type: ignore[index]
    traveller = PassengerRecord.model_validate(
        example | {"surname": "Zahid", "given_names": "Mohammad", "date_of_birth": "1971-05-02", "nationality": "AF"}
    )
    selection = Selection()
    pipeline.screen(traveller, datetime(2026, 3, 1, tzinfo=UTC), selection)

    assert selection.lane == Lane.RED  # the list's action: the import's red lane
    (reason,) = selection.reasons
    assert reason.code == "un-sc:TAi.127"
    assert "on the watchlist 'UN SC Consolidated List'" in reason.text
    assert reason.text.endswith(
        "UN SC Consolidated List, Taliban sanctions, TAi.127; Third Secretary, Taliban Embassy, Islamabad, Pakistan"
    )
