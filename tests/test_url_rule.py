"""The rule for wrong callback URLs: RFC 3986 is the reading of `format: "uri"`, MUST only
where every reasonable reading agrees, and what URL parsers disagree on is a SHOULD.

The contract's names are looked up when a test runs, so that the first test fails on the
contract before this rule by its assertion, not by an import error."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rfc3986 import uri_reference, validators
from rfc3986.exceptions import ValidationError

from conformance.corpus.refusals import refusal_plan
from contract import terms as contract
from contract.decisions import decisions_markdown
from contract.terms import PARAMETERS, Severity
from emulator.app import validate_recording_form
from strategies.invalid import LENIENT_KINDS, near_misses

URL = contract.PARAMETER["RecordingStatusCallback"]
ODD_PORT = "http://example.com:99999/cb"


def test_an_rfc3986_url_with_an_odd_port_is_at_most_a_should() -> None:
    # The MUST-level predicate takes it: RFC 3986's port is *DIGIT ...
    assert URL.accepts(ODD_PORT)
    # ... so no MUST refusal probe holds it: it is probed for REJECT-NEAR-MISS, a SHOULD.
    probes = [m for m in near_misses(URL) if m.value == ODD_PORT]
    assert probes and all(m.clause.id == "REJECT-NEAR-MISS" for m in probes)
    plan = refusal_plan("unknown-call", "other-account")
    must = [s for s in plan if s.clause.id == contract.reject_clause(URL.name).id]
    assert must and not any(value == ODD_PORT for s in must for _, value in s.form)
    # A careful target refuses it, for the reason the rule of its kind gives.
    assert not URL.accepts(ODD_PORT, careful=True)
    kind = contract.url_miss(ODD_PORT)
    assert kind is contract.MissKind.PORT_RANGE
    assert contract.MISS_RULE[kind].severity is Severity.SHOULD


@given(st.sampled_from(("http", "https")), st.integers(min_value=65536, max_value=10**30))
def test_every_port_above_65535_lies_in_the_domain_and_is_refused_only_carefully(
    scheme: str, port: int
) -> None:
    url = f"{scheme}://example.com:{port}/cb"
    assert URL.accepts(url) and not URL.accepts(url, careful=True)
    assert contract.url_miss(url) is contract.MissKind.PORT_RANGE


def test_no_must_refusal_probe_holds_a_value_rfc3986_accepts() -> None:
    for p in PARAMETERS:
        for miss in near_misses(p):
            if miss.clause.severity is Severity.MUST:
                assert not p.accepts(miss.value), miss.describe()
            if p.accepts(miss.value):
                assert miss.clause.id == "REJECT-NEAR-MISS", miss.describe()


def test_every_kind_is_probed_where_it_applies() -> None:
    probed = {(p.shape, m.kind) for p in PARAMETERS for m in near_misses(p)}
    expected = {(shape, r.kind) for r in contract.MISS_RULES for shape in r.applies_to}
    assert probed == expected


@pytest.mark.parametrize(
    "url",
    [
        "HTTP://EXAMPLE.COM/cb",  # schemes and hosts are case-insensitive
        "http://@example.com/cb",  # an empty userinfo
        "https://user:pw@example.com:8443/a/b;c?x=1&y=%20#frag",
        "http://[::1]:8080/cb",
        "http://127.0.0.1/cb",
        "http://example.com:/cb",  # an empty port
        "http://example.com:00080/cb",
        "http://example.com",
        "http://example.com./cb",
        "http://xn--exmple-cua.com/cb",  # a non-ASCII host as RFC 3986 spells it
    ],
)
def test_plain_http_urls_are_accepted_by_every_reading(url: str) -> None:
    assert contract.url_miss(url) is None
    assert URL.accepts(url) and URL.accepts(url, careful=True)
    assert validate_recording_form([(URL.name, url)]) == []


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("http://example.com:65536/cb", "PORT_RANGE"),
        ("http://example.com:123456/cb", "PORT_RANGE"),
        ("http://256.0.0.1/cb", "NUMERIC_HOST"),
        ("http://example.1/cb", "NUMERIC_HOST"),
        ("http://123/cb", "NUMERIC_HOST"),
        ("http://[v1.fe]/cb", "IP_LITERAL"),
        ("http://[fe80::1%25eth0]/cb", "IP_LITERAL"),
        ("http://ex%61mple.com/cb", "ENCODED_HOST"),
    ],
)
def test_what_parsers_disagree_on_lies_in_the_domain_and_is_refused_carefully(
    url: str, kind: str
) -> None:
    assert contract.url_miss(url) is contract.MissKind[kind]
    assert contract.MISS_RULE[contract.MissKind[kind]].in_domain
    assert URL.accepts(url) and not URL.accepts(url, careful=True)
    # The faithful emulator is a careful implementation: it passes REJECT-NEAR-MISS too.
    assert validate_recording_form([(URL.name, url)]) != []


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("//example.com/cb", "RELATIVE"),
        ("example.com/cb", "RELATIVE"),
        ("http:///cb", "NO_HOST"),
        ("http://:80/cb", "NO_HOST"),
        ("mailto:cb@example.com", "NO_HOST"),
        ("http://example.com/c b", "MALFORMED"),  # WHATWG would repair it; 3986 does not
        ("http://example.com/%zz", "MALFORMED"),
        ("http://[::1/cb", "MALFORMED"),
        ("http://[::g]/cb", "MALFORMED"),
        ("http://example.com:80:90/cb", "MALFORMED"),
        ("http://a@b@example.com/cb", "MALFORMED"),
        ("http://example.com/cb#a#b", "MALFORMED"),
        ("http://example.com/cb\n", "PADDED"),
        (" http://exa mple.com/cb ", "MALFORMED"),  # the firmest of its kinds
        ("https://exämple.com/cb", "NON_ASCII"),
    ],
)
def test_what_rfc3986_refuses_is_outside_the_domain(url: str, kind: str) -> None:
    assert contract.url_miss(url) is contract.MissKind[kind]
    assert not contract.MISS_RULE[contract.MissKind[kind]].in_domain
    assert not URL.accepts(url)


def test_the_rfc3986_package_checks_ports_the_rfc_does_not() -> None:
    """Why the contract splits the port off itself (see the comment above url_miss): if a
    release of the package drops these checks, the workaround can go."""
    ports = validators.Validator().require_presence_of("host").check_validity_of("port")
    for url in ("http://example.com:65536/cb", "http://example.com:123456/cb"):
        with pytest.raises(ValidationError):
            ports.validate(uri_reference(url))
    ports.validate(uri_reference("http://example.com:65535/cb"))


def test_severities_and_kinds_are_spelled_once_in_the_contract() -> None:
    assert {r.kind for r in contract.MISS_RULES if r.severity is Severity.SHOULD} == LENIENT_KINDS
    near, url = contract.CLAUSE["REJECT-NEAR-MISS"], contract.reject_clause(URL.name)
    for rule in contract.MISS_RULES:
        if rule.in_domain:  # only what RFC 3986 accepts, and refusing it is never a MUST
            assert rule.severity is Severity.SHOULD and rule.applies_to == ("url",), rule.kind
        if rule.severity is Severity.SHOULD:
            assert rule.kind in near.sentence, rule.kind
        elif "url" in rule.applies_to:
            assert rule.kind in url.sentence, rule.kind
        assert f"| {rule.kind} |" in decisions_markdown()
