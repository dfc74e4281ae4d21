"""Entries and rules share one versioned-document service: the same lifecycle, audit trail and API shape."""

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import TypeAdapter
from sqlalchemy.ext.asyncio import async_sessionmaker

from portcullis.shared.auth import AuthSettings
from portcullis.shared.db import create_engine, migrate
from portcullis.shared.schemas.watchlist import EntrySpec, RuleSpec
from portcullis.watchlist.app import MIGRATIONS, create_app
from portcullis.watchlist.audit import audit_trail
from portcullis.watchlist.documents.kind import DocumentKind
from portcullis.watchlist.documents.service import delete_document, get_document, list_documents, put_document
from portcullis.watchlist.entries.screening import ScreeningIndex
from portcullis.watchlist.entries.service import ENTRIES
from portcullis.watchlist.errors import InputError, NotFoundError
from portcullis.watchlist.rules.service import RULES
from portcullis.watchlist.settings import WatchlistSettings

ENTRY = TypeAdapter(EntrySpec).validate_python(
    {"kind": "container", "list_name": "boxes", "container_number": "CSQU3054383", "reason": "seal tampering"}
)
RULE = RuleSpec.model_validate(
    {
        "name": "Weapons",
        "condition": {"field": "hs6_code", "op": "prefix", "value": "93"},
        "action": {"lane": "red"},
        "reason": "arms",
    }
)
KINDS: list[tuple[DocumentKind[Any, Any, Any], Any, str]] = [
    (ENTRIES, ENTRY, "reason"),
    (RULES, RULE, "reason"),
]


@pytest.fixture
async def sessions(tmp_path: Path) -> Any:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'watchlist.db'}")
    await migrate(engine, MIGRATIONS)
    yield async_sessionmaker(engine, expire_on_commit=False)
    await engine.dispose()


@pytest.mark.parametrize(("kind", "spec", "field"), KINDS, ids=["entry", "rule"])
async def test_a_document_is_created_kept_replaced_deleted_and_restored_with_one_audit_row_per_change(
    sessions: Any, kind: DocumentKind[Any, Any, Any], spec: Any, field: str
) -> None:
    changed = spec.model_copy(update={field: "changed"})
    async with sessions() as session:
        steps = [
            await put_document(session, kind, "D-1", spec, "ana"),
            await put_document(session, kind, "D-1", spec, "ana"),  # the same body: nothing changes
            await put_document(session, kind, "D-1", changed, "bob"),
        ]
        deleted = await delete_document(session, kind, "D-1", "bob")
        with pytest.raises(NotFoundError, match=f"no {kind.label} 'D-1'"):
            await get_document(session, kind, "D-1")
        assert (await list_documents(session, kind, [], False, None, 10))[0] == []
        restored = await put_document(session, kind, "D-1", spec, "ana")
        trail = await audit_trail(session, kind.name, "D-1")
        await session.commit()
    assert [(document.version, action) for document, action in steps] == [(1, "create"), (1, None), (2, "update")]
    assert (deleted.version, deleted.deleted) == (3, True)
    assert (restored[0].version, restored[1], restored[0].deleted) == (4, "restore", False)
    assert [(r.version, r.action, r.changed_by, r.changed_fields) for r in trail] == [
        (1, "create", "ana", []),
        (2, "update", "bob", [field]),
        (3, "delete", "bob", ["deleted"]),
        (4, "restore", "ana", ["deleted", field]),
    ]
    assert kind.document_type.model_validate(trail[-1].after) == restored[0]


async def test_a_rule_its_stream_cannot_evaluate_is_refused_and_nothing_is_stored(sessions: Any) -> None:
    unknown = RULE.model_copy(update={"condition": RULE.condition.model_copy(update={"field": "no_such_field"})})
    async with sessions() as session:
        with pytest.raises(InputError) as refused:
            await put_document(session, RULES, "R-1", unknown, "ana")
        assert [e.field for e in refused.value.errors] == ["condition.field"]
        assert await audit_trail(session, "rule", "R-1") == []
        with pytest.raises(NotFoundError):
            await get_document(session, RULES, "R-1", include_deleted=True)


def test_the_document_routes_keep_their_paths_and_operation_ids() -> None:
    paths = create_app(WatchlistSettings()).openapi()["paths"]
    operations = {
        (path, method): (op["operationId"], [p["name"] for p in op.get("parameters", [])])
        for path, methods in paths.items()
        for method, op in methods.items()
        if path.startswith(("/v1/rules", "/v1/watchlist/entries"))
    }
    user = "X-Portcullis-User"
    assert operations[("/v1/watchlist/entries", "get")] == (
        "list_entries_v1_watchlist_entries_get",
        ["list_name", "kind", "include_deleted", "after", "limit"],
    )
    assert operations[("/v1/watchlist/entries/{entry_id}", "put")] == (
        "put_entry_v1_watchlist_entries__entry_id__put",
        ["entry_id", user],
    )
    assert operations[("/v1/rules/{rule_id}/audit", "get")] == ("rule_audit_v1_rules__rule_id__audit_get", ["rule_id"])
    assert operations[("/v1/rules", "post")] == ("create_rule_v1_rules_post", [user])
    assert len(operations) == 14  # six document routes per kind, the field catalogue and the dry run


class RecordingOutbox:
    """Stands in for the topic: records what would be published after each commit."""

    def __init__(self) -> None:
        self.published: list[tuple[str, list[str]]] = []

    async def publish_after_commit(self, kind: str, ids: Sequence[str]) -> bool:
        self.published.append((kind, list(ids)))
        return True


@pytest.mark.parametrize(("path", "id_name"), [("/v1/watchlist/entries", "entry_id"), ("/v1/rules", "rule_id")])
async def test_the_api_reports_errors_in_order_and_publishes_only_real_changes(
    sessions: Any, path: str, id_name: str
) -> None:
    # Authentication is off: this is about validation and publication, not keys.
    app = create_app(WatchlistSettings(auth=AuthSettings(required=False)))
    outbox = RecordingOutbox()
    app.state.sessions, app.state.outbox, app.state.screening = sessions, outbox, ScreeningIndex()
    body = (ENTRY if id_name == "entry_id" else RULE).model_dump(mode="json")
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://watchlist") as client:
        bad = await client.put(f"{path}/bad id!", json={"x": 1}, headers={"X-Portcullis-User": "bad\u0001"})
        assert bad.status_code == 422
        fields = [e["field"] for e in bad.json()["detail"]]
        assert fields[:2] == ["X-Portcullis-User", id_name]  # the header, the path, then the body
        assert len(fields) > 2
        user = {"X-Portcullis-User": "ana"}
        statuses = [(await client.put(f"{path}/D-1", json=body, headers=user)).status_code for _ in range(2)]
        assert statuses == [201, 200]
        assert (await client.delete(f"{path}/D-1", headers=user)).json()["version"] == 2
        assert (await client.get(f"{path}/D-1")).status_code == 404
    kind = "entry" if id_name == "entry_id" else "rule"
    assert outbox.published == [(kind, ["D-1"]), (kind, ["D-1"])]  # the unchanged second PUT published nothing
