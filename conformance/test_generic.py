"""Generic checks by schemathesis on the project's OpenAPI document: it generates
positive and negative bodies and runs its response checks (server errors, status
codes, content type, response schema). Whether a body should be accepted is judged
by the contract itself, which is stricter and finer than a JSON Schema can say."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.transport import Response
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi import checks as openapi_checks

from conformance.checks import Refused
from conformance.checks.outcome import expect_accepted, expect_refused
from conformance.harness import Harness
from conformance.params import Judged
from conformance.receiver import CallbackReceiver
from contract.exchange import Exchange
from contract.failures import ContractViolation
from contract.openapi import CREATE_PATH, openapi_document
from contract.terms import MISS_RULE, PARAMETER, Severity

OPERATION = schemathesis.openapi.from_dict(openapi_document())[CREATE_PATH]["POST"]
GENERIC_CHECKS = [
    not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
]
_URL = PARAMETER["RecordingStatusCallback"].name


def _contract_verdict(form: list[tuple[str, str]]) -> str | None:
    """'accept', 'refuse', or None where the contract does not say at MUST level (a
    scalar repeated, or a value only a careful implementation refuses)."""
    known = [(k, v) for k, v in form if k in PARAMETER]
    names = [k for k, _ in known]
    if any(names.count(k) > 1 and not PARAMETER[k].multi for k in names):
        return None
    kinds = [PARAMETER[k].miss(v) for k, v in known]
    if any(k is not None and MISS_RULE[k].severity is Severity.MUST for k in kinds):
        return "refuse"
    return "accept" if all(k is None for k in kinds) else None


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


def _generic_violations(
    error: AssertionError | BaseExceptionGroup[Any], exchange: Exchange
) -> list[ContractViolation]:
    """One compact violation per distinct schemathesis failure: its check, what it wanted,
    what it saw (schemathesis 4 groups several failures in a FailureGroup)."""
    failures = error.exceptions if isinstance(error, BaseExceptionGroup) else (error,)
    out = []
    for failure in failures:
        title = getattr(failure, "title", "") or type(failure).__name__
        checks = ", ".join(getattr(failure, "checks", ())) or "schemathesis"
        message = str(getattr(failure, "message", "") or failure)
        lines = [" ".join(line.split()) for line in message.splitlines() if line.strip()]
        out.append(
            ContractViolation(
                "GENERIC-OPENAPI",
                expected=f"a response the OpenAPI document allows ({checks}: {title})",
                actual="; ".join(lines[:4])[:500] or title,
                exchange=exchange,
            )
        )
    return out


@pytest.mark.clause("GENERIC-OPENAPI")
@pytest.mark.parametrize("mode", list(GenerationMode), ids=str)
@settings(suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_schemathesis_generic_checks(
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
    violations: list[ContractViolation] = []
    try:
        judged.add()
        verdict = _contract_verdict(form)
        try:
            if verdict == "accept":
                why = "schemathesis data the contract accepts"
                expect_accepted(exchange, "GENERIC-OPENAPI", why)
            elif verdict == "refuse":
                refused = Refused(exchange, "schemathesis data the contract refuses")
                expect_refused(refused, "GENERIC-OPENAPI")
        except ContractViolation as violation:
            violations.append(violation)
        try:
            case.validate_response(_as_schemathesis_response(exchange), checks=GENERIC_CHECKS)
        except (AssertionError, FailureGroup) as exc:
            violations += _generic_violations(exc, exchange)
    finally:
        harness.stop_all()
    if len(violations) == 1:
        raise violations[0]
    if violations:
        raise ExceptionGroup("GENERIC-OPENAPI", violations)
