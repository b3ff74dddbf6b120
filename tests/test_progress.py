"""Long work shows its progress on a terminal, and nothing when the output is not one."""

from __future__ import annotations

import io

from rich.console import Console

from power.progress import progress


def test_progress_is_drawn_on_a_terminal() -> None:
    out = io.StringIO()
    terminal = Console(file=out, force_terminal=True, width=100)
    assert list(progress(iter("abc"), 3, "faults", console=terminal)) == ["a", "b", "c"]
    assert "faults" in out.getvalue() and "3/3" in out.getvalue()


def test_progress_is_quiet_when_the_output_is_not_a_terminal() -> None:
    out = io.StringIO()
    piped = Console(file=out, force_terminal=False)
    assert list(progress(range(4), 4, "faults", console=piped)) == [0, 1, 2, 3]
    assert out.getvalue() == ""
