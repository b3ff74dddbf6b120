"""Schema, defaults, echo, enums and null rules of a created recording."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from conformance.checks import Check, Scope, checks_for
from conformance.checks.outcome import judge_acceptance
from conformance.corpus import ValidCorpus
from conformance.harness import Harness
from conformance.params import Judged, judge_each, per_clause
from conformance.receiver import CallbackReceiver
from strategies.valid import valid_forms

CREATED_CHECKS = checks_for(Scope.CREATED)


@per_clause(CREATED_CHECKS)
def test_clause_holds_on_covering_plan(
    check: Check[Any], valid_corpus: ValidCorpus, judged: Judged
) -> None:
    judge_each(check, valid_corpus.created, "accepted request", judged, valid_corpus.why_empty)


@given(data=st.data())
def test_clauses_hold_on_generated_valid_requests(
    data: st.DataObject, harness: Harness, receiver: CallbackReceiver
) -> None:
    urls = st.builds(lambda: receiver.new_url()[1])
    exchange = harness.create(data.draw(valid_forms(callback_urls=urls), "form"))
    try:
        judge_acceptance(exchange, harness.create)
        created = harness.created(exchange)
        for check in CREATED_CHECKS:
            check(created)
    finally:
        harness.stop_all()
