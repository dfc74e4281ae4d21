"""The blue lane on the real broker: declarations posted to ingest, scored by the scoring service with the blue lane
configured, stored by the gateway (auth on): a good-record importer's declaration in the band is blue, another
importer's in the same band stays yellow."""

from pathlib import Path

import httpx
import pytest

from portcullis.cli.keys import publish_key
from portcullis.cli.processes import ServiceSet
from portcullis.scoring.blue_lane import band_ceiling, good_record_importers
from portcullis.shared.auth import Role, new_key
from portcullis.shared.riskmodel import ModelRegistry
from portcullis.shared.schemas import Declaration
from portcullis.shared.settings import KafkaSettings
from tests.integration.conftest import wait_for

pytestmark = pytest.mark.integration

BLUE = {
    "PORTCULLIS_AUTH_REQUIRED": "true",
    "PORTCULLIS_SCORING_BLUE_BAND_RATE": "0.10",
    "PORTCULLIS_SCORING_BLUE_MAX_RATE": "1.0",
    "PORTCULLIS_SCORING_BLUE_MIN_INSPECTIONS": "3",
    "PORTCULLIS_SCORING_RANDOM_SELECTION_RATE": "0",
}


async def test_a_good_record_importer_in_the_band_is_released_blue_and_another_stays_yellow(
    services: ServiceSet,
    kafka: KafkaSettings,
    model_registry: Path,
    http: httpx.AsyncClient,
    sample_declarations: list[dict[str, object]],
) -> None:
    # Which sample declarations are in the band, and whose importer has a good record, by the published model.
    registry = ModelRegistry(model_registry)
    version = registry.current_version()
    assert version is not None
    model = registry.load(version)
    ceiling = band_ceiling(model.thresholds, 0.10)
    good = good_record_importers(model.stats.histories["importer"], 3, 0.0)
    documents = sample_declarations[:3000]
    scores = model.score_declarations([Declaration.model_validate(d) for d in documents]).scores.tolist()
    in_band = [d for d, s in zip(documents, scores, strict=True) if model.thresholds.yellow <= s < ceiling]
    blue = [d for d in in_band if d["importer_id"] in good][:5]
    yellow = [d for d in in_band if d["importer_id"] not in good][:5]
    assert blue
    assert yellow

    keys: dict[Role, str] = {}
    for role in (Role.SUBMITTER, Role.READER):
        keys[role], record = new_key(f"test-{role.value}", role)
        await publish_key(kafka, record)
    gateway = services.start("gateway", BLUE)
    services.start("scoring", BLUE)
    ingest = services.start("ingest", BLUE)
    posted = await http.post(
        f"{ingest.url}/v1/declarations",
        json=blue + yellow,
        headers={"Authorization": f"Bearer {keys[Role.SUBMITTER]}"},
    )
    assert posted.status_code == 202, posted.text
    reader = {"Authorization": f"Bearer {keys[Role.READER]}"}

    async def decided() -> dict[str, dict[str, object]] | None:
        found = {}
        for document in blue + yellow:
            answer = await http.get(f"{gateway.url}/v1/decisions/{document['declaration_id']}", headers=reader)
            if answer.status_code != 200:
                return None
            found[str(document["declaration_id"])] = answer.json()
        return found

    decisions = await wait_for(decided, timeout_s=30, interval_s=0.2)
    for document in blue:
        decision = decisions[str(document["declaration_id"])]
        assert decision["lane"] == "blue"
        assert any(r["code"] == "blue_lane" for r in decision["reasons"])  # type: ignore[attr-defined]
    for document in yellow:
        assert decisions[str(document["declaration_id"])]["lane"] == "yellow"
    listed = (await http.get(f"{gateway.url}/v1/decisions?lane=blue", headers=reader)).json()
    assert {d["subject_id"] for d in listed["items"]} == {str(d["declaration_id"]) for d in blue}
