"""mutmut 3's run state, where it has no public way: the functions called since the
last test's teardown (`MutmutState._stats`, private). Only this module touches it;
tests/test_adapters.py checks that mutmut still has it, and pyproject.toml bounds
mutmut below 4."""

from __future__ import annotations

import sys
from typing import Any


def running_state() -> Any | None:
    """mutmut's state in a run it collects stats for, else None (mutmut not imported)."""
    module = sys.modules.get("mutmut.state")
    return None if module is None else module.state()


def called_since_last_test(state: Any) -> set[str]:
    """The mangled names of the functions called since the last test's teardown: the
    set itself, which mutmut credits to the next test and then empties."""
    return state._stats
