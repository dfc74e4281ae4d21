"""`portcullis model list`: the registry's versions as an analyst picks one for a model backtest."""

from pathlib import Path

from typer.testing import CliRunner

from portcullis.cli.main import app
from portcullis.shared.riskmodel import ModelRegistry
from portcullis.shared.riskmodel.model import CARD_FILE


def _published(root: Path, *versions: str) -> ModelRegistry:
    for version in versions:
        (root / version).mkdir(parents=True)
        (root / version / CARD_FILE).write_text("{}")
    return ModelRegistry(root)


def test_the_versions_are_listed_oldest_first_with_the_one_in_service_marked(tmp_path: Path) -> None:
    registry = _published(tmp_path, "dm-20261203-100000-bbbb", "dm-20261101-090000-aaaa")
    registry.promote("dm-20261101-090000-aaaa")
    listed = CliRunner().invoke(app, ["model", "list", "--registry", str(tmp_path)])
    assert listed.exit_code == 0, listed.output
    assert listed.stdout.splitlines() == ["* dm-20261101-090000-aaaa", "  dm-20261203-100000-bbbb"]
    current = CliRunner().invoke(app, ["model", "list", "--current", "--registry", str(tmp_path)])
    assert current.stdout.strip() == "dm-20261101-090000-aaaa"


def test_no_current_model_is_an_error_that_says_how_to_get_one(tmp_path: Path) -> None:
    _published(tmp_path, "dm-20261203-100000-bbbb")
    current = CliRunner().invoke(app, ["model", "list", "--current", "--registry", str(tmp_path)])
    assert current.exit_code != 0
    assert "ensure-default" in current.output
