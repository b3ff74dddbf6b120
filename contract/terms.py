"""The contract of "Create a Recording", as data: the one source of truth.

Everything else (strategies, checks, the emulator, the OpenAPI document and
the reports) reads this module; no enum, default or clause is spelled anywhere
else. Sentences quoted from the seed document (shared/seed/create-recording.txt)
are kept verbatim so that a report can show what a target broke.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Literal

from rfc3986 import URIReference, abnf_regexp, misc, validators
from rfc3986.exceptions import ValidationError

# 1.1.0: RecordingStatusCallback read by RFC 3986, parser-dependent URLs a SHOULD to refuse.
# 1.2.0: formats to the letter (RFC 2822 grammar and semantics, uuids whole, integral
# numbers integers; SCHEMA-UUID-CANONICAL, SCHEMA-INTEGER-LITERAL), CALLBACK-URL,
# AUTH-ACCOUNT-SID-EXACT.
# 1.3.0: REFUSED-CREATES-NOTHING, judged on the call's whole listing at the end of a run.
CONTRACT_VERSION = "1.3.0"
API_VERSION = "2010-04-01"
OPERATION = "POST {base}/Accounts/{AccountSid}/Calls/{CallSid}/Recordings.json"


class Severity(StrEnum):
    MUST = "MUST"
    SHOULD = "SHOULD"


class Family(StrEnum):
    SCHEMA = "schema"
    DEFAULTS = "defaults"
    ECHO = "echo"
    ENUMS = "enums"
    NULLS = "nulls"
    VALIDATION = "validation"
    ERRORS = "errors"
    IDENTITY = "identity"
    CALLS = "calls"
    AUTH = "auth"
    CALLBACKS = "callbacks"
    GENERIC = "generic"


class Source(StrEnum):
    SEED = "seed"  # the seed document says it
    VENDOR = "vendor"  # a fact the seed leaves out, taken from the vendor's reference
    DECISION = "decision"  # the contract is silent or ambiguous; the project decided


# --- request parameters -----------------------------------------------------

# The seed: channel/channels "Returns '1' for mono or '2' for stereo" (dual).
CHANNELS_BY_MODE = MappingProxyType({"mono": "1", "dual": "2"})
CALLBACK_EVENTS = ("completed", "in-progress", "absent")
IN_PROGRESS_EVENT = "in-progress"
TERMINAL_EVENTS = ("completed", "absent")


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


@dataclass(frozen=True)
class Parameter:
    name: str
    sentence: str
    domain: tuple[str, ...] = ()  # empty: free-form (see `format`)
    default: str | None = None
    multi: bool = False  # a space-separated list of domain values
    format: Literal["uri"] | None = None

    def accepts(self, raw: str, careful: bool = False) -> bool:
        """Whether one sent value of this parameter lies in its domain: an enum's values
        exactly; for a URL, what RFC 3986 accepts as an absolute URI with an http(s)
        scheme and a host. No MUST asks a target to refuse such a value. `careful` leaves
        out what only a careful implementation refuses (MissRule.in_domain): what every
        reading accepts, so what VALID-ACCEPTED may ask a target to accept."""
        if self.format == "uri":
            return is_http_url(raw, careful)
        if self.multi:
            return all(token in self.domain for token in raw.split(" "))
        return raw in self.domain

    def miss(self, raw: str) -> MissKind | None:
        """The kind of wrong value `raw` is for this parameter (None: in the domain, as
        every reading has it). An enum value that only normalising (case, white space,
        commas) would admit is of a lenient kind; any other wrong one is unknown."""
        if self.format == "uri":
            return url_miss(raw)
        if self.accepts(raw):
            return None
        if raw == "":
            return MissKind.EMPTY
        tokens = raw.replace(",", " ").split() if self.multi else [raw.strip()]
        folded = {v.casefold() for v in self.domain}
        if tokens and all(t in self.domain for t in tokens):
            return MissKind.SEPARATOR if "," in raw else MissKind.PADDED
        if tokens and all(t.casefold() in folded for t in tokens):
            return MissKind.CASE
        return MissKind.UNKNOWN

    @property
    def shape(self) -> ValueShape:
        return "url" if self.format == "uri" else "enum"

    @property
    def slug(self) -> str:
        """RecordingStatusCallbackMethod -> RECORDING-STATUS-CALLBACK-METHOD."""
        out = "".join(f"-{c}" if c.isupper() and i else c for i, c in enumerate(self.name))
        return out.upper()


PARAMETERS: tuple[Parameter, ...] = (
    Parameter(
        "RecordingChannels",
        "The number of channels in the recording. Can be mono (both legs of call recorded "
        "under one channel into one recording file) or dual (each leg of call recorded in "
        "separate channels into one recording file). Default is mono.",
        domain=tuple(CHANNELS_BY_MODE),
        default="mono",
    ),
    Parameter(
        "RecordingStatusCallback",
        "The URL to request to when recording is available.",
        format="uri",
    ),
    Parameter(
        "RecordingStatusCallbackEvent",
        "The different recording statuses. To specify multiple events, separate with a "
        "space. Valid values: completed, in-progress, absent. Default is completed.",
        domain=CALLBACK_EVENTS,
        default="completed",
        multi=True,
    ),
    Parameter(
        "RecordingStatusCallbackMethod",
        "Whether the request to RecordingStatusCallback URL is a GET or a POST. Default is POST.",
        domain=("GET", "POST"),
        default="POST",
    ),
    Parameter(
        "RecordingTrack",
        "Specifies whether to record the inbound audio to SignalWire from the called party "
        "or the outbound audio from SignalWire to the called party or both the inbound and "
        "outbound audio. Default is both.",
        domain=("inbound", "outbound", "both"),
        default="both",
    ),
    Parameter(
        "Trim",
        "Whether leading and trailing silence is trimmed from a recording. Default is do-not-trim.",
        # The seed calls Trim an enum and names only its default.
        domain=("trim-silence", "do-not-trim"),
        default="do-not-trim",
    ),
)
PARAMETER = MappingProxyType({p.name: p for p in PARAMETERS})

# --- response fields --------------------------------------------------------

JsonType = Literal["string", "integer", "object"]
FieldFormat = Literal["uuid", "rfc2822"] | None

RECORDING_SOURCES = (
    "DialVerb",
    "Conference",
    "OutBoundApi",
    "Trunking",
    "RecordVerb",
    "StartCallRecordingApi",
    "StartConferenceRecording",
)
RECORDING_STATUSES = (
    "queued",
    "in-progress",
    "paused",
    "resumed",
    "completed",
    "absent",
    "stopped",
)
# What a recording just started through this endpoint reports (decisions, see STARTED-*).
STARTED_STATUSES = ("in-progress", "queued")
API_RECORDING_SOURCE = "StartCallRecordingApi"
# What the update endpoint accepts in Status (used to end recordings).
UPDATE_STATUSES = ("paused", "in-progress", "stopped")
STOP_STATUS = "stopped"

# --- listing a call's recordings ---------------------------------------------
# How a client reads GET .../Calls/{CallSid}/Recordings.json, the listing that shows what
# a refused create left behind. Lists of this API family are paged (vendor facts):
# - PageSize: "The default is 50, and the maximum is 1000", minimum 1 (Twilio's OpenAPI
#   description of the call recordings list, operation listCallRecording; twilio-python
#   6.54 `RecordingList.stream`: "the default value of 50 records ... min(limit, 1000)").
# - Each page carries uri, first_page_uri, next_page_uri (null on the last page),
#   previous_page_uri, page (zero-based) and page_size; next_page_uri adds Page and
#   PageToken (SignalWire, https://signalwire.com/docs/compatibility-api/rest/paging;
#   Twilio adds start and end). Those URIs are paths on the API's host, with the API's
#   prefix ("/api/laml/2010-04-01/Accounts/..."): twilio-python's Page.next_page_url joins
#   next_page_uri to the domain's base URL (twilio/base/page.py, domain.absolute_url).
# - Recordings are listed newest first, by date_created (Twilio's recording list).
LIST_KEY = "recordings"
PAGE_SIZE_PARAM, PAGE_PARAM, PAGE_TOKEN_PARAM = "PageSize", "Page", "PageToken"
PAGE_SIZE_DEFAULT = 50
PAGE_SIZE_MAX = 1000
NEXT_PAGE_FIELD = "next_page_uri"
PAGE_FIELDS = ("uri", "first_page_uri", NEXT_PAGE_FIELD, "previous_page_uri", "page", "page_size")


@dataclass(frozen=True)
class ResponseField:
    name: str
    json_type: JsonType
    sentence: str
    nullable: bool = False
    format: FieldFormat = None
    enum: tuple[str, ...] = ()
    always_null: bool = False


RESPONSE_FIELDS: tuple[ResponseField, ...] = (
    ResponseField("sid", "string", "The unique identifier for the recording.", format="uuid"),
    ResponseField(
        "account_sid",
        "string",
        "The unique identifier for the account that is associated with this recording.",
        format="uuid",
    ),
    ResponseField("api_version", "string", "The version of the SignalWire API."),
    ResponseField(
        "call_sid",
        "string",
        "The unique identifier for the call that is associated with this recording. "
        "Null if this is a conference recording.",
        nullable=True,
        format="uuid",
    ),
    ResponseField(
        "conference_sid",
        "string",
        "The unique identifier for the conference that is associated with this recording. "
        "Null if this is a call recording.",
        nullable=True,
        format="uuid",
    ),
    ResponseField(
        "channel",
        "string",
        "The number of channels in a recording (singular key). Returns '1' for mono or "
        "'2' for stereo.",
        enum=tuple(CHANNELS_BY_MODE.values()),
    ),
    ResponseField(
        "channels",
        "string",
        "The number of channels in a recording. Returns '1' for mono or '2' for stereo.",
        enum=tuple(CHANNELS_BY_MODE.values()),
    ),
    ResponseField(
        "date_created",
        "string",
        "The date, in RFC 2822 format, this recording was created.",
        format="rfc2822",
    ),
    ResponseField(
        "date_updated",
        "string",
        "The date, in RFC 2822 format, this recording was updated.",
        format="rfc2822",
    ),
    ResponseField(
        "start_time",
        "string",
        "The time, in RFC 2822 format, this recording started.",
        nullable=True,
        format="rfc2822",
    ),
    ResponseField(
        "end_time",
        "string",
        "The time, in RFC 2822 format, this recording ended.",
        nullable=True,
        format="rfc2822",
    ),
    ResponseField("duration", "integer", "The length, in seconds, of the recording."),
    ResponseField("price", "string", "The cost for the recording.", nullable=True),
    ResponseField("price_unit", "string", "The currency of the price of the recording."),
    ResponseField("source", "string", "How the recording was made.", enum=RECORDING_SOURCES),
    ResponseField("status", "string", "The status of the recording.", enum=RECORDING_STATUSES),
    ResponseField(
        "error_code", "string", "Further details about a failed recording.", nullable=True
    ),
    ResponseField("uri", "string", "The URI of the recording."),
    ResponseField("subresource_uris", "object", "Subresource URIs."),
    ResponseField(
        "encryption_details",
        "string",
        "Encryption details. Always null.",
        nullable=True,
        always_null=True,
    ),
    ResponseField(
        "trim", "string", "Whether leading and trailing silence is trimmed from a recording."
    ),
)
RESPONSE_FIELD = MappingProxyType({f.name: f for f in RESPONSE_FIELDS})
# The integers every JSON parser reads exactly (RFC 8259 §6): [-(2**53)+1, (2**53)-1].
MAX_EXACT_INTEGER = 2**53 - 1

# --- errors and callbacks ---------------------------------------------------

# Every refusal carries this JSON body; `status` repeats the HTTP status.
ERROR_FIELDS = MappingProxyType(
    {"code": "integer", "message": "string", "more_info": "string", "status": "integer"}
)
# Form fields of a recording status callback, and the recording field each mirrors.
CALLBACK_FIELDS = MappingProxyType(
    {
        "AccountSid": "account_sid",
        "CallSid": "call_sid",
        "RecordingSid": "sid",
        "RecordingChannels": "channels",
        "RecordingStatus": "status",
        "RecordingDuration": "duration",
        "RecordingSource": "source",
        "RecordingUrl": "uri",
    }
)
# The ones a delivery must agree with the recording on, whatever its timing.
CALLBACK_IDENTITY_FIELDS = ("AccountSid", "CallSid", "RecordingSid", "RecordingChannels")

# --- clauses -----------------------------------------------------------------


@dataclass(frozen=True)
class Clause:
    id: str
    family: Family
    severity: Severity
    sentence: str  # what the contract says, as the report shows it
    source: Source = Source.SEED
    reason: str = ""  # for decisions: why this reading
    testable: bool = True  # False: nothing a client can observe enforces it


def _response_sentence(*names: str) -> str:
    return " ".join(f"{n}: {RESPONSE_FIELD[n].sentence}" for n in names)


def _kinds(severity: Severity, shape: ValueShape | None = None) -> list[str]:
    return [
        r.kind
        for r in MISS_RULES
        if r.severity is severity and (shape is None or shape in r.applies_to)
    ]


_UUID_FIELDS = tuple(f.name for f in RESPONSE_FIELDS if f.format == "uuid")
_INTEGER_FIELDS = tuple(f.name for f in RESPONSE_FIELDS if f.json_type == "integer")
_DATE_FIELDS = tuple(f.name for f in RESPONSE_FIELDS if f.format == "rfc2822")
_ENUM_FIELDS = tuple(f.name for f in RESPONSE_FIELDS if f.enum)
_M, _S = Severity.MUST, Severity.SHOULD

_CLAUSES: list[Clause] = [
    # schema
    Clause(
        "SCHEMA-FIELDS",
        Family.SCHEMA,
        _M,
        f"The response has all {len(RESPONSE_FIELDS)} fields: "
        + ", ".join(f.name for f in RESPONSE_FIELDS)
        + ".",
    ),
    Clause(
        "SCHEMA-TYPES",
        Family.SCHEMA,
        _M,
        "Each field has its JSON type (string, integer, object), and only the fields the "
        "contract marks 'or null' may be null. An integer is a JSON number with no "
        "fractional part, as every reading of 'integer' has it.",
    ),
    Clause(
        "SCHEMA-INTEGER-LITERAL",
        Family.SCHEMA,
        _S,
        f"{', '.join(_INTEGER_FIELDS)} is written as an integer: no fraction or exponent "
        f"(5, not 5.0 or 5e0), within ±{MAX_EXACT_INTEGER} (RFC 8259 §6).",
        source=Source.DECISION,
        reason="JSON Schema since draft 6 (and OpenAPI 3.1) counts 5.0 as an integer, the "
        "schema dialect of OpenAPI 3.0 does not; typed clients that read the field into an "
        "int may fail on it, and RFC 8259 §6 warns that integers past 2^53-1 lose "
        "precision in many parsers.",
    ),
    Clause(
        "SCHEMA-UUID",
        Family.SCHEMA,
        _M,
        f'{", ".join(_UUID_FIELDS)} are strings of format "uuid": RFC 4122 §3\'s string '
        "representation, 8-4-4-4-12 hexadecimal digits and nothing before or after.",
    ),
    Clause(
        "SCHEMA-UUID-CANONICAL",
        Family.SCHEMA,
        _S,
        f"{', '.join(_UUID_FIELDS)} are uuids in canonical form: hexadecimal digits in "
        "lower case (RFC 4122 §3: they 'are output as lower case characters').",
        source=Source.DECISION,
        reason="RFC 4122 reads the digits case-insensitively on input and JSON Schema's "
        "format uuid accepts either case, so an upper-case uuid is a uuid; lower case is how "
        "RFC 4122 says to write one, and clients that compare sids as strings rely on it.",
    ),
    Clause(
        "SCHEMA-RFC2822",
        Family.SCHEMA,
        _M,
        _response_sentence(*_DATE_FIELDS)
        + " (RFC 2822 §3.3 to the letter: its grammar, none of the obsolete forms §4 says "
        "MUST NOT be generated, such as a two-digit year or an alphabetic zone; and a valid "
        "date: the day-of-week, when present, the day the date implies, the day within its "
        "month, the time within 00:00:00-23:59:60, the zone within -9959..+9959.)",
    ),
    Clause(
        "SCHEMA-JSON",
        Family.SCHEMA,
        _M,
        "The request has succeeded: the response is a JSON object (application/json).",
    ),
    # defaults
    Clause(
        "DEFAULT-CHANNELS",
        Family.DEFAULTS,
        _M,
        PARAMETER["RecordingChannels"].sentence,
    ),
    Clause(
        "DEFAULT-TRIM",
        Family.DEFAULTS,
        _M,
        PARAMETER["Trim"].sentence,
        reason="Some vendor pages give trim-silence as the default; the seed says "
        "do-not-trim, and the seed wins.",
    ),
    Clause(
        "DEFAULT-TRACK",
        Family.DEFAULTS,
        _M,
        PARAMETER["RecordingTrack"].sentence,
        testable=False,
        reason="No response field or callback field reports the track, so no client can "
        "observe the default.",
    ),
    # echo and consistency
    Clause(
        "ECHO-CHANNELS",
        Family.ECHO,
        _M,
        _response_sentence("channels") + " (mono and dual as requested in RecordingChannels)",
    ),
    Clause(
        "ECHO-CHANNEL",
        Family.ECHO,
        _M,
        _response_sentence("channel") + " (mono and dual as requested in RecordingChannels)",
    ),
    Clause(
        "CONSISTENT-CHANNEL-KEYS",
        Family.ECHO,
        _M,
        "channel and channels report the same number of channels (the singular key is an alias).",
    ),
    Clause(
        "ECHO-TRIM",
        Family.ECHO,
        _M,
        _response_sentence("trim") + " (as requested in Trim)",
    ),
    Clause(
        "ECHO-CALL-SID",
        Family.ECHO,
        _M,
        _response_sentence("call_sid") + " (the call named in the path)",
    ),
    Clause(
        "ECHO-ACCOUNT-SID",
        Family.ECHO,
        _M,
        _response_sentence("account_sid") + " (the account named in the path)",
    ),
    Clause(
        "ECHO-URI",
        Family.ECHO,
        _M,
        _response_sentence("uri") + " (an absolute URI or an absolute path, whose last "
        "segment names this recording's sid, under this account: a relative path would "
        "resolve against the request's URL, under the call)",
    ),
    Clause(
        "ECHO-API-VERSION",
        Family.ECHO,
        _S,
        _response_sentence("api_version") + f" ({API_VERSION}, the version in the path)",
        source=Source.DECISION,
        reason="The seed does not give the value; the only version the path admits is "
        f"{API_VERSION}.",
    ),
    # enums
    *(
        Clause(
            f"ENUM-{name.upper().replace('_', '-')}",
            Family.ENUMS,
            _M,
            _response_sentence(name) + f" One of: {', '.join(RESPONSE_FIELD[name].enum)}.",
            source=Source.SEED if name.startswith("channel") else Source.VENDOR,
        )
        for name in _ENUM_FIELDS
    ),
    # nulls
    Clause(
        "NULL-CALL-SID",
        Family.NULLS,
        _M,
        _response_sentence("call_sid") + " A call recording therefore has a call_sid.",
    ),
    Clause(
        "NULL-CONFERENCE-SID",
        Family.NULLS,
        _M,
        _response_sentence("conference_sid"),
    ),
    Clause(
        "NULL-ENCRYPTION-DETAILS",
        Family.NULLS,
        _M,
        _response_sentence("encryption_details"),
    ),
    # decisions about a just-started recording
    Clause(
        "STARTED-STATUS",
        Family.ENUMS,
        _S,
        "A recording just started through this endpoint reports status "
        + " or ".join(STARTED_STATUSES)
        + ".",
        source=Source.DECISION,
        reason="The seed lists no initial status; in-progress is what both the vendor's "
        "callback events and Twilio report at start, queued is tolerated.",
    ),
    Clause(
        "STARTED-DURATION",
        Family.SCHEMA,
        _S,
        "A just-started recording reports a duration of zero or more seconds.",
        source=Source.DECISION,
        reason="duration is an integer length in seconds; Twilio's -1 for 'unknown yet' "
        "is not a length.",
    ),
    Clause(
        "STARTED-SOURCE",
        Family.ENUMS,
        _S,
        f"A recording started through this endpoint reports source {API_RECORDING_SOURCE}.",
        source=Source.DECISION,
        reason="The seed says only 'How the recording was made'; of the vendor's sources, "
        "this is the one that names this endpoint.",
    ),
    # request validation
    Clause(
        "VALID-ACCEPTED",
        Family.VALIDATION,
        _M,
        "Every combination of parameters, each omitted or any value of its domain, is "
        "accepted: the request has succeeded (2xx).",
    ),
    Clause(
        "SUCCESS-STATUS-200",
        Family.VALIDATION,
        _S,
        "The request has succeeded: HTTP 200.",
        source=Source.DECISION,
        reason="The seed's only response is 'The request has succeeded', which is 200; "
        "Twilio answers 201 Created, so 201 passes VALID-ACCEPTED and fails only this.",
    ),
    *(
        Clause(
            f"REJECT-{p.slug}",
            Family.VALIDATION,
            _M,
            p.sentence
            + (" A value outside this domain is refused (4xx)." if p.domain else "")
            + (
                " A value RFC 3986 does not accept as an absolute URI with a host is refused "
                f"(4xx): {', '.join(_kinds(_M, 'url'))}."
                if p.format == "uri"
                else ""
            ),
        )
        for p in PARAMETERS
    ),
    Clause(
        "REJECT-NEAR-MISS",
        Family.VALIDATION,
        _S,
        "Enum values are exact, and a callback URL is a plain http(s) URL that URL parsers "
        f"read alike. Refused (4xx): {', '.join(_kinds(_S))}.",
        source=Source.DECISION,
        reason="The seed's domains are spelled exactly, but some vendors normalise case or "
        "white space, and RFC 3986 accepts URLs that parsers read differently: refusing "
        "these is a SHOULD, never a MUST (the contract's rule of each kind says why).",
    ),
    Clause(
        "EVENTS-SPACE-SEPARATED",
        Family.VALIDATION,
        _M,
        PARAMETER["RecordingStatusCallbackEvent"].sentence,
    ),
    Clause(
        "EVENTS-REPEATED-FIELDS",
        Family.VALIDATION,
        _S,
        "Several events may also be sent as repeated RecordingStatusCallbackEvent fields.",
        source=Source.DECISION,
        reason="The seed speaks only of spaces, but Twilio-compatible SDKs (including the "
        "vendor's own) send one form field per event.",
    ),
    Clause(
        "UNKNOWN-PARAMS-IGNORED",
        Family.VALIDATION,
        _S,
        "A parameter the contract does not name is ignored.",
        source=Source.DECISION,
        reason="Twilio-compatible APIs ignore unknown form fields, which lets one client "
        "talk to several versions; refusing them is not a contract breach worth a MUST.",
    ),
    Clause(
        "PATH-SUFFIX-JSON",
        Family.VALIDATION,
        _M,
        f"The operation is {OPERATION}: the .json suffix is part of the path.",
        source=Source.DECISION,
        reason="The seed's path ends in .json; serving the bare path as well is allowed "
        "and not checked (use --path-suffix '' for targets that route only without it). "
        "Every request of the suite exercises it, so no check stands for it alone.",
        testable=False,
    ),
    # errors
    Clause(
        "ERROR-SHAPE",
        Family.ERRORS,
        _M,
        "A refusal is a JSON object with code (integer), message (string), more_info "
        "(string) and status (integer).",
        source=Source.VENDOR,
    ),
    Clause(
        "ERROR-STATUS-MATCH",
        Family.ERRORS,
        _M,
        "A refusal's status field equals its HTTP status.",
        source=Source.VENDOR,
    ),
    Clause(
        "NO-SERVER-ERROR",
        Family.ERRORS,
        _M,
        "No request, valid or not, is answered with a 5xx.",
        source=Source.DECISION,
        reason="A 5xx says the implementation failed, not that the request was wrong.",
    ),
    # identity
    Clause(
        "IDENTITY-UNIQUE-SID",
        Family.IDENTITY,
        _M,
        _response_sentence("sid") + " No two recordings share a sid.",
    ),
    Clause(
        "IDENTITY-FETCH",
        Family.IDENTITY,
        _M,
        "Fetching the recording by its sid returns the same resource.",
    ),
    # calls
    Clause(
        "CALL-UNKNOWN-404",
        Family.CALLS,
        _M,
        "A recording is created on an existing call: an unknown CallSid is refused with 404.",
        source=Source.VENDOR,
    ),
    Clause(
        "CALL-MALFORMED-4XX",
        Family.CALLS,
        _M,
        "A CallSid that is not a uuid is refused (400 or 404).",
        source=Source.VENDOR,
    ),
    # auth
    Clause(
        "AUTH-MISSING-401",
        Family.AUTH,
        _M,
        "A request without credentials is refused with 401 and creates nothing.",
        source=Source.VENDOR,
    ),
    Clause(
        "AUTH-WRONG-TOKEN-401",
        Family.AUTH,
        _M,
        "A request with a wrong API token is refused with 401 and creates nothing.",
        source=Source.VENDOR,
    ),
    Clause(
        "AUTH-OTHER-ACCOUNT-401",
        Family.AUTH,
        _M,
        "Credentials of one account do not act on another account's path: 401, and "
        "nothing is created.",
        source=Source.VENDOR,
    ),
    Clause(
        "AUTH-ACCOUNT-SID-EXACT",
        Family.AUTH,
        _S,
        "The user name of the credentials is the account SID as the account spells it: "
        "the same SID with its letters in another case is refused with 401.",
        source=Source.DECISION,
        reason="RFC 4122 reads a uuid's hex digits case-insensitively on input, so a server "
        "that matches the SID ignoring case still checks this account's own token; but "
        "Basic authentication (RFC 7617) sends the user-id as it is, and a comparison "
        "lenient about it is where near-miss authentication bugs live.",
    ),
    Clause(
        "REFUSED-CREATES-NOTHING",
        Family.ERRORS,
        _M,
        "A refused request (4xx) creates nothing: every recording the call holds after a "
        "run was there before it, or was returned by a create the target accepted.",
        # The vendor's reference answers a create it does not carry out with 400 ("The
        # request was invalid or cannot be processed"), 401 ("Authentication failed"), 404
        # ("The requested resource was not found") or 422 ("The request could not be
        # processed"): ../shared/vendor's create_recording responses. RFC 9110 §15.5 reads
        # each the same way (400: "will not process the request"; 401: "has not been
        # applied"). A client so refused holds no sid to stop what was started.
        source=Source.VENDOR,
    ),
    # callbacks
    Clause(
        "CALLBACK-EVENTS",
        Family.CALLBACKS,
        _M,
        PARAMETER["RecordingStatusCallbackEvent"].sentence
        + " Callbacks arrive for exactly the requested events that occur, once each.",
    ),
    Clause(
        "CALLBACK-DEFAULT-EVENT",
        Family.CALLBACKS,
        _M,
        "RecordingStatusCallbackEvent: Default is completed.",
    ),
    Clause(
        "CALLBACK-METHOD",
        Family.CALLBACKS,
        _M,
        PARAMETER["RecordingStatusCallbackMethod"].sentence
        + " GET carries the payload as query parameters, POST as a form body.",
    ),
    Clause(
        "CALLBACK-DEFAULT-METHOD",
        Family.CALLBACKS,
        _M,
        "RecordingStatusCallbackMethod: Default is POST.",
    ),
    Clause(
        "CALLBACK-URL",
        Family.CALLBACKS,
        _M,
        PARAMETER["RecordingStatusCallback"].sentence
        + " A status callback requests exactly that URL: its path and query as given, byte "
        "for byte (percent-encodings equivalent under RFC 3986 §6.2.2 aside); a GET adds its "
        "payload to the query, beside the parameters already there.",
        source=Source.DECISION,
        reason="The seed says only 'the URL to request to'; a URL with its query dropped, "
        "reordered or re-encoded names another resource (RFC 3986 §6), and receivers that "
        "validate request signatures compute them over the URL as given.",
    ),
    Clause(
        "CALLBACK-PAYLOAD",
        Family.CALLBACKS,
        _M,
        "A status callback's "
        + ", ".join(CALLBACK_IDENTITY_FIELDS)
        + " agree with the recording it reports, and its RecordingUrl ('The URL for the "
        "audio recording') is an absolute http(s) URL: a receiver has no base to resolve "
        "a relative one against.",
        source=Source.VENDOR,
    ),
    # generic, through schemathesis on the project's OpenAPI document
    Clause(
        "GENERIC-OPENAPI",
        Family.GENERIC,
        _M,
        "Responses conform to the OpenAPI document derived from this contract: declared "
        "status codes, content type and response schema; no server errors; valid data "
        "accepted and invalid data refused.",
        source=Source.DECISION,
        reason="The generic checks of schemathesis, run on the project's own document, "
        "complement the semantic ones.",
    ),
]

CLAUSES: tuple[Clause, ...] = tuple(_CLAUSES)
CLAUSE = MappingProxyType({c.id: c for c in CLAUSES})
if len(CLAUSE) != len(CLAUSES):  # pragma: no cover - guards the catalog's stable IDs
    raise RuntimeError("duplicate clause id in the contract")

# Every clause with a reason is a reading the project chose; the README lists them.
DECISIONS: tuple[Clause, ...] = tuple(c for c in CLAUSES if c.reason)


def reject_clause(parameter: str) -> Clause:
    return CLAUSE[f"REJECT-{PARAMETER[parameter].slug}"]


def refusal_clause(parameter: str, kind: MissKind) -> Clause:
    """The clause a target breaks by accepting a value of this kind for this parameter."""
    if MISS_RULE[kind].severity is Severity.SHOULD:
        return CLAUSE["REJECT-NEAR-MISS"]
    return reject_clause(parameter)


def enum_clause(field_name: str) -> Clause:
    return CLAUSE[f"ENUM-{field_name.upper().replace('_', '-')}"]


# The clauses named by role, not through a parameter or a field: the one a 5xx breaks
# whatever else was judged, and the ones the identity probes are sent for.
SERVER_ERROR = CLAUSE["NO-SERVER-ERROR"]
UNKNOWN_CALL = CLAUSE["CALL-UNKNOWN-404"]
MALFORMED_CALL = CLAUSE["CALL-MALFORMED-4XX"]
MISSING_CREDENTIALS = CLAUSE["AUTH-MISSING-401"]
WRONG_TOKEN = CLAUSE["AUTH-WRONG-TOKEN-401"]
OTHER_ACCOUNT = CLAUSE["AUTH-OTHER-ACCOUNT-401"]
ACCOUNT_SID_EXACT = CLAUSE["AUTH-ACCOUNT-SID-EXACT"]
REFUSED_CREATES_NOTHING = CLAUSE["REFUSED-CREATES-NOTHING"]


def decisions_markdown() -> str:
    """The README's table of decisions, then the rule of each kind of wrong value,
    generated so the two cannot drift."""
    rows = ["| clause | severity | decision | why |", "| --- | --- | --- | --- |"]
    rows += [f"| `{c.id}` | {c.severity} | {c.sentence} | {c.reason} |" for c in DECISIONS]
    rows += [
        "",
        "The rule of each kind of wrong value: a target that accepts one of a MUST kind breaks "
        "its parameter's `REJECT-*` clause, one of a SHOULD kind `REJECT-NEAR-MISS`. A kind "
        "*in the domain* is one RFC 3986 accepts though URL parsers disagree on it: "
        "`Parameter.accepts` takes it, `Parameter.accepts(careful=True)` does not, and "
        "accepting it breaks no MUST.",
        "",
        "| wrong value | of | in the domain | refusing it is | why |",
        "| --- | --- | --- | --- | --- |",
    ]
    rows += [
        f"| {r.kind} | {', '.join(_SHAPE_NAMES[s] for s in r.applies_to)} | "
        f"{'yes' if r.in_domain else 'no'} | {r.severity} | {r.reason} |"
        for r in MISS_RULES
    ]
    return "\n".join(rows)


_SHAPE_NAMES: dict[ValueShape, str] = {"enum": "enums", "url": "URLs"}
