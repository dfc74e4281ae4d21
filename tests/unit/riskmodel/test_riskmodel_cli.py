"""The `portcullis model` commands, end to end on small samples."""

import csv
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from portcullis.cli.main import app
from portcullis.shared.riskmodel import ModelRegistry

runner = CliRunner()


def test_train_evaluate_score_publish(tmp_path: Path, small_train_csv: Path, small_valid_csv: Path) -> None:
    artifact = tmp_path / "artifact"
    result = runner.invoke(
        app,
        [
            "model",
            "train",
            "--train",
            str(small_train_csv),
            "--valid",
            str(small_valid_csv),
            "--out",
            str(artifact),
            "--rounds",
            "40",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "version dm-" in result.output
    assert (artifact / "model_card.json").is_file()

    report = tmp_path / "report"
    result = runner.invoke(
        app, ["model", "evaluate", "--model", str(artifact), "--data", str(small_valid_csv), "--report", str(report)]
    )
    assert result.exit_code == 0, result.output
    assert "precision" in result.output
    assert {"report.md", "precision_by_rate.png", "calibration.png", "feature_importance.png"} <= {
        p.name for p in report.iterdir()
    }

    unlabelled = tmp_path / "unlabelled.csv"
    pd.read_csv(small_valid_csv, dtype=str).drop(columns=["Fraud", "Critical Fraud"]).to_csv(unlabelled, index=False)
    scored = tmp_path / "scored.csv"
    result = runner.invoke(
        app, ["model", "score", "--model", str(artifact), "--input", str(unlabelled), "--output", str(scored)]
    )
    assert result.exit_code == 0, result.output
    with scored.open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 2000
    assert set(rows[0]) == {"declaration_id", "score", "lane"}
    lanes = [r["lane"] for r in rows]
    assert 0.02 < lanes.count("red") / len(lanes) < 0.08

    registry = tmp_path / "models"
    result = runner.invoke(app, ["model", "publish", "--registry", str(registry), str(artifact)])
    assert result.exit_code == 0, result.output
    current = ModelRegistry(registry).current_version()
    assert current is not None
    result = runner.invoke(app, ["model", "ensure-default", "--registry", str(registry)])
    assert result.exit_code == 0, result.output
    assert current in result.output


def test_missing_file_and_missing_column_fail_clearly(tmp_path: Path, small_valid_csv: Path) -> None:
    result = runner.invoke(
        app,
        [
            "model",
            "train",
            "--train",
            str(tmp_path / "nope.csv"),
            "--valid",
            str(small_valid_csv),
            "--out",
            str(tmp_path / "a"),
        ],
    )
    assert result.exit_code != 0
    assert "file not found" in result.output

    no_hs = tmp_path / "no_hs.csv"
    pd.read_csv(small_valid_csv, dtype=str).drop(columns=["HS6 Code"]).to_csv(no_hs, index=False)
    result = runner.invoke(
        app, ["model", "train", "--train", str(no_hs), "--valid", str(small_valid_csv), "--out", str(tmp_path / "a")]
    )
    assert result.exit_code != 0
    assert "HS6 Code" in result.output

    result = runner.invoke(
        app,
        [
            "model",
            "score",
            "--model",
            str(tmp_path),
            "--input",
            str(small_valid_csv),
            "--output",
            str(tmp_path / "o.csv"),
        ],
    )
    assert result.exit_code != 0
    assert "not a model artifact" in result.output
