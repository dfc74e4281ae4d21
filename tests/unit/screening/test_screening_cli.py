import csv
from pathlib import Path

import typer
from typer.testing import CliRunner

from portcullis.cli import watchlist
from portcullis.shared.screening import compare_names

# The `watchlist` group as `portcullis` mounts it (without importing every other command group).
app = typer.Typer()
app.add_typer(watchlist.app, name="watchlist")


def test_compare_scores_every_pair_with_the_matcher(tmp_path: Path) -> None:
    source, target = tmp_path / "pairs.csv", tmp_path / "scores.csv"
    source.write_text(
        "name1,name2,schema\n"
        "Ayman al-Zawahiri,Dr. Aiman AL ZAWAHRI,Person\n"
        "OCEAN STAR 1,M/V OCEAN STAR 2,Vessel\n"
        '"Banco Nacional de Cuba, S.A.",BANCO NACIONAL DE CUBA,Company\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, ["watchlist", "compare", "--input", str(source), "--output", str(target)])
    assert result.exit_code == 0, result.output
    with target.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [r["name1"] for r in rows] == ["Ayman al-Zawahiri", "OCEAN STAR 1", "Banco Nacional de Cuba, S.A."]
    for row in rows:
        assert float(row["score"]) == round(compare_names(row["name1"], row["name2"]), 4)
    assert float(rows[0]["score"]) > 0.85 > float(rows[1]["score"])


def test_compare_without_a_schema_column(tmp_path: Path) -> None:
    source, target = tmp_path / "pairs.csv", tmp_path / "scores.csv"
    source.write_text("name1,name2\nJohn Smith,John Smith\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["watchlist", "compare", "--input", str(source), "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert target.read_text(encoding="utf-8").splitlines()[1] == "John Smith,John Smith,1.0000"


def test_compare_rejects_an_unknown_schema(tmp_path: Path) -> None:
    source = tmp_path / "pairs.csv"
    source.write_text("name1,name2,schema\na,b,Aircraft\n", encoding="utf-8")
    result = CliRunner().invoke(
        app, ["watchlist", "compare", "--input", str(source), "--output", str(tmp_path / "out.csv")]
    )
    assert result.exit_code != 0
    assert "schema" in result.output
