"""The callback receiver against hostile peers (issue 22, items 1 and 2): each started
here, on loopback, every loop bounded in count and time. And the callbacks judged over
the whole run (issue 21, part 4)."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from urllib.parse import parse_qsl

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.checks import Created
from conformance.checks.callbacks import (
    EVIDENCE_CHARS,
    Observed,
    callback_payload_agrees_with_recording,
    callbacks_for_exactly_the_requested_events,
    no_second_or_unasked_callback,
)
from conformance.client import receiver as rc
from conformance.client.receiver import CallbackReceiver, Delivery
from conformance.client.secrets import MASK, Scrubber
from contract.exchange import Exchange, Received, SentRequest
from contract.failures import Violation
from emulator.hostile import Forger, forging, streamed

FORM = {"content-type": "application/x-www-form-urlencoded"}
PAYLOAD = b"RecordingSid=r1&RecordingStatus=completed"


@pytest.fixture
def receiver() -> Iterator[CallbackReceiver]:
    r = CallbackReceiver().start()
    yield r
    r.stop()


def _post(url: str, content: bytes | Iterator[bytes], timeout: float = 10) -> int:
    """The receiver's answer, or -1 when it closed the connection before answering."""
    try:
        return httpx.post(url, content=content, headers=FORM, timeout=timeout).status_code
    except httpx.HTTPError:
        return -1


# -- 1. nobody outside stretches a run -----------------------------------------------


def test_a_url_never_handed_out_is_answered_404_and_kept_nowhere(
    receiver: CallbackReceiver,
) -> None:
    token, url = receiver.new_url()
    forged = url.replace(token, "f" * 32)
    assert [_post(forged, PAYLOAD) for _ in range(5)] == [404] * 5
    assert receiver.received == [] and receiver.refused == 5 and receiver.count(token) == 0


def test_forged_arrivals_extend_no_wait(receiver: CallbackReceiver) -> None:
    """A forger posting every 20 ms, to URLs never handed out and to one that was, for
    up to 10 s: the wait (0.5 s for a callback that never comes, then 0.3 s of grace)
    ends at its own deadline, not the forger's."""
    awaited, _ = receiver.new_url()
    token, known = receiver.new_url()
    unknown = known.replace(token, "e" * 32)
    forger = Forger(lambda: [known, unknown], lambda: PAYLOAD, every=0.02, seconds=10)
    with forging(forger):
        for _ in range(500):  # the forger is under way (its first post has a 5 s timeout)
            if forger.answers:
                break
            time.sleep(0.01)
        started = time.monotonic()
        receiver.wait({awaited: 1}, timeout=0.5, grace=0.3)
        waited = time.monotonic() - started
    assert waited < 0.5 + 0.3 + 2.0, f"waited {waited:.1f} s while a forger posted"
    assert 404 in forger.answers and 204 in forger.answers
    assert {d.token for d in receiver.received} == {token}


def test_the_grace_is_fixed_when_it_starts(receiver: CallbackReceiver) -> None:
    """Arrivals during the grace do not start it again."""
    token, url = receiver.new_url()
    forger = Forger(lambda: [url], lambda: PAYLOAD, every=0.02, seconds=10)
    with forging(forger):
        started = time.monotonic()
        receiver.wait({token: 1}, timeout=2, grace=0.5)
        waited = time.monotonic() - started
    assert receiver.count(token) > 1 and waited < 2 + 0.5 + 2.0


def test_a_url_keeps_its_first_deliveries_and_counts_the_rest(
    receiver: CallbackReceiver,
) -> None:
    token, url = receiver.new_url()
    extra = 5
    for _ in range(rc.MAX_PER_TOKEN + extra):
        assert _post(url, PAYLOAD) == 204
    assert len(receiver.deliveries(token)) == rc.MAX_PER_TOKEN
    assert receiver.count(token) == rc.MAX_PER_TOKEN + extra


# -- 2. bodies are bounded -------------------------------------------------------------


