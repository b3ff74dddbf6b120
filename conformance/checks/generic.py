"""The generic check on schemathesis' data: its response checks (server errors, status
codes, content type, response schema) on the project's OpenAPI document, and whether a
body should be accepted, judged by the contract itself, which is stricter and finer than
a JSON Schema can say."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from schemathesis import Response
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi import checks as openapi_checks

from conformance.checks import Refused
from conformance.checks.outcome import expect_accepted, expect_refused
from contract.exchange import Exchange
from contract.failures import Violation
from contract.terms import MISS_RULE, PARAMETER, Severity

MODES = tuple(GenerationMode)  # positive and negative data: one Hypothesis test each
GENERIC_CHECKS = [
    not_a_server_error,
    openapi_checks.status_code_conformance,
    openapi_checks.content_type_conformance,
    openapi_checks.response_schema_conformance,
]


@dataclass(frozen=True)
class Drawn:
    """A request schemathesis drew, as the form sent, and its answer."""

    case: Any  # schemathesis' Case: it validates the response against the document
    form: list[tuple[str, str]]
    exchange: Exchange


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


def _leaves(group: BaseExceptionGroup[Any]) -> list[BaseException]:
    out: list[BaseException] = []
    for exc in group.exceptions:
        out += _leaves(exc) if isinstance(exc, BaseExceptionGroup) else [exc]
    return out


def _generic_violations(failures: BaseExceptionGroup[Any], exchange: Exchange) -> list[Violation]:
    """One compact violation per distinct schemathesis failure: its check, what it wanted,
    what it saw (schemathesis 4 raises one failure as an AssertionError, several as a
    group of them: `except*` takes both without naming its group class, which is private)."""
    out = []
    for failure in _leaves(failures):
        title = getattr(failure, "title", "") or type(failure).__name__
        checks = ", ".join(getattr(failure, "checks", ())) or "schemathesis"
        message = str(getattr(failure, "message", "") or failure)
        lines = [" ".join(line.split()) for line in message.splitlines() if line.strip()]
        out.append(
            Violation(
                f"a response the OpenAPI document allows ({checks}: {title})",
                "; ".join(lines[:4])[:500] or title,
                exchange,
            )
        )
    return out


def answered_as_the_document_says(drawn: Drawn) -> bool:
    violations: list[Violation] = []
    verdict = _contract_verdict(drawn.form)
    try:
        if verdict == "accept":
            expect_accepted(drawn.exchange, "schemathesis data the contract accepts")
        elif verdict == "refuse":
            expect_refused(Refused(drawn.exchange, "schemathesis data the contract refuses"))
    except Violation as violation:
        violations.append(violation)
    try:
        drawn.case.validate_response(
            _as_schemathesis_response(drawn.exchange), checks=GENERIC_CHECKS
        )
    except* AssertionError as failures:
        violations += _generic_violations(failures, drawn.exchange)
    if len(violations) == 1:
        raise violations[0]
    if violations:
        raise ExceptionGroup("several violations", violations)
    return True
