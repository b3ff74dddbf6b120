"""A call's recordings read as a real client reads a paged list: the emulator pages like
the vendor, the suite follows every next_page_uri (on the target's own host only, within
a bound) and tells recordings apart by sid; and what a refused request left on the call
is judged at the end of the run, on a call the suite created or one given with
--call-sid that already holds more than a page."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from conformance.checks import Refused
from conformance.checks.identity import (
    Listed,
    Listing,
    Probe,
    WholeRun,
    created_nothing,
    nothing_unaccounted_for,
)
from conformance.client.budget import Budget
from conformance.client.target import CallPlan, Credentials, Target, TargetClient
from conformance.run.listing import MAX_PAGES, page_size_for, read_listing
from contract.exchange import Exchange, Received, SentRequest
from contract.failures import Inconclusive, Violation
from contract.terms import (
    API_VERSION,
    LIST_KEY,
    NEXT_PAGE_FIELD,
    PAGE_SIZE_DEFAULT,
    PAGE_SIZE_MAX,
    REFUSED_CREATES_NOTHING,
    WRONG_TOKEN,
)
from emulator import RunningEmulator, Store, create_app, start
from emulator.serving import RunningServer, serve_in_thread
from power.runner import run_suite_in_process

PREFIX = f"/api/laml/{API_VERSION}"
ACCOUNT, TOKEN = "11111111-1111-4111-8111-111111111111", "token-1"


# -- the emulator pages like the vendor -----------------------------------------------


@pytest.fixture
def api() -> Iterator[TestClient]:
    store = Store()
    store.add_account(ACCOUNT, TOKEN)
    with TestClient(create_app(store), base_url="http://emulator") as c:
        c.auth = (ACCOUNT, TOKEN)
        yield c


def _call_with(api: TestClient, recordings: int) -> tuple[str, list[str]]:
    call = api.post(
        f"{PREFIX}/Accounts/{ACCOUNT}/Calls.json",
        data={"To": "+1", "From": "+2", "Url": "http://127.0.0.1:9/x"},
    ).json()["sid"]
    sids = [api.post(_list_path(call)).json()["sid"] for _ in range(recordings)]
    return call, sids


def _list_path(call: str) -> str:
    return f"{PREFIX}/Accounts/{ACCOUNT}/Calls/{call}/Recordings.json"


def test_the_emulator_lists_a_page_of_the_default_size_newest_first(api: TestClient) -> None:
    call, sids = _call_with(api, PAGE_SIZE_DEFAULT + 7)
    page = api.get(_list_path(call)).json()
    assert page["page"] == 0 and page["page_size"] == PAGE_SIZE_DEFAULT
    listed = [r["sid"] for r in page[LIST_KEY]]
    assert listed == sids[::-1][:PAGE_SIZE_DEFAULT]  # newest first: a count stays at 50
    following = page[NEXT_PAGE_FIELD]
    assert following.startswith(f"{PREFIX}/Accounts/") and "PageToken=" in following
    last = api.get(following).json()
    assert [r["sid"] for r in last[LIST_KEY]] == sids[::-1][PAGE_SIZE_DEFAULT:]
    assert last[NEXT_PAGE_FIELD] is None and last["previous_page_uri"] is not None


def test_a_page_token_carries_on_after_the_last_recording_read(api: TestClient) -> None:
    call, sids = _call_with(api, 6)
    first = api.get(_list_path(call), params={"PageSize": 3}).json()
    api.post(_list_path(call))  # created between the pages: it shifts nothing
    second = api.get(first[NEXT_PAGE_FIELD]).json()
    assert [r["sid"] for r in first[LIST_KEY] + second[LIST_KEY]] == sids[::-1]


@pytest.mark.parametrize("size", ["0", str(PAGE_SIZE_MAX + 1), "ten", "-1"])
def test_a_page_size_out_of_range_is_refused(api: TestClient, size: str) -> None:
    call, _ = _call_with(api, 1)
    answer = api.get(_list_path(call), params={"PageSize": size})
    assert answer.status_code == 400 and answer.json()["status"] == 400


# -- the suite reads every page ---------------------------------------------------------


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    running = start(accounts=1)
    yield running
    running.stop()


def _client(base: str, max_body: int = 1 << 20, budget: Budget | None = None) -> TargetClient:
    target = Target(base, Credentials(ACCOUNT, TOKEN), timeout=5.0)
    return TargetClient(target, budget=budget or Budget(), max_body=max_body)


def _emulator_client(emulator: RunningEmulator, **kw: object) -> TargetClient:
    account = emulator.accounts[0]
    target = Target(emulator.base_url, Credentials(account.sid, account.token), timeout=5.0)
    return TargetClient(target, **kw)  # type: ignore[arg-type]


def _fill(client: TargetClient, n: int) -> tuple[str, list[str]]:
    call = client.create_call(CallPlan()).body["sid"]
    return call, [client.create_recording(call).body["sid"] for _ in range(n)]


def test_every_page_is_read_and_each_costs_a_request(emulator: RunningEmulator) -> None:
    client = _emulator_client(emulator, max_body=64 * 1024)  # pages of 32
    call, sids = _fill(client, 120)
    spent = client.budget.spent
    listing = read_listing(client, call, given=False)
    assert listing.why == "" and listing.sids == set(sids)
    assert len(listing.pages) == 4 == client.budget.spent - spent  # 32 + 32 + 32 + 24
    assert page_size_for(64 * 1024) == 32 and page_size_for(1 << 20) == 512
    assert page_size_for(1 << 30) == PAGE_SIZE_MAX


class Pages:
    """A server whose listing pages are scripted: `next_uri(n)` names the page after n."""

    def __init__(self, next_uri: object) -> None:
        self.next_uri, self.seen = next_uri, 0

    async def handle(self, request: Request) -> Response:
        self.seen += 1
        n = int(request.query_params.get("Page", "0"))
        following = self.next_uri(n) if callable(self.next_uri) else self.next_uri
        return JSONResponse({LIST_KEY: [{"sid": f"s{n}"}], NEXT_PAGE_FIELD: following})


def _serve(handler: object) -> RunningServer:
    return serve_in_thread(Starlette(routes=[Route("/{p:path}", handler, methods=["GET"])]))


@pytest.fixture
def servers() -> Iterator[list[RunningServer]]:
    running: list[RunningServer] = []
    yield running
    for server in running:
        server.stop()


def test_an_endless_next_page_uri_stops_at_the_bound(servers: list[RunningServer]) -> None:
    pages = Pages(lambda n: f"{PREFIX}/Accounts/{ACCOUNT}/Calls/c/Recordings.json?Page={n + 1}")
    servers.append(_serve(pages.handle))
    listing = read_listing(_client(servers[0].url + PREFIX), "c", given=False)
    assert pages.seen == MAX_PAGES and f"within {MAX_PAGES} pages" in listing.why
    with pytest.raises(Inconclusive, match="could not be read whole"):
        listing.whole("the call's recordings")


def test_a_next_page_uri_naming_a_page_read_is_a_loop(servers: list[RunningServer]) -> None:
    pages = Pages(f"{PREFIX}/Accounts/{ACCOUNT}/Calls/c/Recordings.json?PageSize=512")
    servers.append(_serve(pages.handle))
    listing = read_listing(_client(servers[0].url + PREFIX), "c", given=False)
    assert pages.seen == 1 and "a loop" in listing.why


def test_credentials_never_follow_a_next_page_uri_to_another_host(
    servers: list[RunningServer],
) -> None:
    elsewhere = Pages(None)
    servers.append(_serve(elsewhere.handle))
    other = servers[0].url
    pages = Pages(f"{other}/steal")
    servers.append(_serve(pages.handle))
    listing = read_listing(_client(servers[-1].url + PREFIX), "c", given=False)
    assert pages.seen == 1 and "not followed" in listing.why
    # A path that looks like a host ("//host/...") stays a path on the target's own host,
    # as the vendor's SDK joins it to its base URL.
    pages = Pages(other.replace("http:", "") + "/steal")
    servers.append(_serve(pages.handle))
    read_listing(_client(servers[-1].url + PREFIX), "c", given=False)
    assert pages.seen >= 1
    assert elsewhere.seen == 0


def test_an_absolute_next_page_url_on_the_target_is_followed(servers: list[RunningServer]) -> None:
    base: list[str] = []
    pages = Pages(lambda n: f"{base[0]}/Calls/c/Recordings.json?Page=1" if n == 0 else None)
    servers.append(_serve(pages.handle))
    base.append(servers[0].url + PREFIX)
    listing = read_listing(_client(base[0]), "c", given=False)
    assert listing.why == "" and listing.sids == {"s0", "s1"}


def test_a_listing_the_budget_cannot_pay_for_says_so(emulator: RunningEmulator) -> None:
    client = _emulator_client(emulator)
    call, _ = _fill(client, 1)
    client.budget.limit = client.budget.spent
    assert "budget" in read_listing(client, call, given=False).why


# -- the checks -------------------------------------------------------------------------

_answers = count()


def _exchange(status: int = 200, url: str = "http://target/list") -> Exchange:
    return Exchange(SentRequest("GET", f"{url}?n={next(_answers)}"), Received(status, "", "{}"))


def _listing(*sids: str, given: bool = False, why: str = "") -> Listing:
    page = _exchange()
    items = [
        Listed(s, {"sid": s, "date_created": "Mon, 07 Dec 2026 18:00:00 +0000"}, page) for s in sids
    ]
    return Listing("call", given, items, [page], why)


def _probe(before: Listing, after: Listing) -> Probe:
    refused = Refused(_exchange(401), "a wrong API token", 401)
    return Probe(WRONG_TOKEN, refused, (before, after))


def test_a_recording_past_the_first_page_is_seen_by_its_sid() -> None:
    before = _listing(*(f"r{i}" for i in range(60)))
    after = _listing(*(f"r{i}" for i in range(60)), "stray")  # as many on a first page
    with pytest.raises(Violation, match="stray"):
        created_nothing(_probe(before, after))
    assert created_nothing(_probe(before, _listing(*(f"r{i}" for i in range(60)))))


def test_on_a_given_call_a_new_recording_cannot_be_told_apart() -> None:
    before, after = _listing("a", given=True), _listing("a", "b", given=True)
    with pytest.raises(Inconclusive, match="someone else"):
        created_nothing(_probe(before, after))


def _run(
    after: Listing,
    accepted: tuple[str, ...] = ("a",),
    before: Listing | None = None,
    uncertain: int = 0,
    refused: int = 3,
) -> WholeRun:
    return WholeRun(before, after, frozenset(accepted), uncertain, refused)


def test_a_recording_no_accepted_create_returned_fails_the_run() -> None:
    with pytest.raises(Violation, match=r"1 recording\(s\) on call call .*stray \(date_created"):
        nothing_unaccounted_for(_run(_listing("a", "stray")))
    assert nothing_unaccounted_for(_run(_listing("a")))


def test_the_whole_run_is_inconclusive_where_the_listing_cannot_tell() -> None:
    cases = {
        "someone else": _run(_listing("old", "a", "b", given=True), before=_listing("old")),
        "may have started them": _run(_listing("a", "b"), uncertain=1),
        "no create on the call was refused": _run(_listing("a", "b"), refused=0),
        "could not be read whole": _run(_listing("a", why="the listing answered HTTP 404")),
    }
    for why, run in cases.items():
        with pytest.raises(Inconclusive, match=why):
            nothing_unaccounted_for(run)
    # What a given call held before the run is no refused request's doing.
    given = _run(_listing("old", "a", given=True), before=_listing("old", given=True))
    assert nothing_unaccounted_for(given)
    # More strays than creates whose answer was lost: the rest are a refusal's doing.
    with pytest.raises(Violation, match="at most 1 may be"):
        nothing_unaccounted_for(_run(_listing("a", "b", "c"), uncertain=1))


# -- whole runs on a call that already holds more than a page -------------------------


def _given_call_run(tmp_path: Path, *faults: str) -> tuple[str, str]:
    """The suite against an emulator, on a given call that already holds 70 recordings
    (a live user's re-run); the clause's verdict and note."""
    running = start(accounts=1, faults=faults)
    try:
        client = _emulator_client(running)
        call, _ = _fill(client, 70)
        account = running.accounts[0]
        run = run_suite_in_process(
            "--base-url",
            running.base_url,
            "--call-sid",
            call,
            "--clause",
            REFUSED_CREATES_NOTHING.id,
            "--clause",
            "REJECT-TRIM",
            report_dir=tmp_path,
            env={"SIGNALWIRE_PROJECT_ID": account.sid, "SIGNALWIRE_API_TOKEN": account.token},
        )
    finally:
        running.stop()
    assert run.report is not None, run.output[-3000:]
    verdict = next(c for c in run.report.clauses if c.id == REFUSED_CREATES_NOTHING.id)
    return str(verdict.verdict), verdict.note


def test_a_given_call_holding_pages_of_recordings_is_judged_by_sid(tmp_path: Path) -> None:
    assert _given_call_run(tmp_path / "faithful") == ("pass", "")
    verdict, note = _given_call_run(tmp_path / "faulty", "refused-creates-once-call-is-full")
    assert verdict == "inconclusive" and "someone else" in note, note
