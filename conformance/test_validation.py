"""Request validation: valid combinations accepted, invalid values refused, and every
refusal in the error shape."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.checks import Check, Refused, Scope, checks_for
from conformance.checks.outcome import expect_accepted, expect_refused, has_repeated_events
from conformance.corpus import RefusalCorpus, ValidCorpus, send_event_probes
from conformance.harness import Harness, is_success
from conformance.params import Judged, judge_each, per_clause, require
from conformance.receiver import CallbackReceiver
from conformance.variations import REPEATED, SPELLED, UNKNOWN_BESIDE_KNOWN, Variation
from contract.exchange import Exchange
from contract.failures import ContractViolation
from contract.terms import PARAMETERS, reject_clause
from strategies.forms import EventEncoding
from strategies.invalid import invalid_requests

REJECT_CLAUSES = [reject_clause(p.name).id for p in PARAMETERS] + ["REJECT-NEAR-MISS"]


@pytest.mark.clause("VALID-ACCEPTED")
def test_every_covering_combination_is_accepted(valid_corpus: ValidCorpus, judged: Judged) -> None:
    # Rows with repeated event fields are judged by EVENTS-REPEATED-FIELDS (a SHOULD); the
    # plan covers each of their combinations with spaced events too.
    answered = [e.exchange for e in valid_corpus.entries]
    spaced = [e for e in answered if not has_repeated_events(e.request.form)]
    for exchange in require(spaced, "answered covering-plan request", valid_corpus.why_empty):
        expect_accepted(exchange, "VALID-ACCEPTED")
        judged.add()


@pytest.mark.clause("SUCCESS-STATUS-200")
def test_success_is_200(valid_corpus: ValidCorpus, judged: Judged) -> None:
    accepted = [e.exchange for e in valid_corpus.entries if is_success(e.exchange)]
    for exchange in require(accepted, "accepted request", valid_corpus.why_empty):
        if exchange.response.status != 200:
            raise ContractViolation(
                "SUCCESS-STATUS-200",
                expected="HTTP 200",
                actual=f"HTTP {exchange.response.status}",
                exchange=exchange,
            )
        judged.add()


@pytest.fixture(scope="module")
def event_probes(harness: Harness) -> dict[EventEncoding, list[Exchange]]:
    return send_event_probes(harness)


ENCODING_CLAUSES = {
    EventEncoding.SPACE: ("EVENTS-SPACE-SEPARATED", "events separated with a space"),
    EventEncoding.REPEATED: ("EVENTS-REPEATED-FIELDS", "one field per event"),
}


@pytest.mark.parametrize(
    "encoding",
    [pytest.param(e, id=c, marks=pytest.mark.clause(c)) for e, (c, _) in ENCODING_CLAUSES.items()],
)
def test_several_events_are_accepted_in_each_encoding(
    encoding: EventEncoding, event_probes: dict[EventEncoding, list[Exchange]], judged: Judged
) -> None:
    clause_id, why = ENCODING_CLAUSES[encoding]
    for exchange in require(event_probes[encoding], f"{encoding} event probe"):
        expect_accepted(exchange, clause_id, why)
        judged.add()


def _send(harness: Harness, variation: Variation) -> Exchange:
    return harness.create(variation.form, auth=variation.auth, headers=variation.headers)


def _holds_when_created(harness: Harness, exchange: Exchange) -> None:
    """An accepted variation is judged like any created recording: echo, defaults..."""
    created = harness.created(exchange)
    for check in checks_for(Scope.CREATED):
        check(created)


@pytest.mark.clause("UNKNOWN-PARAMS-IGNORED")
def test_unknown_parameter_is_ignored(harness: Harness, judged: Judged) -> None:
    v = UNKNOWN_BESIDE_KNOWN
    exchange = _send(harness, v)
    try:
        expect_accepted(exchange, v.clause, f"{v.why}, none wrong")
        judged.add()
        _holds_when_created(harness, exchange)  # the known ones honoured
    finally:
        harness.stop_all()


@pytest.mark.clause(SPELLED.clause)
def test_a_valid_request_spelled_as_http_allows_is_accepted(
    harness: Harness, judged: Judged
) -> None:
    exchange = _send(harness, SPELLED)
    try:
        expect_accepted(exchange, SPELLED.clause, SPELLED.why)
        judged.add()
        _holds_when_created(harness, exchange)
    finally:
        harness.stop_all()


@pytest.mark.clause(REPEATED.clause)
def test_a_repeated_parameter_is_answered_by_the_contract(harness: Harness, judged: Judged) -> None:
    """Accepted or refused, never a 5xx; either answer judged as such."""
    exchange = _send(harness, REPEATED)
    try:
        judged.add()
        if is_success(exchange):
            _holds_when_created(harness, exchange)
        else:
            refused = Refused(exchange, REPEATED.why)
            for check in checks_for(Scope.REFUSED):  # NO-SERVER-ERROR among them
                check(refused)
    finally:
        harness.stop_all()


@pytest.mark.parametrize(
    "clause_id", [pytest.param(c, id=c, marks=pytest.mark.clause(c)) for c in REJECT_CLAUSES]
)
def test_invalid_value_is_refused(
    clause_id: str, refusal_corpus: RefusalCorpus, judged: Judged
) -> None:
    for probe in refusal_corpus.for_clause(clause_id):
        expect_refused(probe.refused, clause_id)
        judged.add()


@per_clause(checks_for(Scope.REFUSED))
def test_refusals_are_well_formed(
    check: Check[Any], refusal_corpus: RefusalCorpus, judged: Judged
) -> None:
    judge_each(check, [p.refused for p in refusal_corpus.probes], "refusal probe", judged)


@given(data=st.data())
def test_generated_invalid_requests_are_refused(
    data: st.DataObject, harness: Harness, receiver: CallbackReceiver
) -> None:
    urls = st.builds(lambda: receiver.new_url()[1])
    request = data.draw(invalid_requests(callback_urls=urls), "request")
    exchange = harness.create(request.form)
    refused = Refused(exchange, "; ".join(m.describe() for m in request.misses))
    try:
        expect_refused(refused, request.clause)
        for check in checks_for(Scope.REFUSED):
            check(refused)
    finally:
        harness.stop_all()
