"""Progress of long commands on stderr: a bar with count, rate and time left, or a spinner with the time spent.

Only on a terminal; piped or in CI nothing is drawn, and the command's own summary line says how it went.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.text import Text


def _console() -> Console:
    return Console(stderr=True)


class _RateColumn(ProgressColumn):
    """Items a second, over the last few seconds."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.0f}/s", style="progress.data.speed")


@contextmanager
def counting(description: str, total: int) -> Iterator[Callable[[int], None]]:
    """A bar for `total` items; yields the function that counts items done."""
    console = _console()
    if not console.is_terminal:
        yield lambda _done: None
        return
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        _RateColumn(),
        TextColumn("eta"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task(description, total=total)
        yield lambda done: progress.advance(task, done)


@contextmanager
def working(description: str) -> Iterator[None]:
    """A spinner with the time spent, for one long step whose size is unknown (a service's import, training)."""
    console = _console()
    if not console.is_terminal:
        yield
        return
    columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        progress.add_task(description, total=None)
        yield
