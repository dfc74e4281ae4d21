"""Re-importing a sanctions list applies exactly the differences: additions, changes, removals, restorations."""

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from portcullis.shared.db import create_engine, migrate
from portcullis.shared.schemas.watchlist import Action
from portcullis.watchlist.app import MIGRATIONS
from portcullis.watchlist.audit import audit_trail
from portcullis.watchlist.entries.imports import import_ofac_sdn
from portcullis.watchlist.entries.models import EntryRow
from tests.conftest import REPO

SDN = (REPO / "data" / "ofac-sdn" / "sdn.csv").read_text(encoding="utf-8").splitlines(keepends=True)[:50]
_PARTIES = {line.split(",", 1)[0] for line in SDN}
ALT = "".join(
    line
    for line in (REPO / "data" / "ofac-sdn" / "alt.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    if line.split(",", 1)[0] in _PARTIES
)
RED = Action(lane="red")  # type: ignore[arg-type]


async def test_reimports_apply_only_the_differences(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'watchlist.db'}")
    await migrate(engine, MIGRATIONS)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    first_fifty = SDN

    async def run(rows: list[str]) -> tuple[int, int, int, int, list[str]]:
        async with sessions() as session:
            outcome = await import_ofac_sdn(session, "".join(rows), ALT, RED, "importer")
            await session.commit()
        result = outcome.result
        return result.added, result.changed, result.removed, result.unchanged, sorted(outcome.changed_ids)

    try:
        added, *_ = await run(first_fifty)
        assert added == 50
        assert (await run(first_fifty))[:4] == (0, 0, 0, 50)

        renamed = first_fifty[1].replace('"ANGLO-CARIBBEAN CO., LTD."', '"ANGLO-CARIBBEAN COMPANY LTD."')
        assert renamed != first_fifty[1]
        without_first = [renamed, *first_fifty[2:]]
        assert await run(without_first) == (0, 1, 1, 48, ["ofac-sdn:173", "ofac-sdn:36"])
        assert await run(first_fifty) == (1, 1, 0, 48, ["ofac-sdn:173", "ofac-sdn:36"])  # restored, renamed back

        async with sessions() as session:
            live = await session.scalar(select(func.count()).where(EntryRow.deleted_at.is_(None)))
            trail = await audit_trail(session, "entry", "ofac-sdn:36")
        assert live == 50
        assert [(record.action, record.version) for record in trail] == [("create", 1), ("delete", 2), ("restore", 3)]
    finally:
        await engine.dispose()
