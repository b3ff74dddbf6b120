"""Checks on the status callbacks a created, then ended, recording caused."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from conformance.checks import Created, Scope, check
from conformance.contract import (
    CALLBACK_FIELDS,
    CALLBACK_IDENTITY_FIELDS,
    IN_PROGRESS_EVENT,
    PARAMETER,
    TERMINAL_EVENTS,
)
from conformance.failures import ContractViolation
from conformance.receiver import Delivery

_EVENTS = PARAMETER["RecordingStatusCallbackEvent"]
_METHOD = PARAMETER["RecordingStatusCallbackMethod"]


@dataclass(frozen=True)
class Observed:
    created: Created
    final_status: str | None  # completed or absent once ended; None if never learnt
    deliveries: tuple[Delivery, ...]

    def expected_events(self) -> frozenset[str]:
        requested = self.created.sent_events() or frozenset({_EVENTS.default or ""})
        occurred = {IN_PROGRESS_EVENT}
        if self.final_status in TERMINAL_EVENTS:
            occurred.add(self.final_status)
        return requested & occurred

    def describe(self) -> str:
        if not self.deliveries:
            return "no callback arrived"
        return "; ".join(
            f"{d.method} {d.content_type or '-'} query={dict(d.query)} form={dict(d.form)}"
            for d in self.deliveries
        )


def _fail(clause: str, o: Observed, expected: str, actual: str | None = None) -> ContractViolation:
    return ContractViolation(
        clause, expected=expected, actual=actual or o.describe(), exchange=o.created.exchange
    )


def _events_as_expected(clause: str, o: Observed) -> bool:
    """Judged when a callback was due or one came: a recording whose end is unknown and
    that asked only for its end gives nothing to judge."""
    delivered = Counter(
        d.payload.get("RecordingStatus", "<no RecordingStatus>") for d in o.deliveries
    )
    expected = o.expected_events()
    requested = o.created.sent_events() or {_EVENTS.default}
    extra = [e for e in delivered if e not in requested]
    repeated = [e for e, n in delivered.items() if n > 1]
    missing = sorted(expected - set(delivered))
    if o.final_status not in TERMINAL_EVENTS:
        missing = [e for e in missing if e == IN_PROGRESS_EVENT]
    if extra or repeated or missing:
        raise _fail(
            clause,
            o,
            f"exactly one callback per requested event that occurred: {sorted(expected)} "
            f"(requested {sorted(requested)}, recording ended {o.final_status or 'unknown'})",
            f"delivered {dict(delivered) or 'nothing'}"
            + (f"; not requested: {extra}" if extra else "")
            + (f"; more than once: {repeated}" if repeated else "")
            + (f"; missing: {missing}" if missing else ""),
        )
    return bool(delivered) or bool(missing) or o.final_status in TERMINAL_EVENTS


@check("CALLBACK-EVENTS", Scope.CALLBACKS)
def callbacks_for_exactly_the_requested_events(o: Observed) -> bool:
    return o.created.sent_events() is not None and _events_as_expected("CALLBACK-EVENTS", o)


@check("CALLBACK-DEFAULT-EVENT", Scope.CALLBACKS)
def callbacks_default_to_completed(o: Observed) -> bool:
    return o.created.sent_events() is None and _events_as_expected("CALLBACK-DEFAULT-EVENT", o)


def _method_as_expected(clause: str, o: Observed, method: str) -> bool:
    """Judged on the callbacks that came; none came is nothing to judge."""
    for d in o.deliveries:
        placed = d.query if method == "GET" else d.form
        misplaced = d.form if method == "GET" else d.query
        carried = {k for k, _ in placed} >= {"RecordingSid"} and not misplaced
        if d.method != method or not carried:
            where = "query parameters" if method == "GET" else "a form body"
            raise _fail(
                clause,
                o,
                f"{method} with the payload as {where}",
                f"{d.method} {d.content_type or '-'} query={dict(d.query)} form={dict(d.form)}",
            )
    return bool(o.deliveries)


@check("CALLBACK-METHOD", Scope.CALLBACKS)
def callbacks_use_the_requested_method(o: Observed) -> bool:
    method = o.created.sent(_METHOD.name)
    return method is not None and _method_as_expected("CALLBACK-METHOD", o, method)


@check("CALLBACK-DEFAULT-METHOD", Scope.CALLBACKS)
def callbacks_default_to_post(o: Observed) -> bool:
    if o.created.sent(_METHOD.name) is not None:
        return False
    return _method_as_expected("CALLBACK-DEFAULT-METHOD", o, _METHOD.default or "")


@check("CALLBACK-PAYLOAD", Scope.CALLBACKS)
def callback_payload_agrees_with_recording(o: Observed) -> bool:
    body = o.created.body
    for d in o.deliveries:
        payload = d.payload
        mirrored = {
            name: (CALLBACK_FIELDS[name], body.get(CALLBACK_FIELDS[name]))
            for name in CALLBACK_IDENTITY_FIELDS
        }
        wrong = [
            f"{name}={payload.get(name)!r} (recording {field}={value!r})"
            for name, (field, value) in mirrored.items()
            if payload.get(name) != str(value)
        ]
        if wrong:
            raise _fail(
                "CALLBACK-PAYLOAD", o, "payload fields equal to the recording's", "; ".join(wrong)
            )
    return bool(o.deliveries)
