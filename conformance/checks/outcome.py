"""Whether a request was accepted or refused as the contract says; a 5xx is always
NO-SERVER-ERROR, whatever was expected."""

from __future__ import annotations

from collections.abc import Callable

from conformance.checks import Refused
from contract.exchange import Exchange, is_success
from contract.failures import Violation
from contract.forms import Form
from contract.terms import PARAMETER, SERVER_ERROR

EVENTS = PARAMETER["RecordingStatusCallbackEvent"]


def no_server_error(exchange: Exchange, expected: str) -> None:
    if exchange.response.status >= 500:
        actual = f"HTTP {exchange.response.status}"
        raise Violation(expected, actual, exchange, clause=SERVER_ERROR)


def expect_accepted(exchange: Exchange, why: str = "a valid request") -> None:
    no_server_error(exchange, f"2xx ({why})")
    if not 200 <= exchange.response.status < 300:
        raise Violation(f"2xx ({why})", f"HTTP {exchange.response.status}", exchange)


def expect_refused(r: Refused) -> None:
    """The request must be refused: 4xx (or exactly `r.status`), never 2xx or 5xx."""
    wanted = f"HTTP {r.status}" if r.status else "a 4xx refusal"
    no_server_error(r.exchange, f"{wanted} ({r.why})")
    status = r.exchange.response.status
    if (r.status and status != r.status) or not 400 <= status < 500:
        raise Violation(f"{wanted} ({r.why})", f"HTTP {status}", r.exchange)


def has_repeated_events(form: Form) -> bool:
    return sum(1 for k, _ in form if k == EVENTS.name) > 1


def plan_request_accepted(exchange: Exchange) -> bool:
    # Rows with repeated event fields are judged by EVENTS-REPEATED-FIELDS (a SHOULD); the
    # plan covers each of their combinations with spaced events too.
    if has_repeated_events(exchange.request.form):
        return False
    expect_accepted(exchange)
    return True


def success_is_200(exchange: Exchange) -> bool:
    if not is_success(exchange):
        return False
    if exchange.response.status != 200:
        raise Violation("HTTP 200", f"HTTP {exchange.response.status}", exchange)
    return True


def refused(r: Refused) -> bool:
    expect_refused(r)
    return True


def accepted_as(why: str) -> Callable[[Exchange], bool]:
    """The check that a request sent `why` so is accepted."""

    def accepted(exchange: Exchange) -> bool:
        expect_accepted(exchange, why)
        return True

    return accepted


def never_a_server_error(why: str) -> Callable[[Exchange], bool]:
    """The check that a request sent `why` so is accepted or refused, never a 5xx."""

    def answered(exchange: Exchange) -> bool:
        no_server_error(exchange, f"2xx or 4xx ({why})")
        return True

    return answered
