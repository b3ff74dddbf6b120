"""Hypothesis strategies for valid requests: each parameter omitted or any value of
its domain. Constructive (no filtering), shrinking towards the empty form."""

from __future__ import annotations

from hypothesis import strategies as st

from conformance.contract import PARAMETERS, Parameter
from strategies.forms import EVENTS, EventEncoding, Form, build_form

_HOST_LABEL = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=12)
_PATH_SEGMENT = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~",
    min_size=1,
    max_size=12,
)


@st.composite
def http_urls(draw: st.DrawFn) -> str:
    """Absolute http(s) URLs. Use `callback_urls` in the suite so deliveries come home."""
    scheme = draw(st.sampled_from(("https", "http")))
    host = ".".join(draw(st.lists(_HOST_LABEL, min_size=1, max_size=3))) + ".example"
    port = draw(st.one_of(st.just(""), st.integers(1, 65535).map(lambda p: f":{p}")))
    path = "/".join(draw(st.lists(_PATH_SEGMENT, max_size=3)))
    return f"{scheme}://{host}{port}/{path}"


def event_lists() -> st.SearchStrategy[list[str]]:
    """A non-empty subset of the events, in any order; shrinks to the first one."""
    return st.lists(st.sampled_from(EVENTS.domain), min_size=1, unique=True)


def domain_values(parameter: Parameter) -> st.SearchStrategy[str]:
    return st.sampled_from(parameter.domain)


@st.composite
def valid_forms(draw: st.DrawFn, callback_urls: st.SearchStrategy[str] | None = None) -> Form:
    """A valid body; omission is drawn first so examples shrink to the empty form."""
    urls = callback_urls if callback_urls is not None else http_urls()
    values: dict[str, str | None] = {}
    for p in PARAMETERS:
        if p.multi:
            continue
        values[p.name] = draw(st.one_of(st.none(), urls if p.format else domain_values(p)))
    events = draw(st.one_of(st.none(), event_lists()))
    encoding = draw(st.sampled_from(EventEncoding))
    return build_form(values, events, encoding)
