"""The target under test: where it is, how to authenticate, and a client that
keeps a journal of every exchange."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import quote, unquote, urlencode, urlsplit

import httpx

from conformance.client.budget import Budget
from conformance.client.secrets import Scrubber
from conformance.client.wire import DEFAULT_MAX_BODY, Answer, NoAnswer, Wire
from contract.exchange import Auth, Exchange, Received, SentRequest
from contract.failures import ConfigurationError, Inconclusive
from contract.forms import Form
from contract.terms import PAGE_SIZE_PARAM, STOP_STATUS
from strategies.credentials import NotDerivable, authorization

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")
RETRY_STATUSES = (429, 503)  # the target asks us to come back later: not a verdict
# A target that left this many requests in a row unanswered (every try spent) is taken
# to have stopped answering: the rest of the run is inconclusive at once, not hours of
# timeouts. Clean-up still tries, each request once, with a short deadline.
UNANSWERED_IN_A_ROW = 3
CLEANUP_DEADLINE = 5.0


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded retries with exponential backoff, honouring Retry-After."""

    attempts: int = 3  # tries per request, the first included
    max_wait: float = 30.0  # seconds spent waiting for one request, all retries together
    base_delay: float = 0.5

    def delay(self, attempt: int, retry_after: str | None) -> float:
        asked = _retry_after_seconds(retry_after)
        backoff = self.base_delay * 2 ** (attempt - 1)
        return max(backoff, asked) if asked is not None else backoff


