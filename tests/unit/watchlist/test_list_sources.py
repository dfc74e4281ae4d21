"""The named list sources on their vendored real samples: each format reads, a re-import changes nothing, a changed
version yields exactly its diff, and a malformed file is refused with the place of the problem."""

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from portcullis.shared.db import create_engine, migrate
from portcullis.shared.schemas.decision import Lane
from portcullis.shared.schemas.watchlist import Action
from portcullis.watchlist.app import MIGRATIONS
from portcullis.watchlist.audit import AuditRow, audit_trail
from portcullis.watchlist.entries.models import EntryRow
from portcullis.watchlist.errors import InputError
from portcullis.watchlist.sources.catalogue import SOURCES
from portcullis.watchlist.sources.models import SourceVersionRow
from portcullis.watchlist.sources.schemas import RefreshResult
from portcullis.watchlist.sources.service import refresh_source
from tests.conftest import REPO

RED = Action(lane=Lane.RED)
SAMPLES = {
    "un-sc": REPO / "data" / "un-sc" / "consolidated.xml",
    "eu-fsf": REPO / "data" / "eu-fsf" / "xmlFullSanctionsList_1_1.xml",
    "uk-sanctions": REPO / "data" / "uk-sanctions" / "UK-Sanctions-List.csv",
    "opensanctions": REPO / "data" / "opensanctions-ftm" / "entities.ftm.json",
}


def sample(source: str) -> dict[str, str]:
    path = SAMPLES[source]
    return {path.name: path.read_text(encoding="utf-8")}


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'watchlist.db'}")
    await migrate(engine, MIGRATIONS)
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


async def refresh(sessions: async_sessionmaker[AsyncSession], source: str, files: dict[str, str]) -> RefreshResult:
    async with sessions() as session:
        result, _ = await refresh_source(session, SOURCES[source], files, "test", RED, "list-test")
        await session.commit()
    return result


def test_each_format_reads_its_real_sample() -> None:
    un = {e.entry_id: e for e in SOURCES["un-sc"].parse(sample("un-sc")).entries}
    assert len(un) == 7
    zahid = un["un-sc:TAi.127"]
    assert (zahid.kind, zahid.name, zahid.birth_years, zahid.nationalities) == (
        "person",
        "MOHAMMAD ZAHID",
        (1971,),
        ("AF",),
    )
    assert [(d.kind, d.number, d.country) for d in zahid.documents] == [("passport", "D 001206", "AF")]
    assert "محمد زاهد" in zahid.aliases
    bank = un["un-sc:KPe.035"]
    assert (bank.kind, bank.aliases, bank.nationalities) == (
        "organization",
        ("Choson Taesong Unhaeng", "Taesong Bank"),
        ("KP",),
    )
    assert un["un-sc:CDi.002"].reason == "UN SC Consolidated List, DRC sanctions, CDi.002; FARDC General"

    eu = {e.entry_id: e for e in SOURCES["eu-fsf"].parse(sample("eu-fsf")).entries}
    assert set(eu) == {"eu-fsf:EU.36.64", "eu-fsf:EU.3523.13"}
    mugabe = eu["eu-fsf:EU.36.64"]
    assert (mugabe.name, mugabe.birth_dates) == ("Robert Gabriel Mugabe", (date(1924, 2, 21),))
    assert [(d.kind, d.number) for d in mugabe.documents] == [("passport", "AD001095")]
    front = eu["eu-fsf:EU.3523.13"]
    assert front.kind == "organization"
    assert "Great Islamic Eastern Warriors Front" in front.aliases
    assert len(front.aliases) == 18
    assert front.reason.startswith("EU Financial Sanctions, programme TERR")

    (ship,) = SOURCES["uk-sanctions"].parse(sample("uk-sanctions")).entries
    assert (ship.entry_id, ship.kind, ship.name, ship.imo_number, ship.nationalities) == (
        "uk-sanctions:RUS2176", "vessel", "KOROLEV PROSPECT", "9826902", ("GA",)
    )  # fmt: skip

    ftm = {e.entry_id: e for e in SOURCES["opensanctions"].parse(sample("opensanctions")).entries}
    assert len(ftm) == 6  # seven entities, one of them an address (not a listed party)
    kuzmenko = ftm["opensanctions:NK-2Ka3UvopqbpZmVDFjWd4LA"]
    assert (kuzmenko.name, kuzmenko.birth_dates, kuzmenko.nationalities) == (
        "Vitaly Yurievich KUZMENKO", (date(1971, 1, 22),), ("RU",)
    )  # fmt: skip
    assert [(d.kind, d.number) for d in kuzmenko.documents] == [("tax_id", "366510784303")]
    assert ftm["opensanctions:NK-2PacmNpiLUmoz4XD2mSt7A"].aliases == ("Iranian Revolutionary Guard Corps",)


