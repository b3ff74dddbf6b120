"""Whether a request was accepted or refused as the contract says; a 5xx is always
NO-SERVER-ERROR, whatever was expected."""

from __future__ import annotations

from collections.abc import Callable

from conformance.checks import Refused
from conformance.harness import is_success
from contract.exchange import Exchange, Form
from contract.failures import ContractViolation
from contract.terms import PARAMETER, Clause
from strategies.forms import with_spaced_events

EVENTS = PARAMETER["RecordingStatusCallbackEvent"]


def _no_server_error(exchange: Exchange, expected: str) -> None:
    if exchange.response.status >= 500:
        raise ContractViolation(
            "NO-SERVER-ERROR",
            expected=expected,
            actual=f"HTTP {exchange.response.status}",
            exchange=exchange,
        )


def expect_accepted(exchange: Exchange, clause: Clause | str, why: str = "a valid request") -> None:
    _no_server_error(exchange, f"2xx ({why})")
    if not 200 <= exchange.response.status < 300:
        raise ContractViolation(
            clause,
            expected=f"2xx ({why})",
            actual=f"HTTP {exchange.response.status}",
            exchange=exchange,
        )


def expect_refused(r: Refused, clause: Clause | str) -> None:
    """The request must be refused: 4xx (or exactly `r.status`), never 2xx or 5xx."""
    wanted = f"HTTP {r.status}" if r.status else "a 4xx refusal"
    _no_server_error(r.exchange, f"{wanted} ({r.why})")
    status = r.exchange.response.status
    if (r.status and status != r.status) or not 400 <= status < 500:
        raise ContractViolation(
            clause, expected=f"{wanted} ({r.why})", actual=f"HTTP {status}", exchange=r.exchange
        )


def has_repeated_events(form: Form) -> bool:
    return sum(1 for k, _ in form if k == EVENTS.name) > 1


def judge_acceptance(exchange: Exchange, resend: Callable[[Form], Exchange]) -> None:
    """A valid request must be accepted. When one with repeated event fields is refused,
    the same request with space-separated events tells which clause broke: only the
    encoding (EVENTS-REPEATED-FIELDS, a SHOULD) or the request (VALID-ACCEPTED)."""
    if is_success(exchange) or not has_repeated_events(exchange.request.form):
        expect_accepted(exchange, "VALID-ACCEPTED")
        return
    _no_server_error(exchange, "2xx (a valid request)")
    spaced = resend(with_spaced_events(exchange.request.form))
    expect_accepted(spaced, "VALID-ACCEPTED")
    expect_accepted(
        exchange, "EVENTS-REPEATED-FIELDS", "the same events in one spaced field were accepted"
    )
