"""The strategies generate what they say, and shrink to readable examples."""

from __future__ import annotations

import uuid
from itertools import combinations, product

from hypothesis import find, given, settings
from hypothesis import strategies as st
from hypothesis.errors import NoSuchExample  # noqa: F401 - documents what find may raise

from conformance.corpus.valid import first_look_split
from contract.forms import sent_events
from contract.terms import MISS_RULE, PARAMETER, PARAMETERS
from strategies.covering import (
    CALLBACK,
    SHAPING,
    covering_array,
    covering_rows,
    plan_interactions,
    valid_factors,
    valid_plan,
)
from strategies.identities import malformed_call_sids, unknown_sids
from strategies.invalid import (
    LENIENT_KINDS,
    in_company,
    invalid_requests,
    near_misses,
    off_default_form,
    one_wrong,
)
from strategies.valid import http_urls, valid_forms


def _form_is_valid(form: tuple[tuple[str, str], ...]) -> bool:
    """Valid under every reading: what VALID-ACCEPTED may ask a target to accept."""
    return all(PARAMETER[name].accepts(value, careful=True) for name, value in form)


@given(valid_forms())
def test_valid_forms_hold_only_domain_values(form: tuple[tuple[str, str], ...]) -> None:
    assert _form_is_valid(form)
    scalar_names = [k for k, _ in form if not PARAMETER[k].multi]
    assert len(scalar_names) == len(set(scalar_names))


@given(http_urls())
def test_generated_urls_are_absolute_http(url: str) -> None:
    assert PARAMETER["RecordingStatusCallback"].accepts(url, careful=True)


@given(invalid_requests())
def test_invalid_requests_break_every_parameter_they_name(request: object) -> None:
    for miss in request.misses:  # type: ignore[attr-defined]
        sent = [v for k, v in request.form if k == miss.parameter]  # type: ignore[attr-defined]
        assert sent == [miss.value]
        assert not PARAMETER[miss.parameter].accepts(miss.value, careful=True)


def test_valid_forms_shrink_to_the_empty_form() -> None:
    assert find(valid_forms(), lambda f: True) == ()


def test_valid_forms_shrink_to_a_minimal_interaction() -> None:
    def dual_and_trim(form: tuple[tuple[str, str], ...]) -> bool:
        d = dict(form)
        return d.get("RecordingChannels") == "dual" and d.get("Trim") == "trim-silence"

    assert find(valid_forms(), dual_and_trim) == (
        ("RecordingChannels", "dual"),
        ("Trim", "trim-silence"),
    )


def test_invalid_requests_shrink_to_one_wrong_value() -> None:
    found = find(invalid_requests(), lambda r: True)
    assert len(found.misses) == 1 and found.form == (
        (found.misses[0].parameter, found.misses[0].value),
    )


def test_near_miss_catalogue_has_every_kind_refused_by_the_contract() -> None:
    for p in PARAMETERS:
        misses = near_misses(p)
        assert misses and not any(p.accepts(m.value, careful=True) for m in misses)
        # Outside the domain, unless the kind's rule puts it in (RFC 3986 accepts it).
        assert all(p.accepts(m.value) == MISS_RULE[m.kind].in_domain for m in misses)
        strict = [m for m in misses if m.kind not in LENIENT_KINDS]
        assert strict, p.name
        assert misses[: len(strict)] == tuple(strict)  # MUST kinds first


def test_the_company_is_valid_and_sends_every_parameter_off_its_default() -> None:
    company = off_default_form("http://example.com/cb")
    assert _form_is_valid(company)
    assert {k for k, _ in company} == set(PARAMETER)
    for p in PARAMETERS:
        sent = [v for k, v in company if k == p.name]
        assert len(sent) == 1 and sent[0] != p.default, p.name
        if p.multi:
            assert p.default not in sent[0].split(" "), p.name


def test_a_miss_in_company_is_the_only_wrong_value_and_keeps_its_place() -> None:
    for p in PARAMETERS:
        for miss in near_misses(p):
            form = in_company(one_wrong(miss).form, "http://example.com/cb")
            assert [k for k, _ in form] == [k for k, _ in off_default_form()]
            wrong = [(k, v) for k, v in form if not PARAMETER[k].accepts(v, careful=True)]
            assert wrong == [(miss.parameter, miss.value)]


