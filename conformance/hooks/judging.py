"""pytest parametrization in registry entries, running them, and the count of what each
clause test judged."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import pytest

from conformance.checks import Created, Refused
from conformance.checks.outcome import expect_accepted, has_repeated_events, no_server_error
from conformance.clauses.registry import EVENTS_REPEATED_FIELDS, VALID_ACCEPTED, ClauseTest, needing
from conformance.clauses.schedule import Need
from conformance.run.calls import Harness
from contract.exchange import Exchange, is_success
from contract.failures import Inconclusive
from contract.forms import Form
from strategies.forms import with_spaced_events

F = TypeVar("F", bound=Callable[..., None])
T = TypeVar("T")


def clause_tests(need: Need[Any]) -> Callable[[F], F]:
    """Parametrize a test over the registry's entries of this need: ids and clause marks
    from the entries (the reports, --clause and the kill matrix read the marks), and the
    need as the test's `need` mark, for the stages of the corpus it judges
    (conformance/hooks/collection.py)."""
    entries = pytest.mark.parametrize(
        "entry",
        [
            pytest.param(e, id=e.clause.id, marks=pytest.mark.clause(e.clause.id))
            for e in needing(need)
        ],
    )

    def mark(test: F) -> F:
        return entries(pytest.mark.need(need)(test))

    return mark


class Judged:
    """How many exchanges the running test judged. A clause passes only on evidence:
    the report hook reads this after each test, and a clause test that judged nothing
    is inconclusive, never a pass."""

    def __init__(self) -> None:
        self.count = 0

    def add(self, n: int = 1) -> None:
        self.count += n


def judge_each(
    entry: ClauseTest[T],
    items: Iterable[T],
    judged: Judged,
    why: str = "",
    then: Callable[[T], None] | None = None,
) -> None:
    """Run the entry on each item as it comes (then `then`, if given), counting those it
    judged; no item, or none judged, is inconclusive, never a pass (`why` says what
    became of the items)."""
    what = entry.need.what
    before, seen = judged.count, 0
    for item in items:
        seen += 1
        judged.add(entry(item))  # a violation raises, and the report counts it judged
        if then is not None:
            then(item)
    if not seen:
        raise Inconclusive(f"no {what} to judge" + (f" ({why})" if why else ""))
    if judged.count == before:
        raise Inconclusive(f"none of the {seen} {what}s gave {entry.clause.id} anything to judge")


def judge_created(created: Created) -> None:
    for entry in needing(Need.CREATED):
        entry(created)


def judge_refused(refused: Refused) -> None:
    for entry in needing(Need.REFUSALS):  # NO-SERVER-ERROR among them
        entry(refused)


def judge_answer(harness: Harness, exchange: Exchange, why: str) -> None:
    """An answer judged like any other: a created recording by every CREATED entry (echo,
    defaults...), a refusal by every REFUSALS entry."""
    if is_success(exchange):
        judge_created(harness.created(exchange))
    else:
        judge_refused(Refused(exchange, why))


def judge_acceptance(exchange: Exchange, resend: Callable[[Form], Exchange]) -> None:
    """A valid request must be accepted. When one with repeated event fields is refused,
    the same request with space-separated events tells which clause broke: only the
    encoding (a SHOULD) or the request."""
    with VALID_ACCEPTED.stamping():
        if is_success(exchange) or not has_repeated_events(exchange.request.form):
            expect_accepted(exchange)
            return
        no_server_error(exchange, "2xx (a valid request)")
        expect_accepted(resend(with_spaced_events(exchange.request.form)))
    with EVENTS_REPEATED_FIELDS.stamping():
        expect_accepted(exchange, "the same events in one spaced field were accepted")