def test_a_100_mb_body_is_read_to_its_bound_only(receiver: CallbackReceiver) -> None:
    token, url = receiver.new_url()
    status = _post(url, streamed(100 << 20, b"a")())
    assert status in (413, -1)  # answered, or the connection closed mid-body
    (delivery,) = receiver.deliveries(token)
    assert delivery.partial and f"body over {rc.MAX_BODY_BYTES} bytes" in delivery.cut
    assert sum(len(k) + len(v) for k, v in delivery.form) <= rc.MAX_KEPT_CHARS
    # and the receiver still takes a callback, at once
    other, url = receiver.new_url()
    assert _post(url, PAYLOAD, timeout=5) == 204 and receiver.count(other) == 1


@pytest.mark.parametrize("piece", [b"a=1&", b"&"], ids=["pairs", "empty-fields"])
def test_20_mb_of_fields_keeps_a_bounded_number(receiver: CallbackReceiver, piece: bytes) -> None:
    token, url = receiver.new_url()
    _post(url, streamed(20 << 20, piece)())
    (delivery,) = receiver.deliveries(token)
    assert delivery.partial and len(delivery.form) <= rc.MAX_FIELDS
    assert "not kept" in delivery.cut or "none kept" in delivery.cut


def test_a_huge_field_is_cut_and_the_others_kept(receiver: CallbackReceiver) -> None:
    token, url = receiver.new_url()
    body = b"Padding=" + b"x" * 500_000 + b"&" + PAYLOAD
    assert _post(url, body) == 204
    (delivery,) = receiver.deliveries(token)
    assert not delivery.partial and "'Padding' of 500008 bytes cut" in delivery.cut
    assert delivery.payload["RecordingStatus"] == "completed"
    assert len(delivery.payload["Padding"]) == rc.MAX_VALUE_CHARS


def test_a_slow_body_is_given_up_at_its_deadline(
    receiver: CallbackReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rc, "READ_SECONDS", 0.5)
    token, url = receiver.new_url()
    parts = httpx.URL(url)
    with socket.create_connection((parts.host, parts.port), timeout=5) as sock:
        head = f"POST {parts.raw_path.decode()} HTTP/1.1\r\nHost: x\r\n"
        head += "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 100\r\n\r\n"
        sock.sendall(head.encode() + b"RecordingStatus=comp")
        answer = b""
        for _ in range(30):  # a byte every 0.1 s for at most 3 s, or until answered
            try:
                sock.sendall(b"x")
            except OSError:
                break
            sock.settimeout(0.1)
            try:
                answer += sock.recv(100)
            except TimeoutError:
                continue
            if answer:
                break
    assert answer.startswith(b"HTTP/1.1 408")
    (delivery,) = receiver.deliveries(token)
    assert delivery.partial and "within 0.5 s" in delivery.cut


def test_headers_are_kept_bounded(receiver: CallbackReceiver) -> None:
    token, url = receiver.new_url()
    headers = {**FORM, "X-SignalWire-Signature": "sig", "x-long": "v" * 3 * rc.MAX_VALUE_CHARS}
    headers |= {f"x-extra-{i}": "v" for i in range(rc.MAX_HEADERS)}
    assert httpx.post(url, content=PAYLOAD, headers=headers, timeout=10).status_code == 204
    (delivery,) = receiver.deliveries(token)
    kept = dict(delivery.headers)
    assert kept["x-signalwire-signature"] == "sig" and len(delivery.headers) == rc.MAX_HEADERS
    assert all(len(v) <= rc.MAX_VALUE_CHARS for _, v in delivery.headers)


def test_secrets_are_masked_as_they_arrive() -> None:
    token_value = "s3cret-token-value-1234"
    r = CallbackReceiver(scrub=Scrubber.for_credentials("user", token_value)).start()
    try:
        token, url = r.new_url()
        body = f"RecordingStatus=completed&Echo={token_value}".encode()
        httpx.post(url + f"?q={token_value}", content=body, headers=FORM, timeout=10)
        (delivery,) = r.deliveries(token)
    finally:
        r.stop()
    assert token_value not in repr(delivery) and MASK in delivery.payload["Echo"]


