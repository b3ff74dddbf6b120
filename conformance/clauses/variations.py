"""Requests a client may legitimately send that differ from the suite's own at the HTTP
level: the form's media type in another case and with a charset, header names in lower
case, the Basic scheme in lower case (RFC 9110 makes all of these case-insensitive),
unknown parameters beside known ones, a parameter repeated. None may be a 5xx; each
answer is judged by the contract like any other. And the event probes: the events of a
request in each encoding. The dry-run plan lists them from here."""

from __future__ import annotations

from dataclasses import dataclass

from contract.exchange import Auth
from contract.forms import EVENTS, Form
from strategies.forms import EventEncoding, encode_events
from strategies.urls import EDGE_URL

FORM_TYPE = "Application/X-WWW-Form-URLEncoded; Charset=UTF-8"


@dataclass(frozen=True)
class Variation:
    """A request of a clause test's own (conformance/clauses/registry.py names the clause)."""

    why: str
    form: Form
    headers: tuple[tuple[str, str], ...] = ()
    auth: Auth = Auth.ACCOUNT


# A valid request however spelled: accepted (a MUST), and honoured.
SPELLED = Variation(
    "a valid request spelled as RFC 9110 allows (form type in mixed case with a charset, "
    "header names in lower case, the Basic scheme in lower case), with a callback URL at "
    "the edges of RFC 3986 (an IPv6 literal, port 65535, percent-encoding, a query)",
    (
        ("RecordingChannels", "dual"),
        ("RecordingStatusCallback", EDGE_URL),
        ("Trim", "trim-silence"),
    ),
    (("content-type", FORM_TYPE), ("accept", "application/json")),
    Auth.ACCOUNT_SCHEME_LOWERCASE,
)
# Unknown parameters beside known ones: ignored (a SHOULD), the known ones honoured.
UNKNOWN_BESIDE_KNOWN = Variation(
    "unknown parameters beside known ones",
    (("RecordingFormat", "mp3"), ("Trim", "trim-silence"), ("PlayBeep", "false")),
)
# The contract says nothing of a parameter sent twice: accepted or refused, never a 5xx.
REPEATED = Variation(
    "a parameter repeated with the same value",
    (("Trim", "trim-silence"), ("RecordingChannels", "dual"), ("Trim", "trim-silence")),
)
VARIATIONS = (SPELLED, UNKNOWN_BESIDE_KNOWN, REPEATED)


def event_probe_plan() -> list[tuple[EventEncoding, Form]]:
    """Two events, then all of them, alone in each encoding: a refusal here is about the
    encoding, not about anything else in the body. (Every subset, in both encodings,
    is in the covering plan too.)"""
    pair, every = EVENTS.domain[:2], EVENTS.domain
    return [(e, encode_events(events, e)) for e in EventEncoding for events in (pair, every)]
