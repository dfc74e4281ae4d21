"""The `portcullis` command line: one entry point, a sub-command group per concern.

Exit codes, the same for every command: 0 done, 1 refused or failed, 2 wrong usage.
"""

from importlib.metadata import version
from typing import Annotated

import typer

from portcullis.cli import (
    backtest,
    broker,
    dev,
    keys,
    mirror,
    model,
    replay,
    replay_outcomes,
    report,
    watchlist,
    watchlist_import,
    watchlist_refresh,
)

# No locals in tracebacks: they would print API keys and personal data from the command's variables.
app = typer.Typer(
    no_args_is_help=True,
    help="Portcullis: streaming risk scoring for customs and border agencies.",
    pretty_exceptions_show_locals=False,
)


def _print_version(asked: bool) -> None:
    if asked:
        typer.echo(f"portcullis {version('portcullis-cli')}")
        raise typer.Exit()


@app.callback()
def main(
    show_version: Annotated[
        bool,
        typer.Option("--version", callback=_print_version, is_eager=True, help="Print the version and exit"),
    ] = False,
) -> None:
    """Portcullis: streaming risk scoring for customs and border agencies."""


app.add_typer(model.app, name="model", help="Train, evaluate, score with and publish risk models.")
watchlist.app.command("import")(watchlist_import.import_command)
watchlist.app.command("refresh")(watchlist_refresh.refresh_command)
app.add_typer(watchlist.app, name="watchlist", help="Import and refresh watchlists; compare names with the matcher.")
replay.app.command("outcomes")(replay_outcomes.outcomes_command)
app.add_typer(replay.app, name="replay", help="Send declarations, passengers or containers to ingest at a rate.")
app.add_typer(broker.app, name="broker", help="Fetch, start and stop the local Apache Kafka broker; create topics.")
app.add_typer(mirror.app, name="mirror", help="Load partner countries' trade statistics for the mirror report.")
app.add_typer(report.app, name="report", help="Performance, time-release and mirror reports as JSON, CSV and charts.")
app.command(
    "backtest", help="Backtest draft or saved rules, or a model version, over a period of stored declarations."
)(backtest.backtest_command)
app.add_typer(dev.app, name="dev", help="Run the whole system locally (what `make up` and `make down` call).")
app.add_typer(
    keys.app,
    name="keys",
    help="Create, list and revoke API keys (roles: submitter, reader, inspector, supervisor, analyst, admin).",
)
