"""Progress of long work: done of total, elapsed, estimated time left, drawn on stderr
only when stderr is a terminal (in CI logs, or piped, it prints nothing), so the
tables a tool prints on stdout stay clean.

rich rather than a hand-drawn counter: it redraws one line in place and estimates the
time left. It comes with schemathesis, a dependency of the suite."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

T = TypeVar("T")


def progress(
    items: Iterable[T], total: int, description: str, console: Console | None = None
) -> Iterator[T]:
    """`items`, as they come, with a progress bar of `total` while they do."""
    console = console or Console(stderr=True)
    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("elapsed"),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=console,
        disable=not console.is_terminal,
    )
    with bar:
        yield from bar.track(items, total=total, description=description)