@given(
    st.lists(
        st.sampled_from([b"a", b"=", b"&", b"+", b"%", b"%C3%A9", b"\xc3\xa9", b"\xff", b"1"])
    ),
    st.lists(st.integers(0, 64)),
)
def test_within_its_bounds_a_body_is_read_as_parse_qsl_reads_it(
    pieces: list[bytes], cuts: list[int]
) -> None:
    """Whatever chunks it arrives in."""
    body = b"".join(pieces)
    fields = rc._Fields()
    at = 0
    for cut in sorted(cuts):
        fields.feed(body[at:cut])
        at = max(at, cut)
    fields.feed(body[at:])
    fields.close()
    assert fields.pairs == parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)


# -- what the checks make of it --------------------------------------------------------

_BODY = {"sid": "r1", "account_sid": "a1", "call_sid": "c1", "channels": 1}


def _observed(*payloads: dict[str, str], arrived: int = 0, partial: bool = False) -> Observed:
    form = (
        ("RecordingStatusCallback", "http://x/cb/t"),
        ("RecordingStatusCallbackEvent", "completed"),
    )
    request = SentRequest("POST", "http://x/Recordings.json", form)
    answer = Received(200, "application/json", json.dumps(_BODY))
    created = Created(Exchange(request, answer), "a1", "c1")
    deliveries = tuple(
        Delivery("t", "POST", (), tuple(p.items()), FORM["content-type"], partial=partial)
        for p in payloads
    )
    return Observed(created, "completed", deliveries, arrived or len(deliveries))


def test_a_late_second_callback_fails_the_events_clause_at_the_run_end() -> None:
    once = _observed({"RecordingStatus": "completed"})
    assert no_second_or_unasked_callback(once)
    twice = _observed({"RecordingStatus": "completed"}, {"RecordingStatus": "completed"})
    with pytest.raises(Violation, match="more than once"):
        no_second_or_unasked_callback(twice)
    unasked = _observed({"RecordingStatus": "completed"}, {"RecordingStatus": "absent"})
    with pytest.raises(Violation, match="not requested"):
        no_second_or_unasked_callback(unasked)


def test_at_the_run_end_what_never_came_is_not_judged_again() -> None:
    # No violation (what was due and never came failed at the recording's own stage),
    # and nothing judged: no callback at all is what a target that sends none does too.
    assert no_second_or_unasked_callback(_observed()) is False


def test_deliveries_past_the_kept_ones_fail_the_events_clause() -> None:
    many = _observed({"RecordingStatus": "completed"}, arrived=rc.MAX_PER_TOKEN + 30)
    with pytest.raises(Violation, match=f"{rc.MAX_PER_TOKEN + 30} came in all, the first 1 kept"):
        callbacks_for_exactly_the_requested_events(many)


def test_a_partial_callback_is_judged_on_what_it_kept_only() -> None:
    cut = _observed({"RecordingSid": "r1", "AccountSid": "a1"}, partial=True)
    assert callback_payload_agrees_with_recording(cut)  # the missing fields were cut
    lost = _observed({"RecordingSid": "r1"}, partial=True)  # its event cut off
    assert callbacks_for_exactly_the_requested_events(lost) is False


def test_the_evidence_of_huge_callbacks_is_bounded() -> None:
    huge = {"RecordingStatus": "completed", "Padding": "x" * rc.MAX_VALUE_CHARS}
    o = _observed(*[huge] * rc.MAX_PER_TOKEN, arrived=rc.MAX_PER_TOKEN + 100)
    with pytest.raises(Violation) as caught:
        callbacks_for_exactly_the_requested_events(o)
    assert len(caught.value.actual) < EVIDENCE_CHARS + 500
