"""Generic checks by schemathesis on the project's OpenAPI document: it generates
positive and negative bodies and runs its response checks (server errors, status
codes, content type, response schema). Whether a body should be accepted is judged
by the contract itself, which is stricter and finer than a JSON Schema can say."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.transport import Response
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi import checks as openapi_checks

from conformance.checks import Refused
from conformance.checks.outcome import expect_accepted, expect_refused
from conformance.contract import PARAMETER
from conformance.exchange import Exchange
from conformance.failures import ContractViolation
from conformance.harness import Harness
from conformance.openapi import CREATE_PATH, openapi_document
from conformance.receiver import CallbackReceiver

OPERATION = schemathesis.openapi.from_dict(openapi_document())[CREATE_PATH]["POST"]
GENERIC_CHECKS = [
    not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
]
_URL = PARAMETER["RecordingStatusCallback"].name


def _contract_verdict(form: list[tuple[str, str]]) -> str | None:
    """'accept', 'refuse', or None where the contract does not say (a scalar repeated)."""
    known = [(k, v) for k, v in form if k in PARAMETER]
    names = [k for k, _ in known]
    if any(names.count(k) > 1 and not PARAMETER[k].multi for k in names):
        return None
    return "accept" if all(PARAMETER[k].accepts(v) for k, v in known) else "refuse"


def _form(data: object) -> list[tuple[str, str]]:
    """The case's body as the pairs a form carries (lists repeat the field)."""
    if not isinstance(data, dict):
        return []
    return [
        (str(k), str(v)) for k, vs in data.items() for v in (vs if isinstance(vs, list) else [vs])
    ]


def _as_schemathesis_response(exchange: Exchange) -> Response:
    import requests

    prepared = requests.Request(
        exchange.request.method, exchange.request.url, data=exchange.request.body()
    ).prepare()  # no Authorization header: nothing secret travels into a failure message
    return Response(
        status_code=exchange.response.status,
        headers={"content-type": [exchange.response.content_type]},
        content=exchange.response.text.encode(),
        request=prepared,
        elapsed=0.0,
        verify=True,
    )


@pytest.mark.clause("GENERIC-OPENAPI")
@pytest.mark.parametrize("mode", list(GenerationMode), ids=str)
@settings(suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_schemathesis_generic_checks(
    mode: GenerationMode, data: st.DataObject, harness: Harness, receiver: CallbackReceiver
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
        verdict = _contract_verdict(form)
        if verdict == "accept":
            expect_accepted(exchange, "GENERIC-OPENAPI", "schemathesis data the contract accepts")
        elif verdict == "refuse":
            refused = Refused(exchange, "schemathesis data the contract refuses")
            expect_refused(refused, "GENERIC-OPENAPI")
        try:
            case.validate_response(_as_schemathesis_response(exchange), checks=GENERIC_CHECKS)
        except AssertionError as exc:
            lines = str(exc).strip().splitlines() or [type(exc).__name__]
            raise ContractViolation(
                "GENERIC-OPENAPI",
                expected="a response the OpenAPI document allows",
                actual=lines[0],
                exchange=exchange,
            ) from None
    finally:
        harness.stop_all()
