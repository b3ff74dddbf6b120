"""Generic checks by schemathesis on the project's OpenAPI document: it generates
positive and negative bodies, and each answer is judged by its response checks and by
the contract (conformance/checks/generic.py)."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode

from conformance.checks.generic import MODES, Drawn
from conformance.clauses.registry import ClauseTest
from conformance.clauses.schedule import Need
from conformance.client.receiver import CallbackReceiver
from conformance.hooks.judging import Judged, clause_tests
from conformance.run.calls import Harness
from contract.openapi import CREATE_PATH, openapi_document
from contract.terms import PARAMETER

OPERATION = schemathesis.openapi.from_dict(openapi_document())[CREATE_PATH]["POST"]
_URL = PARAMETER["RecordingStatusCallback"].name


def _form(data: object) -> list[tuple[str, str]]:
    """The case's body as the pairs a form carries (lists repeat the field)."""
    if not isinstance(data, dict):
        return []
    return [
        (str(k), str(v)) for k, vs in data.items() for v in (vs if isinstance(vs, list) else [vs])
    ]


@clause_tests(Need.DRAWN)
@pytest.mark.parametrize("mode", MODES, ids=str)
@settings(suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_schemathesis_generic_checks(
    entry: ClauseTest,
    mode: GenerationMode,
    data: st.DataObject,
    harness: Harness,
    receiver: CallbackReceiver,
    judged: Judged,
) -> None:
    case = data.draw(OPERATION.as_strategy(generation_mode=mode), "case")
    case.path_parameters = {"AccountSid": harness.account_sid, "CallSid": harness.call_sid()}
    form = _form(case.as_transport_kwargs(base_url="http://unused").get("data"))
    # A valid callback URL is pointed home, so deliveries never go to random hosts.
    form = [
        (k, receiver.new_url()[1] if k == _URL and PARAMETER[_URL].accepts(v) else v)
        for k, v in form
    ]
    exchange = harness.create(tuple(form))
    try:
        judged.add(entry(Drawn(case, form, exchange)))
    finally:
        harness.stop_all()
