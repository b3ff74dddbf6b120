"""Signed status callbacks (CALLBACK-SIGNATURE): the scheme of contract/signing.py is the
vendor's, proved by the vendor's own validator (the `signalwire` package's, a dev
dependency only, which wraps twilio 6's); the emulator's callbacks pass that validator; the
suite's check passes them, tolerates what validators tolerate and names each mistake;
and a run without the signing key reports the clause not tested, with its reason."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qsl, urlparse

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st
from signalwire.request_validator import RequestValidator

from conformance.checks import Created
from conformance.checks.callbacks import Observed
from conformance.checks.signing import callbacks_are_signed, url_requested
from conformance.clauses.registry import bound
from conformance.client.receiver import CallbackReceiver, Delivery
from conformance.run.options import NO_SIGNING_KEY
from contract.exchange import Exchange, Received, SentRequest
from contract.failures import Violation
from contract.signing import port_spellings, signature, valid_signatures
from contract.terms import PARAMETER, SIGNATURE, SIGNATURE_ALIAS_HEADER, SIGNATURE_HEADER
from emulator import start
from power.runner import SuiteRun, run_suite_in_process
from reports.report import Verdict
from strategies.urls import RECEIVER_SHAPES, http_urls

KEY = "PSK_example-signing-key-0123456789"
URL = PARAMETER["RecordingStatusCallback"]

_NAMES = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz", min_size=1)
_PARAMS = st.dictionaries(_NAMES, st.text(max_size=40), max_size=8)


def test_the_vendors_published_example_signs_alike() -> None:
    # The example of the vendor's SDK tests (and Twilio's documentation).
    params = {
        "CallSid": "CA1234567890ABCDE",
        "Caller": "+14158675309",
        "Digits": "1234",
        "From": "+14158675309",
        "To": "+18005551212",
    }
    url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    assert signature("12345", url, params.items()) == "RSOYDt4T1cUTdK1PDd93/VVr8B8="


# The Python validator re-serializes the URL before it signs it (urllib's urlparse and
# geturl(): a scheme in lower case, a path's empty ";params" dropped), and drops a port by
# cutting the host at its first colon, which breaks an IPv6 literal (the JavaScript one
# drops it right): the URLs it reads as given.
_URLS = http_urls().filter(lambda u: urlparse(u).geturl() == u and "[" not in u)


@given(_URLS, _PARAMS, st.text(min_size=1, max_size=40))
def test_the_signature_is_what_the_vendors_validator_accepts(
    url: str, params: dict[str, str], key: str
) -> None:
    ours = signature(key, url, params.items())
    assert ours == RequestValidator(key).build_signature_with_compatibility(url, params)
    assert RequestValidator(key).validate(url, params, ours)
    # And every spelling of the port the check accepts, the validator accepts too.
    for spelling in port_spellings(url):
        assert RequestValidator(key).validate(url, params, signature(key, spelling, params.items()))


@given(_URLS, _PARAMS)
def test_a_signature_with_another_key_or_text_is_refused_by_both(
    url: str, params: dict[str, str]
) -> None:
    wrong = signature("another-key", url, params.items())
    assert wrong not in valid_signatures(KEY, url, params.items())
    assert not RequestValidator(KEY).validate(url, params, wrong)


def _deliveries_from_the_emulator(method: str) -> tuple[list[tuple[str, Delivery]], str]:
    """One recording per receiver URL shape, its callbacks by `method`, in progress and
    completed: (URL given, delivery) each, and the API token of the account."""
    emulator = start(accounts=1, signing_key=KEY)
    receiver = CallbackReceiver().start()
    (account,) = emulator.accounts
    base = f"{emulator.base_url}/Accounts/{account.sid}"
    try:
        with httpx.Client(auth=(account.sid, account.token), timeout=10) as http:
            call = http.post(f"{base}/Calls.json", data={"To": "+1", "From": "+2", "Url": "x"})
            calls = f"{base}/Calls/{call.json()['sid']}/Recordings"
            given = {}
            for _ in RECEIVER_SHAPES:
                token, url = receiver.new_url()
                form = {
                    URL.name: url,
                    "RecordingStatusCallbackMethod": method,
                    "RecordingStatusCallbackEvent": "in-progress completed",
                }
                sid = http.post(f"{calls}.json", data=form).json()["sid"]
                http.post(f"{calls}/{sid}.json", data={"Status": "stopped"})
                given[token] = url
        receiver.wait(dict.fromkeys(given, 2), timeout=10, grace=0)
        found = [(given[d.token], d) for d in receiver.received]
    finally:
        receiver.stop()
        emulator.stop()
    assert len(found) == 2 * len(RECEIVER_SHAPES)
    return found, account.token


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_the_emulators_callbacks_pass_the_vendors_validator(method: str) -> None:
    found, _ = _deliveries_from_the_emulator(method)
    for url_given, d in found:
        headers = dict(d.signatures or ())
        assert set(headers) == {SIGNATURE_HEADER, SIGNATURE_ALIAS_HEADER}
        url = url_requested(url_given, d)
        for value in headers.values():
            assert RequestValidator(KEY).validate(url, dict(d.form), value), (url, d)


def _observed(given: str, d: Delivery, key: str | None = KEY) -> Observed:
    sent = SentRequest("POST", "http://127.0.0.1:1/Recordings.json", ((URL.name, given),))
    created = Created(Exchange(sent, Received(200, "application/json", json.dumps({}))), "a", "c")
    return Observed(created, "completed", (d,), signing_key=key)


def _with(d: Delivery, *signatures: tuple[str, str]) -> Delivery:
    return replace(d, signatures=signatures)


def test_the_check_passes_the_emulators_callbacks_and_judges_none_without_a_key() -> None:
    found, _ = _deliveries_from_the_emulator("POST")
    for url_given, d in found:
        assert callbacks_are_signed(_observed(url_given, d))
        assert not callbacks_are_signed(_observed(url_given, d, key=None))  # nothing judged


def test_the_check_accepts_what_validators_accept() -> None:
    found, _ = _deliveries_from_the_emulator("POST")
    given, d = found[0]
    url = url_requested(given, d)
    without_port = port_spellings(url)[1]
    value = signature(KEY, without_port, d.form)
    assert RequestValidator(KEY).validate(url, dict(d.form), value)
    # The port dropped, and the alias left out: both pass.
    assert callbacks_are_signed(_observed(given, _with(d, (SIGNATURE_HEADER, value))))


def _mistakes(given: str, d: Delivery, token: str) -> dict[str, tuple[tuple[str, str], ...]]:
    url = url_requested(given, d)
    right = signature(KEY, url, d.form)
    return {
        "no header": (),
        "the alias alone": ((SIGNATURE_ALIAS_HEADER, right),),
        "keyed by the API token": ((SIGNATURE_HEADER, signature(token, url, d.form)),),
        "the alias keyed by the API token": (
            (SIGNATURE_HEADER, right),
            (SIGNATURE_ALIAS_HEADER, signature(token, url, d.form)),
        ),
        "parameters unsorted": (
            (SIGNATURE_HEADER, signature(KEY, url + "".join(map("".join, d.form)), ())),
        ),
        "the URL alone": ((SIGNATURE_HEADER, signature(KEY, url, ())),),
    }


@pytest.mark.parametrize(
    "mistake",
    [
        "no header",
        "the alias alone",
        "keyed by the API token",
        "the alias keyed by the API token",
        "parameters unsorted",
        "the URL alone",
    ],
)
def test_each_mistake_fails_naming_the_clause_and_never_the_key(mistake: str) -> None:
    found, token = _deliveries_from_the_emulator("POST")
    given, d = found[2]  # percent-encoding in path and query
    signed = _with(d, *_mistakes(given, d, token)[mistake])
    with pytest.raises(Violation) as caught:
        bound(callbacks_are_signed)(_observed(given, signed))
    assert caught.value.clause is SIGNATURE
    rendered = caught.value.render()
    assert KEY not in rendered and token not in rendered
    assert SIGNATURE_HEADER in rendered


def test_a_run_without_the_key_reports_the_clause_not_tested_with_its_reason(
    suite_runs: dict[str, tuple[SuiteRun, Path]],
) -> None:
    run, _ = suite_runs["clean"]
    assert run.report is not None
    (verdict,) = [c for c in run.report.clauses if c.id == SIGNATURE.id]
    assert verdict.verdict is Verdict.NOT_TESTED
    assert verdict.note == NO_SIGNING_KEY
    assert not verdict.testable  # not counted against the result
    assert run.returncode == 0
    assert f"{SIGNATURE.id}: not tested: {NO_SIGNING_KEY}" in run.output


def test_asking_for_the_clause_without_the_key_is_a_configuration_error(tmp_path: Path) -> None:
    run = run_suite_in_process(
        "--clause", SIGNATURE.id, report_dir=tmp_path, env={"SIGNALWIRE_SIGNING_KEY": ""}
    )
    assert run.returncode == 4
    assert NO_SIGNING_KEY in run.output


def test_the_dry_run_says_whether_signatures_are_judged(tmp_path: Path) -> None:

    without = run_suite_in_process(
        "--dry-run", report_dir=tmp_path, env={"SIGNALWIRE_SIGNING_KEY": ""}
    )
    with_key = run_suite_in_process(
        "--dry-run", report_dir=tmp_path, env={"SIGNALWIRE_SIGNING_KEY": KEY}
    )
    assert f"not tested: {NO_SIGNING_KEY}" in without.output
    assert "judged, with the signing key given" in with_key.output
    assert KEY not in with_key.output


def test_the_payload_query_of_a_get_is_part_of_the_signed_url() -> None:
    found, _ = _deliveries_from_the_emulator("GET")
    for url_given, d in found:
        assert d.form == ()
        assert {"RecordingSid"} <= {k for k, _ in parse_qsl(d.raw_query)}
        assert "RecordingSid=" in url_requested(url_given, d)
