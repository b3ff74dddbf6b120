"""Faults in request validation: invalid input accepted, valid input refused, and
errors that are not in the contract's shape."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from contract.forms import Pairs, sent
from contract.terms import PARAMETER
from emulator.faults import Body, Fault, Problems, fault


def lenient_fault(
    name: str,
    clause: str,
    summary: str,
    forgives: Callable[[str, str], bool],
    when: Callable[[Pairs], bool] = lambda form: True,
) -> None:
    """Drops the problems of the values `forgives(parameter, value)` lets through, in the
    requests `when(form)` picks (a parameter validated on some paths only)."""

    class Lenient(Fault):
        def problems(self, problems: Problems, form: Pairs) -> Problems:
            if not when(form):
                return problems
            forgiven = {(k, v) for k, v in form if forgives(k, v)}
            return [p for p in problems if (p[0], p[1]) not in forgiven]

    Lenient.__name__ = Lenient.__qualname__ = "".join(p.title() for p in name.split("-"))
    fault(name, clause, summary)(Lenient)


def refusing_fault(name: str, clause: str, summary: str, refuses: Callable[[Pairs], bool]) -> None:
    """Refuses (400) the valid requests `refuses(form)` picks."""

    class Refusing(Fault):
        def problems(self, problems: Problems, form: Pairs) -> Problems:
            return [*problems, ("request", None, "is not supported")] if refuses(form) else problems

    Refusing.__name__ = Refusing.__qualname__ = "".join(p.title() for p in name.split("-"))
    fault(name, clause, summary)(Refusing)


def _any_value_of(parameter: str) -> Callable[[str, str], bool]:
    return lambda k, v: k == parameter


def _in_domain_ignoring_case(k: str, v: str) -> bool:
    p = PARAMETER.get(k)
    return bool(p and p.domain and v.casefold() in {d.casefold() for d in p.domain})


def _in_domain_once_stripped(k: str, v: str) -> bool:
    p = PARAMETER.get(k)
    return bool(p and v != v.strip() and p.accepts(v.strip()))


# invalid input accepted, one parameter each
lenient_fault(
    "channels-any-accepted",
    "REJECT-RECORDING-CHANNELS",
    "any RecordingChannels value is accepted",
    _any_value_of("RecordingChannels"),
)
lenient_fault(
    "track-any-accepted",
    "REJECT-RECORDING-TRACK",
    "any RecordingTrack value is accepted",
    _any_value_of("RecordingTrack"),
)
lenient_fault(
    "trim-any-accepted", "REJECT-TRIM", "any Trim value is accepted", _any_value_of("Trim")
)
lenient_fault(
    "method-any-accepted",
    "REJECT-RECORDING-STATUS-CALLBACK-METHOD",
    "any callback method (PUT, DELETE...) is accepted",
    _any_value_of("RecordingStatusCallbackMethod"),
)
lenient_fault(
    "events-unknown-accepted",
    "REJECT-RECORDING-STATUS-CALLBACK-EVENT",
    "unknown callback events are accepted",
    _any_value_of("RecordingStatusCallbackEvent"),
)
lenient_fault(
    "callback-relative-accepted",
    "REJECT-RECORDING-STATUS-CALLBACK",
    "relative callback URLs are accepted",
    lambda k, v: k == "RecordingStatusCallback" and v.startswith("/"),
)
lenient_fault(
    "enums-case-insensitive",
    "REJECT-NEAR-MISS",
    "enum values are matched ignoring case",
    _in_domain_ignoring_case,
)
lenient_fault(
    "values-stripped",
    "REJECT-NEAR-MISS",
    "surrounding white space is stripped before validation",
    _in_domain_once_stripped,
)

# invalid input accepted on one path only: beside other parameters, never alone
lenient_fault(
    "trim-unchecked-beside-callback",
    "REJECT-TRIM",
    "Trim is validated only when no RecordingStatusCallback is given",
    _any_value_of("Trim"),
    when=lambda form: sent(form, "RecordingStatusCallback") is not None,
)
lenient_fault(
    "track-unchecked-when-dual",
    "REJECT-RECORDING-TRACK",
    "RecordingTrack is validated only on the mono path (any value accepted with dual)",
    _any_value_of("RecordingTrack"),
    when=lambda form: sent(form, "RecordingChannels") == "dual",
)
lenient_fault(
    "events-unchecked-for-get",
    "REJECT-RECORDING-STATUS-CALLBACK-EVENT",
    "callback events are validated only for POST callbacks (any accepted with GET)",
    _any_value_of("RecordingStatusCallbackEvent"),
    when=lambda form: sent(form, "RecordingStatusCallbackMethod") == "GET",
)

# valid input refused
refusing_fault(
    "trim-silence-refused",
    "VALID-ACCEPTED",
    "Trim=trim-silence is refused",
    lambda form: sent(form, "Trim") == "trim-silence",
)
refusing_fault(
    "get-callbacks-refused",
    "VALID-ACCEPTED",
    "RecordingStatusCallbackMethod=GET is refused",
    lambda form: sent(form, "RecordingStatusCallbackMethod") == "GET",
)
refusing_fault(
    "space-separated-events-refused",
    "EVENTS-SPACE-SEPARATED",
    "several events in one space-separated field are refused",
    lambda form: any(k == "RecordingStatusCallbackEvent" and " " in v for k, v in form),
)
refusing_fault(
    "repeated-events-refused",
    "EVENTS-REPEATED-FIELDS",
    "events sent as repeated fields are refused",
    lambda form: sum(k == "RecordingStatusCallbackEvent" for k, _ in form) > 1,
)
refusing_fault(
    "unknown-parameter-refused",
    "UNKNOWN-PARAMS-IGNORED",
    "a parameter the contract does not name is refused",
    lambda form: any(k not in PARAMETER for k, _ in form),
)
refusing_fault(
    "outbound-absent-refused",
    "VALID-ACCEPTED",
    "RecordingTrack=outbound with the absent event is refused (two parameters)",
    lambda form: (
        sent(form, "RecordingTrack") == "outbound"
        and any("absent" in v for k, v in form if k == "RecordingStatusCallbackEvent")
    ),
)


@fault(
    "form-charset-refused",
    "VALID-ACCEPTED",
    "a form sent with a charset parameter (or its media type in another case) is refused 415",
)
class FormCharsetRefused(Fault):
    def content_type_accepted(self, accepted: bool, content_type: str) -> bool:
        # The header compared whole, as a string: the classic mistake.
        return accepted and content_type in ("", "application/x-www-form-urlencoded")


@fault(
    "inbound-trim-dual-500",
    "NO-SERVER-ERROR",
    "inbound, trim-silence and dual together answer 500 (three parameters)",
)
class InboundTrimDual500(Fault):
    def crashes(self, form: Pairs) -> bool:
        corner = {"RecordingTrack": "inbound", "Trim": "trim-silence", "RecordingChannels": "dual"}
        return all(sent(form, k) == v for k, v in corner.items())


# errors out of shape
@fault("error-without-status", "ERROR-SHAPE", "error bodies lack the status field")
class ErrorWithoutStatus(Fault):
    def error(self, status: int, body: Body) -> tuple[int, Any]:
        return status, {k: v for k, v in body.items() if k != "status"}


@fault("error-code-as-string", "ERROR-SHAPE", "error code is a string")
class ErrorCodeAsString(Fault):
    def error(self, status: int, body: Body) -> tuple[int, Any]:
        return status, {**body, "code": str(body["code"])}


@fault("error-as-plain-text", "ERROR-SHAPE", "errors are plain text, not JSON")
class ErrorAsPlainText(Fault):
    def error(self, status: int, body: Body) -> tuple[int, Any]:
        return status, f"Error {body['code']}: {body['message']}"


@fault(
    "error-status-always-400",
    "ERROR-STATUS-MATCH",
    "error bodies say status 400 whatever the HTTP status",
)
class ErrorStatusAlways400(Fault):
    def error(self, status: int, body: Body) -> tuple[int, Any]:
        return status, {**body, "status": 400}


@fault("invalid-answers-500", "NO-SERVER-ERROR", "invalid parameters are answered 500")
class InvalidAnswers500(Fault):
    def error(self, status: int, body: Body) -> tuple[int, Any]:
        return (500, {**body, "status": 500}) if status == 400 else (status, body)
