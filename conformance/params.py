"""pytest parametrization in clauses, and the count of what each clause test judged."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeVar

import pytest

from conformance.checks import Check
from contract.failures import Inconclusive

T = TypeVar("T")


def per_clause(checks: Iterable[Check[Any]]) -> Any:
    return pytest.mark.parametrize(
        "check",
        [pytest.param(c, id=c.clause.id, marks=pytest.mark.clause(c.clause.id)) for c in checks],
    )


class Judged:
    """How many exchanges the running test judged. A clause passes only on evidence:
    the report hook reads this after each test, and a clause test that judged nothing
    is inconclusive, never a pass."""

    def __init__(self) -> None:
        self.count = 0

    def add(self, n: int = 1) -> None:
        self.count += n


def require(items: list[T], what: str, why: str = "") -> list[T]:
    """Nothing to judge is inconclusive, never a pass; `why` says what became of it."""
    if not items:
        raise Inconclusive(f"no {what} to judge" + (f" ({why})" if why else ""))
    return items


def judge_each(check: Check[T], items: list[T], what: str, judged: Judged, why: str = "") -> None:
    """Run the check on each item, counting those it judged; none judged is inconclusive."""
    before = judged.count
    for item in require(items, what, why):
        judged.add(check(item))  # a violation raises, and the report counts it judged
    if judged.count == before:
        raise Inconclusive(
            f"none of the {len(items)} {what}s gave {check.clause.id} anything to judge"
        )
