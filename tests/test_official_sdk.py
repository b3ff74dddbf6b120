"""The official SignalWire Python SDK (PyPI `signalwire`) against the emulator, with
nothing changed but its space URL. The SDK always speaks HTTPS, so the emulator is
served with a certificate from a throwaway CA, which the SDK's own HTTP client
(its documented extension point, a requests Session) is told to trust."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from conformance.client.receiver import CallbackReceiver
from emulator import Store, create_app
from emulator.serving import RunningServer, serve_in_thread

signalwire_rest = pytest.importorskip("signalwire.rest")
TwilioHttpClient = pytest.importorskip("twilio.http.http_client").TwilioHttpClient


@pytest.fixture
def tls_emulator(
    throwaway_tls: tuple[tuple[str, str], str],
) -> Iterator[tuple[RunningServer, Store, str]]:
    tls, cafile = throwaway_tls
    store = Store()
    store.add_account()
    server = serve_in_thread(create_app(store), tls=tls)
    yield server, store, cafile
    server.stop()


@pytest.fixture
def sdk(tls_emulator: tuple[RunningServer, Store, str]) -> Iterator[tuple[Any, Any]]:
    """The vendor's client, trusting the throwaway CA, and a call it placed."""
    server, store, cafile = tls_emulator
    account = next(iter(store.accounts.values()))
    http = TwilioHttpClient()
    http.session.verify = cafile
    try:
        client = signalwire_rest.Client(
            account.sid,
            account.token,
            signalwire_space_url=f"127.0.0.1:{server.port}",
            http_client=http,
        )
        call = client.calls.create(
            to="+15550100001", from_="+15550100002", url="http://127.0.0.1:9/laml"
        )
        yield client, call
    finally:
        http.session.close()


def test_sdk_creates_call_records_with_every_parameter_and_stops(
    tls_emulator: tuple[RunningServer, Store, str], sdk: tuple[Any, Any]
) -> None:
    store = tls_emulator[1]
    client, call = sdk
    receiver = CallbackReceiver().start()
    try:
        token, callback = receiver.new_url()
        recording = client.calls(call.sid).recordings.create(
            recording_channels="dual",
            recording_status_callback=callback,
            recording_status_callback_event=["in-progress", "completed"],
            recording_status_callback_method="GET",
            recording_track="inbound",
            trim="trim-silence",
        )
        assert recording.call_sid == call.sid and recording.channels == 2
        assert recording.status == "in-progress" and recording.conference_sid is None
        stored = store.recordings[recording.sid]
        assert (stored.trim, stored.track, stored.callback_method) == (
            "trim-silence",
            "inbound",
            "GET",
        )
        assert stored.callback_events == {"in-progress", "completed"}

        stopped = client.calls(call.sid).recordings(recording.sid).update(status="stopped")
        assert stopped.status == "completed"
        ended = client.calls(call.sid).update(status="completed")
        assert ended.status == "completed"

        receiver.wait({token: 2}, timeout=5, grace=0.1)
        events = sorted(d.payload["RecordingStatus"] for d in receiver.deliveries(token))
        assert events == ["completed", "in-progress"]
    finally:
        receiver.stop()


def test_sdk_pages_through_a_calls_recordings_by_next_page_uri(sdk: tuple[Any, Any]) -> None:
    """The vendor's SDK reads the emulator's paged listing as the vendor's: a page size
    asked, next_page_uri joined to the space's host and followed, every recording once."""
    client, call = sdk
    made = [client.calls(call.sid).recordings.create().sid for _ in range(5)]
    listed = client.calls(call.sid).recordings.list(page_size=2)
    assert [r.sid for r in listed] == made[::-1]
