"""Form bodies as the suite builds them (the type and its reading: contract/forms.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum

from contract.forms import EVENTS, Form
from contract.terms import PARAMETER


class EventEncoding(StrEnum):
    SPACE = "space"  # one field, values separated by a space (the seed's form)
    REPEATED = "repeated"  # one field per value (what SDKs send)


def encode_events(events: Sequence[str], encoding: EventEncoding) -> Form:
    if encoding is EventEncoding.SPACE:
        return ((EVENTS.name, " ".join(events)),)
    return tuple((EVENTS.name, e) for e in events)


def build_form(
    values: Mapping[str, str | None],
    events: Sequence[str] | None = None,
    encoding: EventEncoding = EventEncoding.SPACE,
) -> Form:
    """Parameters in contract order, omitting None; events encoded as asked."""
    pairs: list[tuple[str, str]] = []
    for name in PARAMETER:
        if name == EVENTS.name:
            if events:
                pairs += encode_events(events, encoding)
        elif values.get(name) is not None:
            pairs.append((name, values[name]))  # type: ignore[arg-type]
    return tuple(pairs)


def with_spaced_events(form: Form) -> Form:
    """The same form with its event fields joined into one space-separated field."""
    events = [v for k, v in form if k == EVENTS.name]
    rest = tuple((k, v) for k, v in form if k != EVENTS.name)
    return (*rest, (EVENTS.name, " ".join(events))) if events else rest
