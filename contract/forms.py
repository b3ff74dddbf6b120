"""Form bodies: ordered (name, value) pairs, so a parameter can repeat
(RecordingStatusCallbackEvent as real SDKs send it). One type for the suite, the
strategies, the receiver and the emulator, and one reading of "the value sent"."""

from __future__ import annotations

from collections.abc import Sequence

from contract.terms import PARAMETER

Form = tuple[tuple[str, str], ...]  # as the suite builds and records it
Pairs = Sequence[tuple[str, str]]  # as a server reads it (Starlette gives a list)

EVENTS = PARAMETER["RecordingStatusCallbackEvent"]


def sent(form: Pairs, name: str) -> str | None:
    """The first value sent for a parameter, or None when omitted."""
    return next((v for k, v in form if k == name), None)


def sent_events(form: Pairs) -> frozenset[str] | None:
    """The requested events however encoded, or None when omitted."""
    values = [v for k, v in form if k == EVENTS.name]
    if not values:
        return None
    return frozenset(e for v in values for e in v.split(" "))
