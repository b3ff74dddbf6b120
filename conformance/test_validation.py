"""Request validation: valid combinations accepted, invalid values refused, every
refusal in the error shape, and the requests a client may spell otherwise."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from conformance.checks import Refused
from conformance.clauses.registry import ClauseTest, entry_for
from conformance.clauses.schedule import LOOKS, Need
from conformance.clauses.variations import Variation
from conformance.client.receiver import CallbackReceiver
from conformance.corpus.refusals import RefusalCorpus
from conformance.corpus.valid import ValidCorpus
from conformance.hooks.judging import Judged, clause_tests, judge_answer, judge_each, judge_refused
from conformance.run.calls import Harness
from contract.exchange import Exchange
from strategies.invalid import invalid_requests


@clause_tests(Need.ANSWERED)
def test_covering_plan_is_answered_as_the_contract_says(
    entry: ClauseTest, valid_corpus: ValidCorpus, judged: Judged
) -> None:
    answered = [e.exchange for e in valid_corpus.entries]
    judge_each(entry, answered, judged, valid_corpus.why_empty)


@clause_tests(Need.PROBES)
def test_request_is_refused(
    entry: ClauseTest, refusal_corpus: RefusalCorpus, judged: Judged
) -> None:
    probes = refusal_corpus.for_clause(entry.clause)
    # A look judges each answer's shape too, as it comes: its own fault shows at once,
    # not after every probe of the look (the whole judges them in their own tests).
    then = judge_refused if refusal_corpus.stage in LOOKS else None
    judge_each(entry, (p.refused for p in probes), judged, then=then)


@clause_tests(Need.REFUSALS)
def test_refusals_are_well_formed(
    entry: ClauseTest, refusal_corpus: RefusalCorpus, judged: Judged
) -> None:
    judge_each(entry, [p.refused for p in refusal_corpus.probes], judged)


def _send(harness: Harness, probe: Variation) -> Exchange:
    return harness.create(probe.form, auth=probe.auth, headers=probe.headers)


@clause_tests(Need.ENCODINGS)
def test_several_events_are_accepted_in_each_encoding(
    entry: ClauseTest, harness: Harness, judged: Judged
) -> None:
    answers = []
    for probe in entry.probes:  # a refusal here is about the encoding alone
        answers.append(_send(harness, probe))
        harness.stop_all()
    judge_each(entry, answers, judged)


@clause_tests(Need.VARIATIONS)
def test_a_variation_is_answered_by_the_contract(
    entry: ClauseTest, harness: Harness, judged: Judged
) -> None:
    for probe in entry.probes:
        exchange = _send(harness, probe)
        try:
            judged.add(entry(exchange))
            judge_answer(harness, exchange, probe.why)  # the known parameters honoured
        finally:
            harness.stop_all()


@given(data=st.data())
def test_generated_invalid_requests_are_refused(
    data: st.DataObject, harness: Harness, receiver: CallbackReceiver
) -> None:
    urls = st.builds(lambda: receiver.new_url()[1])
    request = data.draw(invalid_requests(callback_urls=urls), "request")
    exchange = harness.create(request.form)
    refused = Refused(exchange, "; ".join(m.describe() for m in request.misses))
    try:
        entry_for(request.clause, Need.PROBES)(refused)
        judge_refused(refused)
    finally:
        harness.stop_all()
