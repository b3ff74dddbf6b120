"""The official Twilio Python client (PyPI `twilio`, 9.x) against the emulator, with
nothing changed but where its requests go. The client always calls
https://api.twilio.com; its documented extension point, the `http_client` it is
given, sends them to the emulator's `/2010-04-01/...` instead.

twilio 9 cannot share an environment with `signalwire` 2.x, which pins
twilio==6.54.0, so it is not a dev dependency but the `twilio` extra, installed
on its own (pyproject.toml); where it is absent, or older, this file is skipped."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import emulator
from conformance.client.receiver import CallbackReceiver

pytest.importorskip("twilio", minversion="9")
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.http.response import Response
from twilio.rest import Client

TWILIO = "https://api.twilio.com"


class ToEmulator(TwilioHttpClient):
    """Sends what the client addresses to api.twilio.com to the emulator instead."""

    def __init__(self, origin: str) -> None:
        super().__init__()
        self.origin = origin
        self.urls: list[str] = []

    def request(self, method: str, url: str, *args: Any, **kwargs: Any) -> Response:
        # A request anywhere else would leave loopback: refuse it rather than send it.
        assert url.startswith(f"{TWILIO}/"), url
        self.urls.append(url)
        return super().request(method, self.origin + url.removeprefix(TWILIO), *args, **kwargs)


@pytest.fixture
def client() -> Iterator[tuple[Client, emulator.RunningEmulator, ToEmulator]]:
    running = emulator.start(accounts=1)
    account = running.accounts[0]
    http = ToEmulator(running.server.url)
    try:
        yield Client(account.sid, account.token, http_client=http), running, http
    finally:
        http.session.close()
        running.stop()


def _call(client: Client) -> str:
    call = client.calls.create(to="+15550100001", from_="+15550100002", url="http://127.0.0.1:9/")
    return str(call.sid)


def test_twilio_client_records_a_call_stops_fetches_and_lists(
    client: tuple[Client, emulator.RunningEmulator, ToEmulator],
) -> None:
    twilio, running, http = client
    receiver = CallbackReceiver().start()
    try:
        call_sid = _call(twilio)
        token, callback = receiver.new_url()
        recording = twilio.calls(call_sid).recordings.create(
            recording_channels="dual",
            recording_status_callback=callback,
            recording_status_callback_event=["in-progress", "completed"],
            recording_status_callback_method="POST",
            trim="trim-silence",
        )
        assert recording.call_sid == call_sid and recording.channels == 2
        assert recording.status == "in-progress"
        stored = running.store.recordings[recording.sid]
        assert (stored.trim, stored.callback_method) == ("trim-silence", "POST")
        assert stored.callback_events == {"in-progress", "completed"}

        stopped = twilio.calls(call_sid).recordings(recording.sid).update(status="stopped")
        assert stopped.status == "completed"
        fetched = twilio.calls(call_sid).recordings(recording.sid).fetch()
        assert (fetched.sid, fetched.status, fetched.channels) == (recording.sid, "completed", 2)
        assert twilio.recordings(recording.sid).fetch().call_sid == call_sid
        listed = twilio.calls(call_sid).recordings.list()
        assert [r.sid for r in listed] == [recording.sid]

        receiver.wait({token: 2}, timeout=5, grace=0.1)
        events = sorted(d.payload["RecordingStatus"] for d in receiver.deliveries(token))
        assert events == ["completed", "in-progress"]
    finally:
        receiver.stop()
    # The SDK spoke to the path it speaks to Twilio, and the emulator served it.
    assert all(u.startswith(f"{TWILIO}/2010-04-01/Accounts/") for u in http.urls)


def test_twilio_client_raises_its_own_exception_with_the_emulators_code(
    client: tuple[Client, emulator.RunningEmulator, ToEmulator],
) -> None:
    twilio, _, _ = client
    call_sid = _call(twilio)
    with pytest.raises(TwilioRestException) as invalid:
        twilio.calls(call_sid).recordings.create(recording_channels="stereo")
    assert (invalid.value.status, invalid.value.code) == (400, 21422)
    assert "RecordingChannels" in invalid.value.msg

    unknown = "CA" + "0" * 32
    with pytest.raises(TwilioRestException) as missing:
        twilio.calls(unknown).recordings.create()
    assert (missing.value.status, missing.value.code) == (404, 20404)


def test_twilio_client_pages_through_a_calls_recordings_by_next_page_uri(
    client: tuple[Client, emulator.RunningEmulator, ToEmulator],
) -> None:
    """The emulator's listing pages as the client expects of the vendor's: it asks a page
    size, follows next_page_uri (joined to its own host) and gets every recording once,
    newest first."""
    twilio, _, http = client
    call_sid = _call(twilio)
    made = [twilio.calls(call_sid).recordings.create().sid for _ in range(5)]
    before = len(http.urls)
    listed = twilio.calls(call_sid).recordings.list(page_size=2)
    assert [r.sid for r in listed] == made[::-1]
    pages = http.urls[before:]
    # The first page's PageSize travels as a parameter; the others are the next_page_uri.
    assert len(pages) == 3 and all("PageSize=2" in u and "PageToken=" in u for u in pages[1:])
