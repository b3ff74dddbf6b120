"""The kinds of wrong value and the rule of each: how firmly a target refuses a value of
that kind, and why (part of the contract; contract.terms re-exports it)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Literal


class Severity(StrEnum):
    MUST = "MUST"
    SHOULD = "SHOULD"


# --- wrong values -------------------------------------------------------------
#
# MUST only where every reasonable reading agrees. A wrong value is of one kind; the
# rule of its kind says how firmly a target refuses it, and why. RecordingStatusCallback
# is `format: "uri"`, and RFC 3986 is the reading: what it accepts as an absolute URI
# with an http(s) scheme and a host lies in the domain, even where URL parsers differ;
# refusing what they differ on is a SHOULD.

ValueShape = Literal["enum", "url"]


class MissKind(StrEnum):
    UNKNOWN = "unknown value"
    NEIGHBOUR = "a neighbour's value"
    LONG = "long string"
    CASE = "case variant"
    SEPARATOR = "wrong separator"
    NON_ASCII = "non-ASCII string"
    PADDED = "surrounding white space"
    EMPTY = "empty string"
    RELATIVE = "relative URL"
    NO_HOST = "URL without a host"
    MALFORMED = "malformed URL"
    SCHEME = "non-http(s) URL"
    PORT_RANGE = "port above 65535"
    NUMERIC_HOST = "numeric host that is no IPv4 address"
    IP_LITERAL = "IPvFuture or zoned IPv6 host"
    ENCODED_HOST = "percent-encoded host"


@dataclass(frozen=True)
class MissRule:
    kind: MissKind
    severity: Severity  # how firmly a target refuses a value of this kind
    applies_to: tuple[ValueShape, ...]
    reason: str
    # The value still lies in the domain (Parameter.accepts): RFC 3986 accepts it, parsers
    # disagree on it, so only a careful implementation refuses it (Parameter.accepts(careful=True)).
    in_domain: bool = False


_E: ValueShape = "enum"
_U: ValueShape = "url"
MISS_RULES: tuple[MissRule, ...] = (
    MissRule(
        MissKind.UNKNOWN,
        Severity.MUST,
        (_E,),
        "The seed lists every value; a word outside the list is wrong under any reading.",
    ),
    MissRule(
        MissKind.NEIGHBOUR,
        Severity.MUST,
        (_E,),
        "Another parameter's (or another API's) value is no value of this one under any reading.",
    ),
    MissRule(
        MissKind.LONG,
        Severity.MUST,
        (_E,),
        "No value is that long, and no normalisation makes it one.",
    ),
    MissRule(
        MissKind.RELATIVE,
        Severity.MUST,
        (_U,),
        "No scheme: a relative reference (RFC 3986 §4.2) has no base to resolve against in a "
        "form field, so no reading can request it.",
    ),
    MissRule(
        MissKind.NO_HOST,
        Severity.MUST,
        (_U,),
        "A URL without a host (`http:/cb`, `http://`) names no server to request; RFC 9110 §4.2 "
        "tells recipients to reject an http(s) URI with an empty host.",
    ),
    MissRule(
        MissKind.MALFORMED,
        Severity.MUST,
        (_U,),
        "Outside RFC 3986's grammar (a space in the host, a letter in the port): format uri "
        "names RFC 3986, so it is no URI under any reading of it.",
    ),
    MissRule(
        MissKind.NON_ASCII,
        Severity.MUST,
        (_E, _U),
        "No enum value has one, and format uri is RFC 3986, whose URIs are ASCII (a "
        "non-ASCII one is an IRI, RFC 3987, which the seed does not name), even where a "
        "WHATWG parser would IDNA-encode it.",
    ),
    MissRule(
        MissKind.CASE,
        Severity.SHOULD,
        (_E,),
        "The seed spells values exactly, but some vendors match them ignoring case.",
    ),
    MissRule(
        MissKind.SEPARATOR,
        Severity.SHOULD,
        (_E,),
        "The seed separates events with a space, but some vendors also split on commas.",
    ),
    MissRule(
        MissKind.PADDED,
        Severity.SHOULD,
        (_E, _U),
        "Some vendors strip form values, and WHATWG URL parsers strip the white space "
        "around a URL, as RFC 3986 appendix C suggests for URIs in context.",
    ),
    MissRule(
        MissKind.EMPTY,
        Severity.SHOULD,
        (_E, _U),
        "Some vendors read an empty form field as the parameter omitted.",
    ),
    MissRule(
        MissKind.SCHEME,
        Severity.SHOULD,
        (_U,),
        "format uri admits any scheme; only the seed's 'URL to request to' and its GET or "
        "POST method imply http(s).",
    ),
    MissRule(
        MissKind.PORT_RANGE,
        Severity.SHOULD,
        (_U,),
        "RFC 3986's port is `*DIGIT`, so `http://example.com:99999/cb` is a URI; but TCP ports "
        "end at 65535 and parsers disagree (WHATWG, urllib and the rfc3986 package refuse "
        "it, Java and httpx accept it).",
        in_domain=True,
    ),
    MissRule(
        MissKind.NUMERIC_HOST,
        Severity.SHOULD,
        (_U,),
        "RFC 3986 reads `256.0.0.1` or `example.1` as a registered name; WHATWG parsers read a "
        "host ending in a number as an IPv4 address and refuse or rewrite it.",
        in_domain=True,
    ),
    MissRule(
        MissKind.IP_LITERAL,
        Severity.SHOULD,
        (_U,),
        "RFC 3986 admits `[v1.fe]` and RFC 6874, which updates it, the zone of "
        "`[fe80::1%25eth0]`; WHATWG parsers refuse both, and others disagree.",
        in_domain=True,
    ),
    MissRule(
        MissKind.ENCODED_HOST,
        Severity.SHOULD,
        (_U,),
        "RFC 3986 allows percent-encoding in a registered name; WHATWG parsers decode it, "
        "Java drops the host, urllib and httpx send it to DNS as it is.",
        in_domain=True,
    ),
)
MISS_RULE = MappingProxyType({r.kind: r for r in MISS_RULES})
if set(MISS_RULE) != set(MissKind):  # pragma: no cover - every kind has exactly one rule
    raise RuntimeError("a kind of wrong value without a rule, or with two")
