"""`portcullis watchlist` commands."""

import csv
from pathlib import Path
from typing import Annotated

import typer

from portcullis.cli.service_client import fail
from portcullis.shared.screening import compare_names

app = typer.Typer(no_args_is_help=True)

_SCHEMAS = {"person": "Person", "company": "Organization", "organization": "Organization", "vessel": "Vessel"}


@app.command()
def compare(
    input_csv: Annotated[
        Path,
        typer.Option(
            "--input",
            exists=True,
            dir_okay=False,
            readable=True,
            help="CSV with columns name1,name2 and optional schema",
        ),
    ],
    output_csv: Annotated[Path, typer.Option("--output", help="CSV to write: name1,name2,score")],
) -> None:
    """Score name pairs with the screening matcher (score 0..1, 1 = same name)."""
    try:
        with input_csv.open(encoding="utf-8", newline="") as source:
            reader = csv.DictReader(source)
            columns = set(reader.fieldnames or ())
            rows = list(reader)
    except (UnicodeDecodeError, csv.Error) as error:
        raise fail(f"cannot read {input_csv}: {error}") from error
    if not {"name1", "name2"} <= columns:
        raise fail(f"cannot read {input_csv}: the input needs the columns name1 and name2")
    with output_csv.open("w", encoding="utf-8", newline="") as target:
        writer = csv.writer(target)
        writer.writerow(["name1", "name2", "score"])
        for line, row in enumerate(rows, start=2):
            raw_schema = (row.get("schema") or "").strip()
            schema = _SCHEMAS.get(raw_schema.lower()) if raw_schema else None
            if raw_schema and schema is None:
                raise fail(f"{input_csv}: line {line}: schema must be Person, Company or Vessel, not {raw_schema!r}")
            name1, name2 = row["name1"] or "", row["name2"] or ""
            writer.writerow([name1, name2, f"{compare_names(name1, name2, schema):.4f}"])
    typer.echo(f"scored {len(rows)} pairs into {output_csv}")
