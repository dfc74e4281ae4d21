"""Only scoring carries the risk model: the other services never import LightGBM, pandas or SciPy (their images
do not install them), and ingest and the gateway not the screening engine either (analytics re-screens: it does)."""

import json
import subprocess
import sys

import pytest

HEAVY = ("lightgbm", "pandas", "scipy", "sklearn", "matplotlib")
SCREENING = ("rapidfuzz", "anyascii")

# What each service's app module may not pull in; scoring is the one that needs the model.
FORBIDDEN = {
    "portcullis.ingest.app": HEAVY + SCREENING + ("numpy",),
    "portcullis.gateway.app": HEAVY + SCREENING + ("numpy",),
    "portcullis.watchlist.app": HEAVY,
    # Analytics draws its charts with matplotlib, reads the store with DuckDB and pyarrow, and re-screens it with the
    # screening engine; it installs the model for model backtests, but imports it only when one is asked for.
    "portcullis.analytics.app": ("lightgbm", "pandas", "scipy", "sklearn"),
}

# Building the app and validating one record of each stream, as ingest does on its first requests.
_PROBE = """
import importlib, json, sys
module = importlib.import_module(sys.argv[1])
if sys.argv[1] == "portcullis.ingest.app":
    from portcullis.ingest.settings import IngestSettings
    from portcullis.shared.reference import is_known_airport, is_known_locode
    from portcullis.shared.schemas.container import ContainerEvent
    from portcullis.shared.schemas.passenger import PassengerRecord
    module.create_app(IngestSettings())
    assert is_known_airport("LHR") and is_known_locode("NLRTM")
    for model in (ContainerEvent, PassengerRecord):  # check digits, airports, UN/LOCODEs
        for example in model.model_config["json_schema_extra"]["examples"]:
            model.model_validate(example)
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules})))
"""


@pytest.mark.parametrize("module", FORBIDDEN)
def test_a_slim_service_imports_no_model_or_engine_it_does_not_install(module: str) -> None:
    done = subprocess.run([sys.executable, "-c", _PROBE, module], capture_output=True, text=True, check=True)
    loaded = set(json.loads(done.stdout))
    assert "portcullis" in loaded
    assert not loaded & set(FORBIDDEN[module]), sorted(loaded & set(FORBIDDEN[module]))


def test_scoring_is_the_one_that_loads_the_model() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, "portcullis.scoring.app"], capture_output=True, text=True, check=True
    )
    assert {"lightgbm", "pandas"} <= set(json.loads(done.stdout))


#: Offline tooling of the risk model: training, evaluation, reports, ablation, feedback, the training CSV.
OFFLINE = ("training", "evaluation", "report", "ablation", "feedback", "benchmark", "csvdata")

_SCORING_PROBE = """
import json, sys
from portcullis.scoring.app import create_app
from portcullis.scoring.settings import ScoringSettings
create_app(ScoringSettings())
print(json.dumps(sorted(name for name in sys.modules if name.startswith("portcullis."))))
"""


def test_scoring_serves_the_model_without_its_training_code() -> None:
    done = subprocess.run([sys.executable, "-c", _SCORING_PROBE], capture_output=True, text=True, check=True)
    loaded = set(json.loads(done.stdout))
    assert "portcullis.shared.riskmodel.serving" in loaded
    assert not {f"portcullis.shared.riskmodel.{name}" for name in OFFLINE} & loaded
