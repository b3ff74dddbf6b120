"""Invalid requests: one parameter wrong at a time, or several at once.

Each wrong value is a `Miss` of a named kind. The deterministic catalogue
(`near_misses`) gives one of each kind per parameter, the Hypothesis strategies
add generated ones; both are constructive, so nothing valid is ever filtered out.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from contract.forms import Form
from contract.terms import (
    MISS_RULE,
    PARAMETER,
    PARAMETERS,
    RECORDING_STATUSES,
    Clause,
    MissKind,
    Parameter,
    Severity,
    refusal_clause,
    url_miss,
)
from strategies.covering import CALLBACK
from strategies.forms import build_form
from strategies.valid import valid_forms

# Kinds whose refusal is only a SHOULD (REJECT-NEAR-MISS), as the contract's rules say.
LENIENT_KINDS = frozenset(k for k, rule in MISS_RULE.items() if rule.severity is Severity.SHOULD)
# Plausible words from neighbouring APIs, none in any domain here.
_SYNONYMS = ("stereo", "PUT", "true", "none", "2")


@dataclass(frozen=True)
class Miss:
    parameter: str
    value: str
    kind: MissKind

    @property
    def clause(self) -> Clause:
        return refusal_clause(self.parameter, self.kind)

    def describe(self) -> str:
        return f"{self.parameter}={self.value!r} ({self.kind})"


@dataclass(frozen=True)
class InvalidRequest:
    form: Form
    misses: tuple[Miss, ...]

    @property
    def clause(self) -> Clause:
        """The strictest clause broken if this request is accepted."""
        strict = [m for m in self.misses if m.kind not in LENIENT_KINDS]
        return (strict or list(self.misses))[0].clause


def _near_enum(p: Parameter) -> list[tuple[str, MissKind]]:
    first = p.domain[0]
    folded = {v.casefold() for v in p.domain}
    case = first.upper() if first.upper() != first else first.lower()
    others = [v for q in PARAMETERS if q is not p for v in q.domain if v.casefold() not in folded]
    out = [
        (first + "x", MissKind.UNKNOWN),
        (others[0], MissKind.NEIGHBOUR),
        *((s, MissKind.NEIGHBOUR) for s in _SYNONYMS if s.casefold() not in folded),
        (first * 200, MissKind.LONG),
        (first[:-1] + "é", MissKind.NON_ASCII),
        (case, MissKind.CASE),
        (f" {first} ", MissKind.PADDED),
        ("", MissKind.EMPTY),
    ]
    if p.multi:
        second = p.domain[1]
        out += [
            (f"{first} bogus", MissKind.UNKNOWN),
            (
                first.replace("-", "_") if "-" in first else p.domain[1].replace("-", "_"),
                MissKind.UNKNOWN,
            ),
            *((s, MissKind.NEIGHBOUR) for s in RECORDING_STATUSES if s not in p.domain),
            (f"{first},{second}", MissKind.SEPARATOR),
            (f"{first}  {second}", MissKind.PADDED),
        ]
    return out


_URL_MISSES = (
    ("/recording-status", MissKind.RELATIVE),
    ("recording-status", MissKind.RELATIVE),
    ("http//example.com/cb", MissKind.RELATIVE),
    ("http://", MissKind.NO_HOST),
    ("http:/recording-status", MissKind.NO_HOST),
    ("http://exa mple.com/cb", MissKind.MALFORMED),
    ("http://example.com:8o/cb", MissKind.MALFORMED),
    ("https://exämple.com/cb", MissKind.NON_ASCII),
    ("ftp://example.com/cb", MissKind.SCHEME),
    (" https://example.com/cb ", MissKind.PADDED),
    ("", MissKind.EMPTY),
    # RFC 3986 accepts these (they lie in the domain); parsers disagree on them.
    ("http://example.com:99999/cb", MissKind.PORT_RANGE),
    ("http://256.0.0.1/cb", MissKind.NUMERIC_HOST),
    ("http://[v1.fe]/cb", MissKind.IP_LITERAL),
    ("http://ex%61mple.com/cb", MissKind.ENCODED_HOST),
)


def near_misses(parameter: Parameter) -> tuple[Miss, ...]:
    """One wrong value per kind that applies to the parameter, MUST kinds first."""
    pairs = list(_URL_MISSES) if parameter.format == "uri" else _near_enum(parameter)
    misses = [Miss(parameter.name, value, kind) for value, kind in pairs]
    # The contract guards the catalogue: each miss is of a kind that applies to the
    # parameter, careful implementations refuse it, and it lies in the domain exactly when
    # its kind's rule says so (for a URL, the contract also names its kind).
    for m in misses:
        rule = MISS_RULE[m.kind]
        assert parameter.shape in rule.applies_to, m.describe()
        assert parameter.accepts(m.value) == rule.in_domain, m.describe()
        assert not parameter.accepts(m.value, careful=True), m.describe()
        assert parameter.format != "uri" or url_miss(m.value) is m.kind, m.describe()
    return tuple(sorted(misses, key=lambda m: m.kind in LENIENT_KINDS))


# Characters in no domain value (nor white space): any string holding one is foreign.
_FOREIGN = "0123456789_!#*é中"
_ASCII_TEXT = st.text(alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-", max_size=20)


def foreign_values(parameter: Parameter) -> st.SearchStrategy[Miss]:
    """Generated wrong values that no reading of the domain could accept."""
    if parameter.format == "uri":
        # No colon, so never an absolute URL.
        values = st.builds(lambda a, b: f"/{a}/{b}", _ASCII_TEXT, _ASCII_TEXT)
        return values.map(lambda v: Miss(parameter.name, v, MissKind.RELATIVE))
    values = st.builds(
        lambda a, c, b: a + c + b, _ASCII_TEXT, st.sampled_from(_FOREIGN), _ASCII_TEXT
    )
    return values.map(lambda v: Miss(parameter.name, v, MissKind.UNKNOWN))


def invalid_values(parameter: Parameter) -> st.SearchStrategy[Miss]:
    return st.one_of(st.sampled_from(near_misses(parameter)), foreign_values(parameter))


@st.composite
def invalid_requests(
    draw: st.DrawFn,
    max_wrong: int = 3,
    callback_urls: st.SearchStrategy[str] | None = None,
) -> InvalidRequest:
    """A valid body with 1..max_wrong parameters made wrong; shrinks to one wrong value."""
    wrong = draw(st.lists(st.sampled_from(PARAMETERS), min_size=1, max_size=max_wrong, unique=True))
    misses = tuple(draw(invalid_values(p)) for p in wrong)
    wrong_names = {m.parameter for m in misses}
    base = draw(valid_forms(callback_urls=callback_urls))
    form = tuple(pair for pair in base if pair[0] not in wrong_names)
    form += tuple((m.parameter, m.value) for m in misses)
    return InvalidRequest(form, misses)


def one_wrong(miss: Miss) -> InvalidRequest:
    return InvalidRequest(((miss.parameter, miss.value),), (miss,))


# The company a probe keeps: nothing but what it must send, or every other parameter.
ALONE = "alone"
OFF_DEFAULT = "off-default"


def off_default_form(callback_url: str = CALLBACK) -> Form:
    """Every parameter sent, each at a value off its default: the first other value of
    its domain, the events other than the default, a callback URL. Valid, and on the
    paths a bare request does not take (dual channels, a trim, GET callbacks...), where
    a server that validates a parameter on some paths only lets a wrong value through."""
    values: dict[str, str | None] = {}
    events: list[str] = []
    for p in PARAMETERS:
        off = [v for v in p.domain if v != p.default]
        if p.multi:
            events = off
        else:
            values[p.name] = off[0] if p.domain else callback_url
    return build_form(values, events)


def in_company(form: Form, callback_url: str = CALLBACK) -> Form:
    """The form beside the off-default company: each parameter it sends keeps its own
    value(s), in its place; every other parameter is sent off its default."""
    own = {k for k, _ in form}
    out: list[tuple[str, str]] = []
    for k, v in off_default_form(callback_url):
        if k not in own:
            out.append((k, v))
        elif not any(name == k for name, _ in out):
            out += [(name, value) for name, value in form if name == k]
    return (*out, *((k, v) for k, v in form if k not in PARAMETER))


__all__ = [
    "ALONE",
    "OFF_DEFAULT",
    "PARAMETER",
    "InvalidRequest",
    "Miss",
    "MissKind",
    "foreign_values",
    "in_company",
    "invalid_requests",
    "invalid_values",
    "near_misses",
    "off_default_form",
    "one_wrong",
]
