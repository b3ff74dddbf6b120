"""pytest parametrization in clauses: a test per check, its id the clause ID."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from conformance.checks import Check
from conformance.failures import Inconclusive


def per_clause(checks: Iterable[Check[Any]]) -> Any:
    return pytest.mark.parametrize(
        "check",
        [pytest.param(c, id=c.clause.id, marks=pytest.mark.clause(c.clause.id)) for c in checks],
    )


def require(items: list[Any], what: str) -> list[Any]:
    """Nothing to judge is inconclusive, never a pass."""
    if not items:
        raise Inconclusive(f"no {what} to judge")
    return items
