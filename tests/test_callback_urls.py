"""The valid space at its edges: callback URLs with queries, percent-encoding, ports,
IP literals and long paths are valid, and a status callback arrives at exactly the URL
given, path and query, byte for byte (RFC 3986's equivalent spellings aside)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qsl

import httpx
import pytest
from hypothesis import find, given

from conformance.checks import Created
from conformance.checks.callbacks import (
    Observed,
    callbacks_request_the_url_given,
    callbacks_use_the_requested_method,
)
from conformance.clauses.registry import bound
from conformance.client.receiver import CallbackReceiver, Delivery
from contract.exchange import Exchange, Received, SentRequest
from contract.failures import Violation
from contract.terms import PARAMETER
from power.runner import run_suite_in_process
from strategies.urls import (
    EDGE_URL,
    LONG_URL,
    RECEIVER_SHAPES,
    http_urls,
    normal_percent_encoding,
    receiver_url,
)
from strategies.valid import valid_forms

URL = PARAMETER["RecordingStatusCallback"]
BASE, TOKEN = "http://127.0.0.1:8765", "0123456789abcdef0123456789abcdef"


@pytest.mark.parametrize("issued", range(len(RECEIVER_SHAPES)))
def test_every_receiver_url_is_valid_under_every_reading_and_in_normal_form(issued: int) -> None:
    url = receiver_url(BASE, TOKEN, issued)
    assert url.startswith(f"{BASE}/cb/{TOKEN}")
    assert URL.accepts(url, careful=True), url
    assert normal_percent_encoding(url) == url


def test_the_receiver_hands_out_a_url_of_2000_characters() -> None:
    assert len(receiver_url(BASE, TOKEN, len(RECEIVER_SHAPES) - 1)) == LONG_URL


def test_the_edge_url_is_valid_under_every_reading() -> None:
    assert URL.accepts(EDGE_URL, careful=True)


@given(http_urls())
def test_generated_urls_stay_within_the_careful_domain_and_2000_characters(url: str) -> None:
    assert URL.accepts(url, careful=True), url
    assert len(url) <= LONG_URL


@pytest.mark.parametrize(
    "edge",
    [
        lambda u: u.startswith("http://[") or u.startswith("https://["),  # an IPv6 literal
        lambda u: u.split("/")[2].replace(".", "").isdigit(),  # an IPv4 literal
        lambda u: ":" in u.split("/")[2] and not u.split("/")[2].startswith("["),  # a port
        lambda u: "?" in u,
        lambda u: "%" in u,
        lambda u: len(u) > 1000,
    ],
)
def test_generated_urls_reach_each_edge(edge: Callable[[str], bool]) -> None:
    assert find(http_urls(), edge)


def test_valid_forms_come_in_any_order() -> None:
    order = list(PARAMETER)
    found = find(
        valid_forms(), lambda f: [k for k, _ in f] != sorted((k for k, _ in f), key=order.index)
    )
    assert len(found) == 2


def test_the_receiver_keeps_path_and_query_as_they_arrived() -> None:
    receiver = CallbackReceiver().start()
    try:
        urls = [receiver.new_url() for _ in RECEIVER_SHAPES]
        with httpx.Client() as http:
            for _, url in urls:
                http.post(url, data={"RecordingSid": "x"})
        for token, url in urls:
            (delivery,) = receiver.deliveries(token)
            # A fragment is never sent.
            path, _, query = url.removeprefix(receiver.base_url).partition("#")[0].partition("?")
            assert (delivery.raw_path, delivery.raw_query) == (path, query)
    finally:
        receiver.stop()


GIVEN = receiver_url(BASE, TOKEN, 2)  # percent-encoding in path and query
GIVEN_PATH, _, GIVEN_QUERY = GIVEN.removeprefix(BASE).partition("?")


def _observed(
    method: str, raw_path: str, raw_query: str, form: tuple[tuple[str, str], ...] = ()
) -> Observed:
    sent = SentRequest(
        "POST",
        f"{BASE}/Recordings.json",
        ((URL.name, GIVEN), ("RecordingStatusCallbackMethod", method)),
    )
    created = Created(Exchange(sent, Received(200, "application/json", json.dumps({}))), "a", "c")
    query = tuple(parse_qsl(raw_query, keep_blank_values=True))
    delivery = Delivery(TOKEN, method, query, form, "", raw_path, raw_query)
    return Observed(created, "completed", (delivery,))


PAYLOAD = "RecordingSid=x&RecordingStatus=completed"


@pytest.mark.parametrize(
    ("method", "raw_path", "raw_query"),
    [
        ("POST", GIVEN_PATH, GIVEN_QUERY),
        ("GET", GIVEN_PATH, f"{GIVEN_QUERY}&{PAYLOAD}"),
        ("GET", GIVEN_PATH, f"{PAYLOAD}&{GIVEN_QUERY}"),  # before the given query: allowed
        ("POST", GIVEN_PATH.replace("%2F", "%2f"), GIVEN_QUERY),  # RFC 3986 §6.2.2.1
        ("POST", "/tunnel-prefix" + GIVEN_PATH, GIVEN_QUERY),  # served under a tunnel's path
    ],
)
def test_a_callback_at_the_url_given_passes(method: str, raw_path: str, raw_query: str) -> None:
    form = () if method == "GET" else (("RecordingSid", "x"),)
    observed = _observed(method, raw_path, raw_query, form)
    assert callbacks_request_the_url_given(observed)
    assert callbacks_use_the_requested_method(observed)  # the URL's own query is no payload


@pytest.mark.parametrize(
    ("method", "raw_path", "raw_query"),
    [
        ("POST", GIVEN_PATH, ""),  # the query dropped
        ("GET", GIVEN_PATH, PAYLOAD),  # the query replaced by the payload
        ("POST", GIVEN_PATH.replace("%2F", "/"), GIVEN_QUERY),  # %2F decoded: another path
        ("POST", GIVEN_PATH, GIVEN_QUERY.replace("%20", "+")),  # re-encoded as a form
        ("POST", GIVEN_PATH, "&".join(reversed(GIVEN_QUERY.split("&")))),  # reordered
        ("POST", GIVEN_PATH.rsplit("/", 1)[0], GIVEN_QUERY),  # the path cut short
    ],
)
def test_a_callback_elsewhere_fails_naming_callback_url(
    method: str, raw_path: str, raw_query: str
) -> None:
    with pytest.raises(Violation) as caught:  # the check, as its entry runs it
        bound(callbacks_request_the_url_given)(_observed(method, raw_path, raw_query))
    assert caught.value.clause.id == "CALLBACK-URL"


def test_callbacks_sent_without_their_query_are_caught_naming_their_clause(tmp_path: Path) -> None:
    run = run_suite_in_process(
        "--emulator-fault",
        "callback-query-dropped",
        "-k",
        "test_callbacks_follow_the_request",
        report_dir=tmp_path,
    )
    assert run.violated == {"CALLBACK-URL"}, run.output[-3000:]
