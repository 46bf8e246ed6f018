"""Progress display for long commands: a rich spinner with counts, silent with --quiet."""

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn


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
        MofNCompleteColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    with display:
        yield Ticker(display, label)


class Ticker:
    def __init__(self, display: Progress | None, label: str = "") -> None:
        self.display = display
        self.label = label
        self.tasks: dict[str, object] = {}

    def tick(self, amount: int = 1, name: str | None = None) -> None:
        if self.display is None:
            return
        key = name or self.label
        if key not in self.tasks:
            self.tasks[key] = self.display.add_task(key, total=None)
        self.display.advance(self.tasks[key], amount)  # type: ignore[arg-type]
