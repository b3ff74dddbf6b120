"""A call's recordings, read as a real client reads a paged list of this API family: the
page size asked for, every page followed by its next_page_uri, recordings told apart by
sid (a count on one page cannot change once the call holds a page). And the call's
ledger of the run: a given call's recordings before the first create, and the call's
whole listing after the last, which shows what any refused request left behind.

Every peer is untrusted: a listing reads at most MAX_PAGES pages, never the same page
twice, and follows a next_page_uri only on the target's own scheme, host and port (the
credentials go nowhere else; the wire follows no redirect).
"""

from __future__ import annotations

import httpx

from conformance.checks.identity import Listed, Listing, WholeRun
from conformance.client.budget import BudgetExhausted
from conformance.client.target import TargetClient
from conformance.run.calls import Harness
from contract.exchange import Exchange
from contract.failures import Inconclusive
from contract.terms import LIST_KEY, NEXT_PAGE_FIELD, PAGE_SIZE_MAX, REFUSED_CREATES_NOTHING

# Bytes of --max-response-bytes a page leaves each recording (one is about 1 KB): the
# page size asked is as large as fits the read bound, at most the vendor's maximum.
ITEM_BYTES = 2048
# Pages a listing reads at most: 20 pages of 512 (the default bound's) is 10,240
# recordings, far past what runs leave on a call; a next_page_uri without end stops here.
MAX_PAGES = 20


def page_size_for(max_body: int) -> int:
    return max(1, min(PAGE_SIZE_MAX, max_body // ITEM_BYTES))


def read_listing(client: TargetClient, call_sid: str, given: bool) -> Listing:
    """The call's recordings, every page; `why` says what stopped it short, if anything
    (transport trouble, the budget, a page that is no list, a bound)."""
    listing = Listing(call_sid, given)
    try:
        exchange = client.list_recordings(call_sid, page_size_for(client.max_body))
        asked = {exchange.request.url}
        while True:
            listing.pages.append(exchange)
            listing.why = _read_page(exchange, listing)
            following = exchange.body.get(NEXT_PAGE_FIELD)
            if listing.why or following is None or following == "":
                return listing
            url = _on_the_target(client.target.base_url, following)
            if url is None:
                listing.why = (
                    f"{NEXT_PAGE_FIELD} {str(following)[:200]!r} is no path or URL on the "
                    "target's own host: not followed, so the credentials go nowhere else"
                )
            elif url in asked:
                listing.why = f"{NEXT_PAGE_FIELD} {url} names a page already read (a loop)"
            elif len(listing.pages) >= MAX_PAGES:
                listing.why = f"the list did not end within {MAX_PAGES} pages"
            if listing.why or url is None:
                return listing
            asked.add(url)
            exchange = client.get(url)
    except BudgetExhausted as exc:
        listing.why = f"{exc}: no request was left to list the call's recordings"
    except Inconclusive as exc:
        listing.why = str(exc)
    return listing


def _read_page(exchange: Exchange, listing: Listing) -> str:
    """Adds the page's recordings; returns why it cannot be read ('' if it can)."""
    status = exchange.response.status
    if exchange.response.oversized:
        return "a page was larger than --max-response-bytes"
    if status != 200:
        return f"the listing answered HTTP {status}"
    items = exchange.body.get(LIST_KEY)
    if not isinstance(items, list):
        return f"a page held no {LIST_KEY!r} list"
    for item in items:
        sid = item.get("sid") if isinstance(item, dict) else None
        if not isinstance(sid, str):
            return f"a page listed a recording without a string sid: {str(item)[:200]}"
        listing.items.append(Listed(sid, item, exchange))
    return ""


def _on_the_target(base_url: str, uri: object) -> str | None:
    """The absolute URL of a page named by `uri` (a path on the API's host, as the
    vendor writes it; an absolute URL is taken only on the same origin), or None."""
    if not isinstance(uri, str) or any(c.isspace() for c in uri):
        return None
    base = httpx.URL(base_url)
    try:
        url = httpx.URL(uri) if httpx.URL(uri).is_absolute_url else None
        if url is None:
            origin = f"{base.scheme}://{base.netloc.decode('ascii')}"
            url = httpx.URL(origin + "/" + uri.lstrip("/"))
    except (httpx.InvalidURL, UnicodeError):
        return None
    same = (url.scheme, url.host, url.port) == (base.scheme, base.host, base.port)
    return str(url) if same else None


class CallLedger:
    """Opened once the run's call is known, before the first create: a given call's
    recordings are listed then (a live user's call may hold many of earlier runs). Once
    the first look is sent (`keep_back`), one request is kept back from a budget for the
    listing at the end: the first look judges most clauses, the listing one."""

    def __init__(self, harness: Harness) -> None:
        self.harness = harness
        client = harness.client
        self.call_sid = harness.call_sid()
        self.given = self.call_sid in client.target.calls.given
        spent = client.budget.spent
        self.before = read_listing(client, self.call_sid, True) if self.given else None
        self.requests = client.budget.spent - spent
        self._kept = self._asked = False

    def keep_back(self) -> None:
        """Keep the listing's first request back from the budget, if it has one to spare
        (once: a budget spent by then leaves the listing to whatever is left at the end)."""
        if self._asked:
            return
        self._asked = True
        try:
            self.harness.client.budget.reserve()
            self._kept = True
        except BudgetExhausted:
            pass

    def describe(self) -> str:
        """What listing the call cost the run (its requests are in the count below it)."""
        when = "before and after the run" if self.given else "after the run"
        n = self.requests
        clause = REFUSED_CREATES_NOTHING.id
        return f"the call's recordings listed {when} ({clause}): {n} request{'s' * (n != 1)}"

    def whole_run(self) -> WholeRun:
        client = self.harness.client
        if self._kept:  # the request kept back is this listing's first page
            client.budget.release()
            self._kept = False
        refused = sum(1 for e in client.journal if self._refused_create(e))
        if refused:
            spent = client.budget.spent
            after = read_listing(client, self.call_sid, self.given)
            self.requests += client.budget.spent - spent
        else:  # nothing refused could have left anything: not worth a request
            after = Listing(self.call_sid, self.given, why="not listed: nothing was refused")
        uncertain = self.harness.unnamed_creates + client.uncertain_posts
        started = frozenset(self.harness.report.started)
        return WholeRun(self.before, after, started, uncertain, refused)

    def _refused_create(self, exchange: Exchange) -> bool:
        """A create of a recording on the run's call, answered 4xx (under any account's
        path: the other account's probe names this call too)."""
        path = httpx.URL(exchange.request.url).path
        create = f"/Calls/{self.call_sid}/Recordings{self.harness.client.target.path_suffix}"
        status = exchange.response.status
        return exchange.request.method == "POST" and path.endswith(create) and 400 <= status < 500
