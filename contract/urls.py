"""RecordingStatusCallback is `format: "uri"`, read as RFC 3986 reads it: the kind of wrong
value a callback URL is (url_miss), and whether a URL lies in the domain (is_http_url).
Checked with the rfc3986 package; contract.terms re-exports both."""

from __future__ import annotations

import re

from rfc3986 import URIReference, abnf_regexp, misc, validators
from rfc3986.exceptions import ValidationError

from contract.misses import MISS_RULE, MissKind, Severity

HTTP_SCHEMES = ("http", "https")

# The URL grammar is RFC 3986's, checked with the rfc3986 package, whose own Validator is
# stricter than the RFC in places this module works around:
# - It refuses a port above 65535 (check_validity_of("port")) and cannot even parse one of
#   six digits or more (its authority pattern takes [0-9]{1,5}); the RFC's grammar is
#   `port = *DIGIT`. So the authority is split here, the port checked against *DIGIT, and
#   a port above 65535 is the kind PORT_RANGE: in the domain, refused only carefully.
# - It refuses a dotted quad with an octet above 255 and an empty userinfo, both of which
#   the RFC accepts (the first as a registered name): host and userinfo are matched here
#   against the RFC's rules, built from the package's ABNF.
# - Its uri_reference() percent-encodes path, query and fragment before they are checked,
#   so it lets a space or a bad %-escape through: the parts are checked as sent.
# - Its allow_schemes() compares case-sensitively; RFC 3986 schemes are case-insensitive.
_URI_WHITE_SPACE = " \t\n\r\f\v"
_URI_CHARACTERS = re.compile(  # every character RFC 3986 allows anywhere (§2)
    rf"(?:[{abnf_regexp.UNRESERVED_RE}{re.escape(abnf_regexp.GENERIC_DELIMITERS)}"
    rf"{abnf_regexp.SUB_DELIMITERS_RE}]|{abnf_regexp.PCT_ENCODED})*"
)
# authority = [ userinfo "@" ] host [ ":" port ]   (§3.2)
_AUTHORITY = re.compile(
    r"(?:(?P<userinfo>[^@]*)@)?(?P<host>\[[^\]]*\]|[^:@\[\]]*)(?::(?P<port>.*))?"
)
_USERINFO = re.compile(
    rf"(?:[{abnf_regexp.UNRESERVED_RE}{abnf_regexp.SUB_DELIMITERS_RE}:]|{abnf_regexp.PCT_ENCODED})*"
)
_REG_NAME = re.compile(abnf_regexp.REG_NAME)  # an IPv4address is also a reg-name, textually
_PORT = re.compile(r"[0-9]*")
_DEC_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_IPV4_ADDRESS = re.compile(rf"{_DEC_OCTET}(?:\.{_DEC_OCTET}){{3}}")
_NUMBER = re.compile(r"[0-9]+|0[xX][0-9A-Fa-f]*")  # WHATWG's "ends in a number"
_GRAMMAR = validators.Validator().check_validity_of("scheme", "path", "query", "fragment")


def url_miss(value: str) -> MissKind | None:
    """The kind of wrong value a callback URL is, or None for a plain absolute http(s) URL.

    A value with several flaws is of its firmest kind (a padded malformed URL is malformed).
    """
    if value == "":
        return MissKind.EMPTY
    if (stripped := value.strip(_URI_WHITE_SPACE)) != value:
        inner = url_miss(stripped)
        return inner if inner and MISS_RULE[inner].severity is Severity.MUST else MissKind.PADDED
    if not value.isascii():
        return MissKind.NON_ASCII
    if not _URI_CHARACTERS.fullmatch(value):
        return MissKind.MALFORMED
    ref = URIReference(**misc.URI_MATCHER.match(value).groupdict())  # split, not re-encoded
    if ref.scheme is None:
        return MissKind.RELATIVE
    try:
        _GRAMMAR.validate(ref)
    except ValidationError:
        return MissKind.MALFORMED
    parts = None if ref.authority is None else _AUTHORITY.fullmatch(ref.authority)
    if ref.authority is not None and not (
        parts
        and _USERINFO.fullmatch(parts["userinfo"] or "")
        and _PORT.fullmatch(parts["port"] or "")
        and (
            validators.host_is_valid(parts["host"])  # an IP literal, IPv6 or IPvFuture
            if parts["host"].startswith("[")
            else _REG_NAME.fullmatch(parts["host"])
        )
    ):
        return MissKind.MALFORMED
    if parts is None or not parts["host"]:
        return MissKind.NO_HOST
    if ref.scheme.lower() not in HTTP_SCHEMES:
        return MissKind.SCHEME
    host, port = parts["host"], parts["port"]
    if port and int(port) > 65535:
        return MissKind.PORT_RANGE
    if host.startswith("["):
        return MissKind.IP_LITERAL if host[1] in "vV" or "%" in host else None
    if "%" in host:
        return MissKind.ENCODED_HOST
    last_label = host.removesuffix(".").rpartition(".")[2]
    if _NUMBER.fullmatch(last_label) and not _IPV4_ADDRESS.fullmatch(host):
        return MissKind.NUMERIC_HOST
    return None


def is_http_url(value: str, careful: bool = False) -> bool:
    """What RFC 3986 accepts as an absolute URI with an http(s) scheme and a host; `careful`
    also refuses what URL parsers disagree on (the kinds of MISS_RULES in the domain)."""
    kind = url_miss(value)
    return kind is None or (not careful and MISS_RULE[kind].in_domain)