def _retry_after_seconds(value: str | None) -> float | None:
    """Retry-After is delta-seconds or an HTTP date."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


@dataclass(frozen=True)
class Credentials:
    project_id: str
    api_token: str = field(repr=False)
    # The project's signing key, which signs its webhooks (a credential of its own, only
    # the user has it): given, the callbacks' signatures are judged; never written out.
    signing_key: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class CallPlan:
    """How the suite obtains in-progress calls: given SIDs, or calls it creates."""

    given: tuple[str, ...] = ()
    to: str = "+15550100001"
    from_: str = "+15550100002"
    url: str = "http://127.0.0.1:9/laml"
    # --no-call-check: the user vouches for the given calls, which are not fetched.
    vouched: bool = False


@dataclass(frozen=True)
class Target:
    base_url: str
    credentials: Credentials
    path_suffix: str = ".json"
    timeout: float = 10.0
    calls: CallPlan = CallPlan()
    # A second account the suite may use to prove isolation; None on a live target.
    other_account: Credentials | None = None
    proxy: str | None = None  # the proxy the run goes through (conformance/client/proxies.py)
    ca_bundle: str | None = None  # CAs trusted beside the environment's (--ca-bundle)

    @property
    def account_sid(self) -> str:
        return self.credentials.project_id

    def scrubber(self) -> Scrubber:
        """Masks its credentials (its signing key among them), the second account's
        where one is known, and the password of the proxy the run goes through (which a
        proxy's error may quote)."""
        creds, other = self.credentials, self.other_account
        others: tuple[tuple[str, str], ...] = (
            ((other.project_id, other.api_token),) if other else ()
        )
        proxy = urlsplit(self.proxy) if self.proxy else None
        if proxy is not None and proxy.password:
            others += ((unquote(proxy.username or ""), unquote(proxy.password)),)
        keys = (creds.signing_key,) if creds.signing_key else ()
        return Scrubber.for_credentials(creds.project_id, creds.api_token, others, keys)


def parse_base_url(raw: str) -> str:
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigurationError(
            f"--base-url {raw!r} is not an absolute http(s) URL "
            "(e.g. http://127.0.0.1:8080/api/laml/2010-04-01)"
        )
    try:
        parts.port  # noqa: B018 - raises on a malformed port
    except ValueError as exc:
        raise ConfigurationError(f"--base-url {raw!r}: {exc}") from None
    return raw.rstrip("/")


def signing_key_from(signing_key: str | None, env: Mapping[str, str] = os.environ) -> str | None:
    """--signing-key, or SIGNALWIRE_SIGNING_KEY; None when neither is given."""
    return signing_key or env.get("SIGNALWIRE_SIGNING_KEY") or None


def credentials_from(
    project_id: str | None,
    api_token: str | None,
    env: Mapping[str, str] = os.environ,
    signing_key: str | None = None,
) -> Credentials:
    project_id = project_id or env.get("SIGNALWIRE_PROJECT_ID")
    api_token = api_token or env.get("SIGNALWIRE_API_TOKEN")
    missing = [
        name
        for name, value in (
            ("--project-id or SIGNALWIRE_PROJECT_ID", project_id),
            ("--api-token or SIGNALWIRE_API_TOKEN", api_token),
        )
        if not value
    ]
    if missing:
        raise ConfigurationError(
            f"a target given by --base-url needs credentials: set {' and '.join(missing)}"
        )
    assert project_id and api_token
    return Credentials(project_id, api_token, signing_key_from(signing_key, env))


class TargetClient:
    """Sends requests to the target and journals each exchange (without secrets)."""

    def __init__(
        self,
        target: Target,
        transport: httpx.AsyncBaseTransport | None = None,
        budget: Budget | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_body: int = DEFAULT_MAX_BODY,
    ) -> None:
        self.target = target
        self._wire = Wire(
            target.timeout, max_body, transport, proxy=target.proxy, ca_bundle=target.ca_bundle
        )
        self.journal: list[Exchange] = []
        self.budget = budget or Budget()
        self.retry = retry or RetryPolicy()
        self._sleep = sleep
        self.scrub = target.scrubber()
        self._unanswered = 0  # requests in a row that got no answer, all tries spent
        # POST tries that ended with no answer, or a 429/503: each may have been carried
        # out all the same, its answer lost (a recording no accepted create named).
        self.uncertain_posts = 0

    @property
    def max_body(self) -> int:
        return self._wire.max_body

    def close(self) -> None:
        self._wire.close()

    def __enter__(self) -> TargetClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing -------------------------------------------------------------

    def url(self, *segments: str, account_sid: str | None = None) -> str:
        # Each identifier one path segment whatever it holds: a `?`, `#` or `/` in a SID
        # names that SID, not a query, a fragment or another resource.
        named = (account_sid or self.target.account_sid, *segments)
        path = "/".join(("Accounts", *(quote(s, safe="") for s in named)))
        return f"{self.target.base_url}/{path}{self.target.path_suffix}"

    def send(
        self,
        method: str,
        url: str,
        form: Iterable[tuple[str, str]] = (),
        auth: Auth = Auth.ACCOUNT,
        cleanup: bool = False,
        headers: Iterable[tuple[str, str]] = (),
    ) -> Exchange:
        """One request, retried on transport errors and 429/503 within the retry policy;
        every try is counted against the budget. Past the bound: Inconclusive. Clean-up
        requests have a short deadline, and are tried once where the target has stopped
        answering. `headers` replace the suite's own of the same name, as spelled."""
        request = SentRequest(method, url, tuple(form), auth, tuple(headers))
        if any(name.lower() == "authorization" for name, _ in request.headers):
            raise ValueError("credentials travel as `auth`, never as a spelled header")
        sent = {"Accept": "application/json"}
        content: bytes | None = None
        if method != "GET":
            sent["Content-Type"] = "application/x-www-form-urlencoded"
            content = urlencode(request.form).encode()
        credential = self._authorization(request)  # before any try: nothing is charged
        if credential is not None:
            sent["Authorization"] = credential
        spelled = {name.lower() for name, _ in request.headers}
        sent = {k: v for k, v in sent.items() if k.lower() not in spelled}
        sent.update(request.headers)
        stopped_answering = self._unanswered >= UNANSWERED_IN_A_ROW
        if stopped_answering and not cleanup:
            raise Inconclusive(
                f"{method} {url}: not sent, the target stopped answering "
                f"({self._unanswered} requests in a row got no answer)"
            )
        answer = self._send_with_retries(request, content, sent, cleanup, stopped_answering)
        exchange = Exchange(request, self._received(answer))
        self.journal.append(exchange)
        return exchange

    def _received(self, answer: Answer) -> Received:
        try:
            text, utf8 = answer.body.decode("utf-8"), True
        except UnicodeDecodeError:
            text, utf8 = answer.body.decode("utf-8", "replace"), False
        return Received(
            answer.status,
            self.scrub(answer.header("content-type")),
            self.scrub(text),
            utf8=utf8,
            oversized=answer.oversized,
        )

    # Hand-written on purpose. tenacity (9.2) fits: the budget charge goes in `before`
    # (run before every try; BudgetExhausted leaves unretried), Retry-After in a custom
    # `wait`, the "waiting more would pass --retry-max-wait" bound in a custom `stop` on
    # idle_for + upcoming_sleep, and tests/test_network.py and test_flaky_network.py pass
    # on such a version. But it took 59 lines in five callbacks against these 44 in one
    # loop, for a new dependency. stamina fits less: it retries on exceptions only (a 429
    # answer would become one and back), bounds wall-clock time rather than the waits,
    # and its test switch is global where each client here takes its own `sleep`.
    def _send_with_retries(
        self,
        request: SentRequest,
        content: bytes | None,
        headers: dict[str, str],
        cleanup: bool,
        once: bool,
    ) -> Answer:
        policy, waited = self.retry, 0.0
        attempts = 1 if once else policy.attempts
        deadline = min(CLEANUP_DEADLINE, self.target.timeout) if cleanup else None
        for attempt in range(1, attempts + 1):
            retry_after = None
            self.budget.charge(cleanup)
            try:
                answer = self._wire.request(
                    request.method,
                    request.url,
                    content=content,
                    headers=headers,
                    auth=None,  # in the headers: the suite spells every credential itself
                    deadline=deadline,
                )
            except NoAnswer as exc:
                trouble, answered = self.scrub(str(exc)), False
            else:
                if answer.status not in RETRY_STATUSES:
                    self._unanswered = 0
                    return answer
                trouble, answered = f"HTTP {answer.status}", True
                retry_after = answer.header("retry-after")
            if request.method == "POST":
                self.uncertain_posts += 1
            where = f"{request.method} {request.url}"
            delay = policy.delay(attempt, retry_after)
            if attempt == attempts or waited + delay > policy.max_wait:
                self._unanswered = 0 if answered else self._unanswered + 1
                if attempt == attempts:
                    raise Inconclusive(f"{where}: {trouble} after {attempt} tries")
                raise Inconclusive(
                    f"{where}: {trouble}; waiting {delay:.0f}s more would pass "
                    f"the retry bound of {policy.max_wait:.0f}s"
                )
            self._sleep(delay)
            waited += delay
        raise AssertionError("unreachable")  # pragma: no cover

    def _authorization(self, request: SentRequest) -> str | None:
        creds, other = self.target.credentials, self.target.other_account
        try:
            return authorization(
                request.auth, creds.project_id, creds.api_token, other.api_token if other else None
            )
        except NotDerivable as exc:
            raise Inconclusive(f"{request.method} {request.url} ({request.auth}): {exc}") from None

    # -- the operations the suite uses ---------------------------------------

    def create_recording(
        self,
        call_sid: str,
        form: Form = (),
        *,
        account_sid: str | None = None,
        auth: Auth = Auth.ACCOUNT,
        headers: Iterable[tuple[str, str]] = (),
    ) -> Exchange:
        url = self.url("Calls", call_sid, "Recordings", account_sid=account_sid)
        return self.send("POST", url, form, auth, headers=headers)

    def update_recording(self, call_sid: str, sid: str, status: str = STOP_STATUS) -> Exchange:
        url = self.url("Calls", call_sid, "Recordings", sid)
        return self.send("POST", url, (("Status", status),), cleanup=status == STOP_STATUS)

    def fetch_recording(self, sid: str) -> Exchange:
        return self.send("GET", self.url("Recordings", sid))

    def list_recordings(self, call_sid: str, page_size: int | None = None) -> Exchange:
        """The first page of the call's recordings (`page_size` asked, or the target's)."""
        url = self.url("Calls", call_sid, "Recordings")
        query = f"?{urlencode({PAGE_SIZE_PARAM: page_size})}" if page_size else ""
        return self.send("GET", url + query)

    def get(self, url: str) -> Exchange:
        """A further page of a listing: `url` on the target's own host (conformance/run/listing.py
        checks that before it asks, so the credentials go nowhere else)."""
        return self.send("GET", url)

    def create_call(self, plan: CallPlan) -> Exchange:
        form = (("To", plan.to), ("From", plan.from_), ("Url", plan.url))
        return self.send("POST", self.url("Calls"), form)

    def fetch_call(self, sid: str) -> Exchange:
        return self.send("GET", self.url("Calls", sid))

    def end_call(self, sid: str) -> Exchange:
        return self.send("POST", self.url("Calls", sid), (("Status", "completed"),), cleanup=True)
