"""`portcullis model` commands: train, evaluate, score with and publish risk models."""

import csv
import json
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated

import httpx
import pandas as pd
import typer

from portcullis.cli.paths import project_root, run_dir
from portcullis.cli.progress import working
from portcullis.cli.service_client import (
    EXIT_FAILED,
    EXIT_USAGE,
    ApiKey,
    auth_headers,
    fail,
    refusal,
    service_url,
)
from portcullis.shared.auth import Role
from portcullis.shared.riskmodel import ArtifactError, ModelRegistry, RegistryError, RiskModel, load_model
from portcullis.shared.riskmodel.csvdata import CsvFormatError, read_items_csv
from portcullis.shared.riskmodel.evaluation import INSPECTION_RATES, evaluate
from portcullis.shared.riskmodel.lanes import DEFAULT_RED_RATE, DEFAULT_YELLOW_RATE
from portcullis.shared.riskmodel.training import DEFAULT_ROUNDS, TrainingConfig, train_model

app = typer.Typer(no_args_is_help=True)

DATA_DIR = Path("data/customs-declarations-kr")
TRAIN_CSV = "df_syn_train_eng.csv"
VALID_CSV = "df_syn_valid_eng.csv"
#: The gateway's export of declaration decisions with their outcomes (JSON Lines), read for --feedback.
FEEDBACK_EXPORT = "/v1/exports/feedback"
#: Seconds without a byte from the gateway before the export counts as failed (it streams; no total limit).
EXPORT_TIMEOUT = 60.0


def default_registry() -> Path:
    """The run folder's model registry (what `make up` serves)."""
    return run_dir() / "models"


Registry = Annotated[
    Path | None,
    typer.Option(
        "--registry", help="Registry root (default: models/ in the run folder, .run/models)", show_default=False
    ),
]


def _fail(message: str, code: int = EXIT_FAILED) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=code)


def _usage(message: str) -> typer.Exit:
    return _fail(message, EXIT_USAGE)


def _load(model_dir: Path) -> RiskModel:
    try:
        return load_model(model_dir)
    except (ArtifactError, OSError, ValueError) as exc:
        raise _fail(str(exc)) from exc


def _summary(metrics: dict[str, object]) -> str:
    parts = [f"AUC {metrics['auc']:.4f}"]
    parts += [f"P@{r * 100:g}% {metrics[f'precision_at_{r * 100:g}pct']:.3f}" for r in INSPECTION_RATES]
    return ", ".join(parts)


@app.command()
def train(
    out: Annotated[Path, typer.Option("--out", help="Artifact directory to write")],
    train_csv: Annotated[Path | None, typer.Option("--train", help="Labelled training CSV (data set layout)")] = None,
    valid_csv: Annotated[
        Path | None, typer.Option("--valid", help="Labelled validation CSV (sets lanes, model card)")
    ] = None,
    feedback: Annotated[
        str | None,
        typer.Option(
            "--feedback",
            help="Train on the gateway's decisions and inspection outcomes instead, read from its feedback export: "
            "the gateway's base URL, or `gateway` for the default (PORTCULLIS_GATEWAY_URL, else "
            "http://127.0.0.1:8000 or PORTCULLIS_GATEWAY_PORT)",
            metavar="URL",
        ),
    ] = None,
    declarations: Annotated[
        Path | None,
        typer.Option("--declarations", help="With --feedback: export of the declarations (data set CSV layout)"),
    ] = None,
    random_rate: Annotated[
        float,
        typer.Option(help="With --feedback: the random selection rate in force when the decisions were made"),
    ] = 0.01,
    export: Annotated[
        Path | None,
        typer.Option("--export", help="With --feedback: also write the weighted training set (CSV with Weight)"),
    ] = None,
    decided_from: Annotated[
        str | None,
        typer.Option(
            help="With --feedback: only decisions made at or after (ISO 8601 with zone)",
            metavar="TIME",
            show_default=False,
        ),
    ] = None,
    decided_to: Annotated[
        str | None,
        typer.Option(
            help="With --feedback: only decisions made before (ISO 8601 with zone)", metavar="TIME", show_default=False
        ),
    ] = None,
    api_key: ApiKey = None,
    red_rate: Annotated[float, typer.Option(help="Expected share of red lanes")] = DEFAULT_RED_RATE,
    yellow_rate: Annotated[float, typer.Option(help="Expected share of yellow lanes")] = DEFAULT_YELLOW_RATE,
    rounds: Annotated[int, typer.Option(min=1, help="Boosting rounds (trees)")] = DEFAULT_ROUNDS,
) -> None:
    """Train a model and write its artifact directory: from labelled CSV files, or from feedback (--feedback)."""
    if not (0 <= red_rate <= 1 and 0 <= yellow_rate <= 1 and red_rate + yellow_rate <= 1):
        raise _usage("--red-rate and --yellow-rate must be in 0..1 and sum to at most 1")
    config = TrainingConfig(rounds=rounds, red_rate=red_rate, yellow_rate=yellow_rate)
    if feedback is not None:
        if declarations is None or train_csv is not None or valid_csv is not None:
            raise _usage("--feedback takes --declarations (and neither --train nor --valid)")
        window = FeedbackWindow(_moment("--decided-from", decided_from), _moment("--decided-to", decided_to))
        source = FeedbackSource(service_url("gateway", None if feedback == "gateway" else feedback), api_key)
        model = _train_from_feedback(source, window, declarations, random_rate, out, config, export)
    else:
        if train_csv is None or valid_csv is None:
            raise _usage("give --train and --valid, or --feedback and --declarations")
        try:
            with working(f"training on {train_csv.name}"):
                model = train_model(train_csv, valid_csv, out, config)
        except (CsvFormatError, ValueError) as exc:
            raise _fail(str(exc)) from exc
    typer.echo(f"version {model.version}")
    typer.echo(f"artifact {out}")
    typer.echo(f"validation: {_summary(model.card['metrics_valid'])}")
    typer.echo(f"lanes: red >= {model.thresholds.red:.4f}, yellow >= {model.thresholds.yellow:.4f}")


