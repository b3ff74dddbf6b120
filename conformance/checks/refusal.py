"""Checks on refusals: the error shape, its status, and never a 5xx."""

from __future__ import annotations

from conformance.checks import Refused
from contract.failures import Violation
from contract.terms import ERROR_FIELDS

_TYPES = {"integer": int, "string": str}


def error_body_has_its_fields(r: Refused) -> bool:
    response = r.exchange.response
    if not 400 <= response.status < 500:
        return False
    body = response.json
    if not isinstance(body, dict):
        why = response.unreadable()
        raise Violation(
            expected="a JSON object with " + ", ".join(ERROR_FIELDS),
            actual=f"{response.content_type or 'no type'}: {response.text[:200]!r}"
            + (f" ({why})" if why else ""),
            exchange=r.exchange,
        )
    wrong = [
        f"{name} {'missing' if name not in body else f'= {body[name]!r}'} (want {kind})"
        for name, kind in ERROR_FIELDS.items()
        if not isinstance(body.get(name), _TYPES[kind]) or isinstance(body.get(name), bool)
    ]
    if wrong:
        raise Violation(
            expected=", ".join(f"{n}: {t}" for n, t in ERROR_FIELDS.items()),
            actual="; ".join(wrong),
            exchange=r.exchange,
        )
    return True


def error_status_matches_http(r: Refused) -> bool:
    response = r.exchange.response
    body = response.json
    if not 400 <= response.status < 500 or not isinstance(body, dict) or "status" not in body:
        return False  # ERROR-SHAPE speaks for a body without a status
    if body["status"] != response.status:
        raise Violation(
            expected=f"status == {response.status}",
            actual=f"status == {body['status']!r}",
            exchange=r.exchange,
        )
    return True


def refusal_is_not_a_server_error(r: Refused) -> bool:
    if r.exchange.response.status >= 500:
        raise Violation(
            expected=f"a 4xx refusal ({r.why})",
            actual=f"HTTP {r.exchange.response.status}",
            exchange=r.exchange,
        )
    return True
