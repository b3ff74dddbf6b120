"""Hypothesis strategies for valid requests: each parameter omitted or any value of
its domain, in any order. Constructive (no filtering), shrinking towards the empty form."""

from __future__ import annotations

from hypothesis import strategies as st

from contract.forms import EVENTS, Form
from contract.terms import PARAMETERS, Parameter
from strategies.forms import EventEncoding, build_form
from strategies.urls import http_urls

__all__ = ["domain_values", "event_lists", "http_urls", "valid_forms"]


def event_lists() -> st.SearchStrategy[list[str]]:
    """A non-empty subset of the events, in any order; shrinks to the first one."""
    return st.lists(st.sampled_from(EVENTS.domain), min_size=1, unique=True)


def domain_values(parameter: Parameter) -> st.SearchStrategy[str]:
    return st.sampled_from(parameter.domain)


@st.composite
def valid_forms(draw: st.DrawFn, callback_urls: st.SearchStrategy[str] | None = None) -> Form:
    """A valid body, its fields in any order; omission is drawn first so examples
    shrink to the empty form, and the order to the contract's."""
    urls = callback_urls if callback_urls is not None else http_urls()
    values: dict[str, str | None] = {}
    for p in PARAMETERS:
        if p.multi:
            continue
        values[p.name] = draw(st.one_of(st.none(), urls if p.format else domain_values(p)))
    events = draw(st.one_of(st.none(), event_lists()))
    encoding = draw(st.sampled_from(EventEncoding))
    return tuple(draw(st.permutations(build_form(values, events, encoding))))