def _moment(option: str, value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise _usage(f"{option}: not an ISO 8601 time ({value})") from exc
    if moment.tzinfo is None:
        raise _usage(f"{option}: give a time zone (for example 2026-11-25T12:00:00Z)")
    return moment


@dataclass(frozen=True)
class FeedbackSource:
    """Where the feedback export is read: the gateway's base URL and the API key given (else the usual lookup)."""

    gateway_url: str
    api_key: str | None = None


@dataclass(frozen=True)
class FeedbackWindow:
    """Which decisions to train on, by decision time (None: unbounded)."""

    decided_from: datetime | None = None
    decided_to: datetime | None = None


def read_feedback_export(source: FeedbackSource, window: FeedbackWindow = FeedbackWindow()) -> pd.DataFrame:
    """The gateway's declaration decisions with their outcomes, streamed from `GET /v1/exports/feedback`."""
    from portcullis.shared.riskmodel.feedback import read_decisions

    params = {
        name: moment.isoformat()
        for name, moment in (("decided_from", window.decided_from), ("decided_to", window.decided_to))
        if moment is not None
    }
    endpoint = f"{source.gateway_url}{FEEDBACK_EXPORT}"
    headers = auth_headers(Role.READER, source.api_key)
    try:
        with httpx.stream("GET", endpoint, params=params, headers=headers, timeout=EXPORT_TIMEOUT) as response:
            if response.status_code != 200:
                response.read()
                raise fail(refusal("feedback export", response, Role.READER, source.api_key))
            return read_decisions(response.iter_lines())
    except (ValueError, KeyError) as error:  # a line that is not a record of the export
        raise fail(f"feedback export from {source.gateway_url} unreadable: {type(error).__name__}: {error}") from error
    except httpx.HTTPError as error:
        raise fail(
            f"feedback export failed: could not read it from the gateway at {source.gateway_url}: {error}"
        ) from error


def _train_from_feedback(
    source: FeedbackSource,
    window: FeedbackWindow,
    declarations: Path,
    random_rate: float,
    out: Path,
    config: TrainingConfig,
    export: Path | None,
) -> RiskModel:
    """Weighted training set from the gateway's feedback export, summarised (and exported); then a weighted fit."""
    from portcullis.shared.riskmodel import training
    from portcullis.shared.riskmodel.feedback import build_feedback, export_csv

    with working(f"reading the feedback export of {source.gateway_url}"):
        decisions = read_feedback_export(source, window)
    try:
        data = build_feedback(decisions, declarations, random_rate)
    except (CsvFormatError, ValueError, OSError) as exc:
        raise _fail(str(exc)) from exc
    for line in data.summary.lines():
        typer.echo(line)
    if export is not None:
        typer.echo(f"training set {export} ({export_csv(data, declarations, export):,} rows)")
    model = training.fit(
        data.train,
        data.valid,
        config,
        {"feedback": f"{source.gateway_url}{FEEDBACK_EXPORT}", "declarations": training.file_fingerprint(declarations)},
        weights=data.weights,
        valid_weights=data.valid_weights,
    )
    model.card["training"]["data_source"] = "feedback: inspected decisions weighted by 1 / propensity"
    model.card["feedback"] = {**data.summary.__dict__, "random_rate": random_rate}
    model.save(out)
    return model


@app.command("evaluate")
def evaluate_command(
    model_dir: Annotated[Path, typer.Option("--model", help="Model artifact directory")],
    data: Annotated[Path, typer.Option("--data", help="Labelled CSV to evaluate on")],
    report: Annotated[Path | None, typer.Option("--report", help="Write report.md and PNG plots here")] = None,
) -> None:
    """Precision and recall at inspection rates, AUC, critical-fraud recall and calibration."""
    model = _load(model_dir)
    try:
        labelled = read_items_csv(data, require_labels=True)
    except CsvFormatError as exc:
        raise _fail(str(exc)) from exc
    assert labelled.fraud is not None
    scores = model.score_items(labelled.items)
    metrics = evaluate(scores, labelled.fraud, labelled.critical)
    typer.echo(f"model {model.version} on {data.name} ({metrics['rows']:,} rows)")
    typer.echo(f"AUC {metrics['auc']:.4f}  Brier {metrics['brier']:.4f}")
    for rate in INSPECTION_RATES:
        label = f"{rate * 100:g}pct"
        line = (
            f"  top {rate * 100:>4g}%: precision {metrics[f'precision_at_{label}']:.3f}"
            f"  recall {metrics[f'recall_at_{label}']:.3f}"
        )
        if f"critical_recall_at_{label}" in metrics:
            line += f"  critical recall {metrics[f'critical_recall_at_{label}']:.3f}"
        typer.echo(line)
    if report is not None:
        from portcullis.shared.riskmodel.report import write_report

        importance = dict(
            zip(
                model.feature_names,
                (float(g) for g in model.booster.feature_importance(importance_type="gain")),
                strict=True,
            )
        )
        title = f"Model {model.version} on {data.name}"
        path = write_report(report, metrics, scores, labelled.fraud, importance, title)
        (report / "metrics.json").write_text(json.dumps(metrics, indent=2))
        typer.echo(f"report {path}")


@app.command()
def score(
    model_dir: Annotated[Path, typer.Option("--model", help="Model artifact directory")],
    input_csv: Annotated[Path, typer.Option("--input", help="Declarations CSV (data set layout)")],
    output_csv: Annotated[Path, typer.Option("--output", help="Where to write declaration_id,score,lane")],
) -> None:
    """Score a declarations CSV: one row per declaration, its score the max over its items."""
    model = _load(model_dir)
    try:
        items = read_items_csv(input_csv).items
    except CsvFormatError as exc:
        raise _fail(str(exc)) from exc
    items = items.assign(score=model.score_items(items))
    per_declaration = items.groupby("declaration_id", sort=False)["score"].max()
    output_csv.parent.mkdir(parents=True, exist_ok=True)
    with output_csv.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["declaration_id", "score", "lane"])
        for declaration_id, value in per_declaration.items():
            writer.writerow([declaration_id, f"{value:.6f}", model.thresholds.lane_for(float(value)).value])
    typer.echo(f"scored {len(per_declaration):,} declarations with {model.version} into {output_csv}")