@pytest.mark.parametrize("source", sorted(SAMPLES))
async def test_importing_a_sample_again_changes_nothing(
    sessions: async_sessionmaker[AsyncSession], source: str
) -> None:
    first = await refresh(sessions, source, sample(source))
    assert first.added == first.parties > 0
    assert first.new_version
    assert first.diff.added
    assert not first.diff.changed
    assert not first.diff.removed
    async with sessions() as session:
        audit_rows = await session.scalar(select(func.count()).select_from(AuditRow))
        stored = (await session.scalars(select(EntryRow))).all()
    assert {row.list_name for row in stored} == {SOURCES[source].list_name}
    assert all(row.id.startswith(f"{source}:") for row in stored)

    again = await refresh(sessions, source, sample(source))
    assert (again.added, again.changed, again.removed, again.unchanged) == (0, 0, 0, first.added)
    assert not again.new_version
    assert again.version == first.version
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(AuditRow)) == audit_rows
        assert await session.scalar(select(func.count()).select_from(SourceVersionRow)) == 1
        assert {row.version for row in (await session.scalars(select(EntryRow))).all()} == {1}


async def test_a_changed_un_list_yields_its_diff(sessions: async_sessionmaker[AsyncSession]) -> None:
    original = sample("un-sc")["consolidated.xml"]
    first = await refresh(sessions, "un-sc", {"consolidated.xml": original})
    assert first.version == "2026-02-27T00:00:09.554Z"

    # A later version, made here from the sample: CDi.003 delisted, KPe.036 with a new alias, CDi.001 copied as a
    # new listing CDi.999 with another name.
    start = original.index("    <INDIVIDUAL>\n      <DATAID>6907995</DATAID>")
    end = original.index("    </INDIVIDUAL>\n", start) + len("    </INDIVIDUAL>\n")
    later = original[:start] + original[end:]
    later = later.replace(
        "<FIRST_NAME>SINGWANG ECONOMICS AND TRADING GENERAL CORPORATION</FIRST_NAME>",
        "<FIRST_NAME>SINGWANG ECONOMICS AND TRADING GENERAL CORPORATION</FIRST_NAME>\n"
        "      <ENTITY_ALIAS><QUALITY>a.k.a.</QUALITY><ALIAS_NAME>Singwang Trading</ALIAS_NAME></ENTITY_ALIAS>",
    )
    eric = original[original.index("    <INDIVIDUAL>") : original.index("    </INDIVIDUAL>") + 18]
    newcomer = eric.replace("CDi.001", "CDi.999").replace(
        "<FIRST_NAME>ERIC</FIRST_NAME>", "<FIRST_NAME>ERIK</FIRST_NAME>"
    )
    later = later.replace("  </INDIVIDUALS>", newcomer + "  </INDIVIDUALS>").replace("2026-02-27T00", "2026-03-01T00")

    second = await refresh(sessions, "un-sc", {"consolidated.xml": later})
    assert (second.added, second.changed, second.removed, second.unchanged) == (1, 1, 1, 5)
    assert second.diff.model_dump() == {
        "added": ["un-sc:CDi.999"], "changed": ["un-sc:KPe.036"], "removed": ["un-sc:CDi.003"]
    }  # fmt: skip
    assert second.new_version
    assert second.version == "2026-03-01T00:00:09.554Z"
    async with sessions() as session:
        removed = await session.get(EntryRow, "un-sc:CDi.003")
        changed = await session.get(EntryRow, "un-sc:KPe.036")
        trail = await audit_trail(session, "entry", "un-sc:KPe.036")
        versions = (await session.scalars(select(SourceVersionRow).order_by(SourceVersionRow.id))).all()
    assert removed is not None
    assert removed.deleted_at is not None
    assert changed is not None
    assert changed.version == 2
    assert "Singwang Trading" in changed.body["aliases"]
    assert [record.action for record in trail] == ["create", "update"]
    assert [record.changed_by for record in trail] == [
        "list-test via un-sc@2026-02-27T00:00:09.554Z",
        "list-test via un-sc@2026-03-01T00:00:09.554Z",
    ]
    assert [v.version for v in versions] == ["2026-02-27T00:00:09.554Z", "2026-03-01T00:00:09.554Z"]
    assert versions[1].diff["removed"] == ["un-sc:CDi.003"]

    # Back to the first version: the delisted party returns, the alias goes, the newcomer is removed.
    back = await refresh(sessions, "un-sc", {"consolidated.xml": original})
    assert back.diff.model_dump() == {
        "added": ["un-sc:CDi.003"], "changed": ["un-sc:KPe.036"], "removed": ["un-sc:CDi.999"]
    }  # fmt: skip


