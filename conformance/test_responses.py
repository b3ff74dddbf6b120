"""Schema, defaults, echo, enums and null rules of a created recording."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from conformance.clauses.registry import ClauseTest
from conformance.clauses.schedule import Need
from conformance.client.receiver import CallbackReceiver
from conformance.corpus.valid import ValidCorpus
from conformance.hooks.judging import (
    Judged,
    clause_tests,
    judge_acceptance,
    judge_created,
    judge_each,
)
from conformance.run.calls import Harness
from strategies.valid import valid_forms


@clause_tests(Need.CREATED)
def test_clause_holds_on_covering_plan(
    entry: ClauseTest, valid_corpus: ValidCorpus, judged: Judged
) -> None:
    judge_each(entry, valid_corpus.created, judged, valid_corpus.why_empty)


@given(data=st.data())
def test_clauses_hold_on_generated_valid_requests(
    data: st.DataObject, harness: Harness, receiver: CallbackReceiver
) -> None:
    urls = st.builds(lambda: receiver.new_url()[1])
    exchange = harness.create(data.draw(valid_forms(callback_urls=urls), "form"))
    try:
        judge_acceptance(exchange, harness.create)
        judge_created(harness.created(exchange))
    finally:
        harness.stop_all()