def test_repeated_event_fields_keep_their_encoding_in_company() -> None:
    events = (("RecordingStatusCallbackEvent", "x"), ("RecordingStatusCallbackEvent", "y"))
    form = in_company(events)
    assert [pair for pair in form if pair[0] == events[0][0]] == list(events)


@settings(max_examples=200)
@given(malformed_call_sids())
def test_malformed_call_sids_are_never_uuids(sid: str) -> None:
    try:
        uuid.UUID(sid)
        parsed = True
    except ValueError:
        parsed = False
    assert not parsed or len(sid) != 36


@given(unknown_sids())
def test_unknown_sids_are_hyphenated_uuids(sid: str) -> None:
    assert str(uuid.UUID(sid)) == sid


def _uncovered(levels: list[int], rows: list[tuple[int, ...]], t: int) -> list[object]:
    seen = {
        (cs, tuple(r[c] for c in cs)) for r in rows for cs in combinations(range(len(levels)), t)
    }
    return [
        (cs, vals)
        for cs in combinations(range(len(levels)), t)
        for vals in product(*(range(levels[c]) for c in cs))
        if (cs, vals) not in seen
    ]


@given(st.lists(st.integers(1, 4), min_size=1, max_size=5), st.integers(1, 3))
def test_covering_array_covers_every_t_combination(levels: list[int], t: int) -> None:
    rows = covering_array(levels, t)
    assert _uncovered(levels, rows, min(t, len(levels))) == []
    assert covering_array(levels, t) == rows  # deterministic


def test_valid_plan_is_three_wise_over_the_real_factors_and_small() -> None:
    levels = [len(f.levels) for f in valid_factors()]
    rows = covering_array(levels, 3)
    assert _uncovered(levels, rows, 3) == []
    plan = valid_plan(3)
    full = 1
    for n in levels:
        full *= n
    assert len(plan) < full / 10
    assert plan[0] == ()  # the empty form first: defaults are judged on the simplest request
    assert all(_form_is_valid(f) or "<callback url>" in dict(f).values() for f in plan)


def test_default_plan_holds_every_pair_and_every_triple_of_the_shaping_parameters() -> None:
    factors = valid_factors()
    levels = [len(f.levels) for f in factors]
    interactions = plan_interactions(factors, 2)
    rows = covering_rows(levels, interactions)
    shaping = [i for i, f in enumerate(factors) if f.name in SHAPING]
    assert _uncovered(levels, rows, 2) == []
    seen = {(cs, tuple(r[c] for c in cs)) for r in rows for cs in combinations(shaping, 3)}
    wanted = {
        (cs, vals)
        for cs in combinations(shaping, 3)
        for vals in product(*(range(levels[c]) for c in cs))
    }
    assert wanted <= seen
    assert len(valid_plan(2)) < len(valid_plan(3)) / 2  # why strength 2 is the default


def test_first_look_gives_every_parameter_each_of_its_values() -> None:
    plan = valid_plan(2)
    first, rest = first_look_split(plan)
    assert sorted(first + rest) == sorted(plan) and len(first) <= 10
    for factor in valid_factors():
        if factor.name in ("encoding", "RecordingStatusCallbackEvent"):
            continue
        shown = {dict(f).get(factor.name) for f in first}
        wanted = {None if v is None else str(v) for v in factor.levels}
        assert {"<callback url>" if v == CALLBACK else v for v in wanted} <= shown


def test_valid_plan_sends_events_in_both_encodings() -> None:
    plan = valid_plan(2)
    repeated = [f for f in plan if sum(k == "RecordingStatusCallbackEvent" for k, _ in f) > 1]
    spaced = [
        f for f in plan if any(k == "RecordingStatusCallbackEvent" and " " in v for k, v in f)
    ]
    assert repeated and spaced
    assert all(sent_events(f) for f in repeated + spaced)