async def test_a_changed_ftm_export_yields_its_diff(sessions: async_sessionmaker[AsyncSession]) -> None:
    lines = sample("opensanctions")["entities.ftm.json"].splitlines(keepends=True)
    await refresh(sessions, "opensanctions", {"entities.ftm.json": "".join(lines)})
    later = [line for line in lines if "NK-2Mht2rqBeravCTdyQAWc4o" not in line]
    later = [line.replace('"birthDate":["1971-07-03"]', '"birthDate":["1971-07-04"]') for line in later]
    second = await refresh(sessions, "opensanctions", {"entities.ftm.json": "".join(later)})
    assert second.diff.model_dump() == {
        "added": [],
        "changed": ["opensanctions:NK-2Myxbs6wX9xFKGoQn3sLaY"],
        "removed": ["opensanctions:NK-2Mht2rqBeravCTdyQAWc4o"],
    }
    assert (second.unchanged, second.parties) == (4, 5)


async def test_one_source_never_touches_another_sources_entries(sessions: async_sessionmaker[AsyncSession]) -> None:
    await refresh(sessions, "un-sc", sample("un-sc"))
    emptied = await refresh(sessions, "agency-own", {"entities.ftm.json": ""})
    assert (emptied.parties, emptied.removed) == (0, 0)
    async with sessions() as session:
        live = await session.scalar(select(func.count()).where(EntryRow.deleted_at.is_(None)))
    assert live == 7


@pytest.mark.parametrize(
    ("source", "files", "field", "reason"),
    [
        ("un-sc", {"consolidated.xml": "<CONSOLIDATED_LIST><INDIVIDUALS>\n</CONSOLIDATED_LIST>"},
         "files.consolidated.xml", "not well-formed XML at line 2, column 3"),
        ("un-sc", {"consolidated.xml": '<?xml version="1.0"?><export/>'},
         "files.consolidated.xml", "the root element is <export>, not <CONSOLIDATED_LIST>"),
        ("eu-fsf", {"xmlFullSanctionsList_1_1.xml": '<!DOCTYPE x [<!ENTITY a "aaaa">]><export>&a;</export>'},
         "files.xmlFullSanctionsList_1_1.xml", "refused"),
        ("uk-sanctions", {"UK-Sanctions-List.csv": "Name 6,Name 1\nX,Y\n"},
         "files.UK-Sanctions-List.csv", "no header line starting 'Last Updated,Unique ID,'"),
        ("opensanctions", {"entities.ftm.json": '{"id": "a", "schema": "Person", "properties": {}}\n{"id": \n'},
         "files.entities.ftm.json", "line 2: not JSON"),
        ("ofac-sdn", {"alt.csv": ""}, "files", "ofac-sdn needs the file sdn.csv"),
        ("un-sc", {"consolidated.json": "{}"}, "files.consolidated.json", "not a file of un-sc"),
    ],
)  # fmt: skip
async def test_a_malformed_file_is_refused_naming_the_problem(
    sessions: async_sessionmaker[AsyncSession], source: str, files: dict[str, str], field: str, reason: str
) -> None:
    with pytest.raises(InputError) as refused:
        await refresh(sessions, source, files)
    (error, *_) = refused.value.errors
    assert error.field == field
    assert reason in error.reason
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(EntryRow)) == 0


async def test_changed_eu_and_uk_lists_yield_their_diffs(sessions: async_sessionmaker[AsyncSession]) -> None:
    eu = sample("eu-fsf")["xmlFullSanctionsList_1_1.xml"]
    await refresh(sessions, "eu-fsf", {"xmlFullSanctionsList_1_1.xml": eu})
    # A later version, made here from the sample: the person delisted, the enterprise's English name changed.
    start = eu.index('    <sanctionEntity designationDetails="" unitedNationId="" euReferenceNumber="EU.36.64"')
    end = eu.index("    </sanctionEntity>\n", start) + len("    </sanctionEntity>\n")
    later = (eu[:start] + eu[end:]).replace('wholeName="IBDA-C"', 'wholeName="IBDA/C"')
    result = await refresh(sessions, "eu-fsf", {"xmlFullSanctionsList_1_1.xml": later})
    assert result.diff.model_dump() == {
        "added": [], "changed": ["eu-fsf:EU.3523.13"], "removed": ["eu-fsf:EU.36.64"]
    }  # fmt: skip

    uk = sample("uk-sanctions")["UK-Sanctions-List.csv"]
    await refresh(sessions, "uk-sanctions", {"UK-Sanctions-List.csv": uk})
    # A later version: the ship's flag changed, and a second ship (the same line under another id and name) listed.
    ship = uk.splitlines(keepends=True)[2]
    second = ship.replace("RUS2176", "RUS9999").replace("KOROLEV PROSPECT,", "PROSPECT TWO,")
    later = uk.replace(",Gabon,", ",Panama,") + second.replace(",Gabon,", ",Panama,")
    result = await refresh(sessions, "uk-sanctions", {"UK-Sanctions-List.csv": later})
    assert result.diff.model_dump() == {
        "added": ["uk-sanctions:RUS9999"], "changed": ["uk-sanctions:RUS2176"], "removed": []
    }  # fmt: skip
    async with sessions() as session:
        changed = await session.get(EntryRow, "uk-sanctions:RUS2176")
    assert changed is not None
    assert (changed.version, changed.body["flag"]) == (2, "PA")