@app.command()
def publish(
    artifact_dir: Annotated[Path, typer.Argument(help="Model artifact directory to publish")],
    registry: Registry = None,
) -> None:
    """Copy an artifact into the registry and make it the current model."""
    try:
        version = ModelRegistry(registry or default_registry()).publish(artifact_dir)
    except (ArtifactError, RegistryError, OSError, ValueError) as exc:
        raise _fail(str(exc)) from exc
    typer.echo(f"published {version}; CURRENT -> {version}")


@app.command("list")
def list_versions(
    registry: Registry = None,
    current: Annotated[bool, typer.Option("--current", help="Print only the version in service")] = False,
) -> None:
    """The versions in the registry, oldest first; the one in service (CURRENT) marked with `*`."""
    models = ModelRegistry(registry or default_registry())
    in_service = models.current_version()
    if current:
        if in_service is None:
            raise _fail("no current model: `portcullis model ensure-default` trains and publishes one")
        typer.echo(in_service)
        return
    for version in models.versions():
        typer.echo(f"{'*' if version == in_service else ' '} {version}")


@app.command("ensure-default")
def ensure_default(
    registry: Registry = None,
) -> None:
    """Train and publish the default model from the vendored data when the registry has no current one."""
    root = project_root()
    models = ModelRegistry(registry or default_registry())
    current = models.current_version()
    if current is not None:
        typer.echo(f"current model {current}")
        return
    data_dir = root / DATA_DIR
    with tempfile.TemporaryDirectory(prefix="portcullis-model-") as scratch:
        artifact = Path(scratch) / "artifact"
        try:
            with working("training the default model (about a minute)"):
                model = train_model(data_dir / TRAIN_CSV, data_dir / VALID_CSV, artifact)
        except (CsvFormatError, ValueError) as exc:
            raise _fail(str(exc)) from exc
        version = models.publish(artifact)
        shutil.rmtree(artifact, ignore_errors=True)
    typer.echo(f"trained and published {version} ({_summary(model.card['metrics_valid'])})")
