"""The reference emulator against hostile or careless clients and callback receivers:
hung receivers, bodies of the wrong type or size, huge values, clients that hang up
mid-body, and a store that would otherwise grow forever."""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import Iterator

import httpx
import pytest
from starlette.testclient import TestClient

from conformance.contract import API_VERSION, IN_PROGRESS_EVENT, STOP_STATUS
from conformance.receiver import CallbackReceiver
from emulator import Store, create_app, start
from emulator.delivery import Deliveries
from emulator.faults import Callback

PREFIX = f"/api/laml/{API_VERSION}"
ACCOUNT, TOKEN = "11111111-1111-4111-8111-111111111111", "token-1"
ACCOUNT_PATH = f"{PREFIX}/Accounts/{ACCOUNT}"
MIB = 1 << 20


@pytest.fixture
def store() -> Store:
    s = Store()
    s.add_account(ACCOUNT, TOKEN)
    return s


@pytest.fixture
def api(store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(store), base_url="http://emulator") as c:
        c.auth = (ACCOUNT, TOKEN)
        yield c


@pytest.fixture
def hung_url() -> Iterator[str]:
    """A receiver that takes connections (in the kernel's backlog) and never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(512)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/hung"


def _new_call(api: TestClient | httpx.Client, base: str = ACCOUNT_PATH) -> str:
    r = api.post(f"{base}/Calls.json", data={"To": "+1", "From": "+2", "Url": "http://127.0.0.1:9"})
    assert r.status_code == 201
    return r.json()["sid"]


# -- status callbacks ------------------------------------------------------------------


def test_a_hung_receiver_does_not_hold_back_a_healthy_ones_callbacks(hung_url: str) -> None:
    receiver = CallbackReceiver().start()
    emulator = start(accounts=1)
    account = emulator.accounts[0]
    base = f"{emulator.base_url}/Accounts/{account.sid}"
    events = f"{IN_PROGRESS_EVENT} completed"
    try:
        with httpx.Client(auth=(account.sid, account.token), timeout=10) as http:
            recordings = f"{base}/Calls/{_new_call(http, base)}/Recordings"
            for _ in range(300):
                hung = {"RecordingStatusCallback": hung_url, "RecordingStatusCallbackEvent": events}
                assert http.post(f"{recordings}.json", data=hung).status_code == 200
            tokens = []
            for _ in range(20):
                token, url = receiver.new_url()
                tokens.append(token)
                healthy = {"RecordingStatusCallback": url, "RecordingStatusCallbackEvent": events}
                sid = http.post(f"{recordings}.json", data=healthy).json()["sid"]
                http.post(f"{recordings}/{sid}.json", data={"Status": STOP_STATUS})
        receiver.wait(dict.fromkeys(tokens, 2), timeout=10, grace=0)
        delivered = [[d.payload["RecordingStatus"] for d in receiver.deliveries(t)] for t in tokens]
        assert delivered == [[IN_PROGRESS_EVENT, "completed"]] * len(tokens)
    finally:
        emulator.stop()
        receiver.stop()


def test_callbacks_past_the_delivery_bounds_are_dropped_with_a_warning(
    caplog: pytest.LogCaptureFixture, hung_url: str
) -> None:
    def callback(url: str) -> Callback:
        return Callback(IN_PROGRESS_EVENT, "POST", url, {"RecordingSid": "x"})

    async def submit() -> None:
        deliveries = Deliveries(timeout=1, queue_bound=2, max_destinations=1)
        # All at once, before the destination's worker runs: two wait, four are dropped.
        deliveries.submit([callback(hung_url)] * 6)
        deliveries.submit([callback("http://127.0.0.2:9/other-destination")])

    caplog.set_level(logging.WARNING, logger="emulator")
    asyncio.run(submit())
    dropped = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(dropped) == 5
    assert all("dropped" in r.getMessage() for r in dropped)
    assert "other-destination" in dropped[-1].getMessage()
