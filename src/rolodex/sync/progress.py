"""Progress display for long commands: a rich bar per step, silent with --quiet.

Each step says what it counts ("Importing Contacts", "Links of Contacts"), how many of how many
(just the count when the total is unknown, never "n/?"), the rate and the time left.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    Task,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text


class CountColumn(ProgressColumn):
    """`done/total`, or `done` alone while the total is unknown."""

    def render(self, task: Task) -> Text:
        done = int(task.completed)
        return Text(f"{done}/{int(task.total)}" if task.total is not None else str(done))


class RateColumn(ProgressColumn):
    """Items per second, once there is a rate to show."""

    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:.1f}/s")


@contextmanager
def progress(label: str, quiet: bool) -> Iterator["Ticker"]:
    """A ticker counting processed items under `label` (to stderr; nothing when quiet)."""
    if quiet:
        yield Ticker(None)
        return
    display = Progress(
        SpinnerColumn(),
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        CountColumn(),
        RateColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    with display:
        yield Ticker(display, label)


class Ticker:
    def __init__(self, display: Progress | None, label: str = "") -> None:
        self.display = display
        self.label = label
        self.tasks: dict[str, TaskID] = {}

    def start(self, name: str | None = None, total: int | None = None) -> None:
        """Show the step `name` (default: the label) with its total, if known."""
        if self.display is None:
            return
        key = name or self.label
        if key in self.tasks:
            self.display.update(self.tasks[key], total=total)
        else:
            self.tasks[key] = self.display.add_task(key, total=total)

    def tick(self, amount: int = 1, name: str | None = None) -> None:
        if self.display is None:
            return
        key = name or self.label
        if key not in self.tasks:
            self.start(key)
        self.display.advance(self.tasks[key], amount)
