"""The reference emulator, in-process through Starlette's TestClient."""

from __future__ import annotations

import base64
from collections.abc import Iterator

import pytest
from starlette.testclient import TestClient

from conformance.client.receiver import CallbackReceiver
from contract.openapi import openapi_document
from contract.terms import API_VERSION, RESPONSE_FIELDS
from emulator import Store, create_app, start
from emulator.faults import build, catalog

FAULTS = catalog()
PREFIX = f"/api/laml/{API_VERSION}"


@pytest.fixture
def store() -> Store:
    s = Store()
    s.add_account("11111111-1111-4111-8111-111111111111", "token-1")
    s.add_account("22222222-2222-4222-8222-222222222222", "token-2")
    return s


@pytest.fixture
def api(store: Store) -> Iterator[TestClient]:
    with TestClient(create_app(store), base_url="http://emulator") as c:
        c.auth = ("11111111-1111-4111-8111-111111111111", "token-1")
        yield c


def _account(store: Store) -> str:
    return next(iter(store.accounts))


def _call(api: TestClient, store: Store, prefix: str = PREFIX, suffix: str = ".json") -> str:
    r = api.post(
        f"{prefix}/Accounts/{_account(store)}/Calls{suffix}",
        data={"To": "+1", "From": "+2", "Url": "http://127.0.0.1:9/x"},
    )
    assert r.status_code == 201
    return r.json()["sid"]


def _recordings(store: Store, call: str, prefix: str = PREFIX, suffix: str = ".json") -> str:
    return f"{prefix}/Accounts/{_account(store)}/Calls/{call}/Recordings{suffix}"


def test_create_answers_200_with_all_contract_fields(api: TestClient, store: Store) -> None:
    r = api.post(_recordings(store, _call(api, store)))
    assert r.status_code == 200
    assert list(r.json()) == [f.name for f in RESPONSE_FIELDS]
    assert r.json()["channels"] == r.json()["channel"] == "1"
    assert r.json()["trim"] == "do-not-trim"


@pytest.mark.parametrize("prefix", [PREFIX, f"/{API_VERSION}"])
@pytest.mark.parametrize("suffix", [".json", ""])
def test_routes_with_and_without_suffix_under_both_prefixes(
    api: TestClient, store: Store, prefix: str, suffix: str
) -> None:
    call = _call(api, store, prefix, suffix)
    r = api.post(_recordings(store, call, prefix, suffix), data={"RecordingChannels": "dual"})
    assert r.status_code == 200 and r.json()["channels"] == "2"
    assert r.json()["uri"].startswith(f"{prefix}/Accounts/")


def test_invalid_value_is_refused_in_the_error_shape(api: TestClient, store: Store) -> None:
    r = api.post(_recordings(store, _call(api, store)), data={"Trim": "TRIM-SILENCE"})
    assert r.status_code == 400
    assert set(r.json()) == {"code", "message", "more_info", "status"}
    assert r.json()["status"] == 400 and "Trim" in r.json()["message"]


def test_events_accepted_spaced_and_repeated(api: TestClient, store: Store) -> None:
    call = _call(api, store)
    for body in (
        "RecordingStatusCallbackEvent=completed%20absent",
        "RecordingStatusCallbackEvent=completed&RecordingStatusCallbackEvent=absent",
    ):
        r = api.post(
            _recordings(store, call),
            content=body,
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert r.status_code == 200, body


def test_unknown_call_is_404_and_other_account_is_401(api: TestClient, store: Store) -> None:
    call = _call(api, store)
    r = api.post(_recordings(store, "33333333-3333-4333-8333-333333333333"))
    assert r.status_code == 404 and r.json()["status"] == 404
    other = "22222222-2222-4222-8222-222222222222"
    r = api.post(f"{PREFIX}/Accounts/{other}/Calls/{call}/Recordings.json")
    assert r.status_code == 401


@pytest.mark.parametrize("auth", [None, ("11111111-1111-4111-8111-111111111111", "wrong")])
def test_missing_or_wrong_credentials_are_401(api: TestClient, store: Store, auth: object) -> None:
    call = _call(api, store)
    headers = {}
    if auth:
        user, token = auth  # type: ignore[misc]
        headers["authorization"] = "Basic " + base64.b64encode(f"{user}:{token}".encode()).decode()
    api.auth = None
    r = api.post(_recordings(store, call), headers=headers)
    assert r.status_code == 401 and r.json()["code"] == 20003
    assert not store.recordings


def test_update_pause_resume_stop_then_fetch_and_delete(api: TestClient, store: Store) -> None:
    call = _call(api, store)
    sid = api.post(_recordings(store, call)).json()["sid"]
    one = f"{PREFIX}/Accounts/{_account(store)}/Calls/{call}/Recordings/{sid}.json"
    assert api.post(one, data={"Status": "paused"}).json()["status"] == "paused"
    assert api.post(one, data={"Status": "in-progress"}).json()["status"] == "in-progress"
    stopped = api.post(one, data={"Status": "stopped"}).json()
    assert stopped["status"] == "completed" and stopped["end_time"]
    assert api.post(one, data={"Status": "stopped"}).status_code == 400
    fetched = api.get(f"{PREFIX}/Accounts/{_account(store)}/Recordings/{sid}.json")
    assert fetched.json()["sid"] == sid
    assert (
        api.delete(f"{PREFIX}/Accounts/{_account(store)}/Recordings/{sid}.json").status_code == 204
    )
    assert api.get(f"{PREFIX}/Accounts/{_account(store)}/Recordings/{sid}.json").status_code == 404


def test_ending_the_call_completes_its_recordings(api: TestClient, store: Store) -> None:
    call = _call(api, store)
    sid = api.post(_recordings(store, call)).json()["sid"]
    r = api.post(
        f"{PREFIX}/Accounts/{_account(store)}/Calls/{call}.json", data={"Status": "completed"}
    )
    assert r.json()["status"] == "completed"
    assert store.recordings[sid].status == "completed"
    assert api.post(_recordings(store, call)).status_code == 400  # no longer in progress


def test_serves_the_projects_openapi_document(api: TestClient) -> None:
    assert api.get("/openapi.json").json() == openapi_document()


def test_status_callbacks_follow_events_and_method() -> None:
    receiver = CallbackReceiver().start()
    emulator = start(accounts=1)
    try:
        import httpx

        account = emulator.accounts[0]
        with httpx.Client(auth=(account.sid, account.token)) as http:
            base = f"{emulator.base_url}/Accounts/{account.sid}"
            call = http.post(
                f"{base}/Calls.json", data={"To": "1", "From": "2", "Url": "http://x"}
            ).json()["sid"]
            token, url = receiver.new_url()
            rec = http.post(
                f"{base}/Calls/{call}/Recordings.json",
                data={
                    "RecordingStatusCallback": url,
                    "RecordingStatusCallbackMethod": "GET",
                    "RecordingStatusCallbackEvent": "in-progress completed",
                },
            ).json()
            http.post(
                f"{base}/Calls/{call}/Recordings/{rec['sid']}.json", data={"Status": "stopped"}
            )
        receiver.wait({token: 2}, timeout=5, grace=0.1)
        got = receiver.deliveries(token)
        assert sorted(d.payload["RecordingStatus"] for d in got) == ["completed", "in-progress"]
        assert all(d.method == "GET" and not d.form for d in got)
        assert {d.payload["RecordingSid"] for d in got} == {rec["sid"]}
    finally:
        emulator.stop()
        receiver.stop()


def test_every_fault_names_a_clause_and_builds() -> None:
    assert len(build(tuple(FAULTS))) == len(FAULTS)
    with pytest.raises(ValueError, match="unknown fault"):
        build(("no-such-fault",))
