"""The target under test: where it is, how to authenticate, and a client that
keeps a journal of every exchange."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import httpx

from conformance.contract import STOP_STATUS
from conformance.exchange import Auth, Exchange, Form, Received, SentRequest
from conformance.failures import ConfigurationError, Inconclusive

LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class Credentials:
    project_id: str
    api_token: str = field(repr=False)


@dataclass(frozen=True)
class CallPlan:
    """How the suite obtains in-progress calls: given SIDs, or calls it creates."""

    given: tuple[str, ...] = ()
    to: str = "+15550100001"
    from_: str = "+15550100002"
    url: str = "http://127.0.0.1:9/laml"


@dataclass(frozen=True)
class Target:
    base_url: str
    credentials: Credentials
    path_suffix: str = ".json"
    timeout: float = 10.0
    calls: CallPlan = CallPlan()
    # A second account the suite may use to prove isolation; None on a live target.
    other_account: Credentials | None = None

    @property
    def account_sid(self) -> str:
        return self.credentials.project_id

    @property
    def is_loopback(self) -> bool:
        return urlsplit(self.base_url).hostname in LOOPBACK_HOSTS


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


def credentials_from(
    project_id: str | None, api_token: str | None, env: Mapping[str, str] = os.environ
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
        raise ConfigurationError(f"a remote target needs credentials: set {' and '.join(missing)}")
    assert project_id and api_token
    return Credentials(project_id, api_token)


class TargetClient:
    """Sends requests to the target and journals each exchange (without secrets)."""

    transport_retries = 1

    def __init__(self, target: Target, client: httpx.Client | None = None) -> None:
        self.target = target
        self._http = client or httpx.Client(timeout=target.timeout)
        self.journal: list[Exchange] = []

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> TargetClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- plumbing -------------------------------------------------------------

    def url(self, *segments: str, account_sid: str | None = None) -> str:
        path = "/".join(("Accounts", account_sid or self.target.account_sid, *segments))
        return f"{self.target.base_url}/{path}{self.target.path_suffix}"

    def send(
        self, method: str, url: str, form: Iterable[tuple[str, str]] = (), auth: Auth = Auth.ACCOUNT
    ) -> Exchange:
        request = SentRequest(method, url, tuple(form), auth)
        headers = {"Accept": "application/json"}
        content: bytes | None = None
        if method != "GET":
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            content = urlencode(request.form).encode()
        answer = None
        for attempt in range(1 + self.transport_retries):
            try:
                answer = self._http.request(
                    method, url, content=content, headers=headers, auth=self._auth(auth)
                )
                break
            except httpx.TransportError as exc:
                # A kept-alive connection the server dropped fails once; a dead target
                # fails every time and the run says so instead of judging it.
                if attempt == self.transport_retries:
                    raise Inconclusive(f"{method} {url}: {type(exc).__name__}: {exc}") from None
        assert answer is not None
        exchange = Exchange(
            request,
            Received(answer.status_code, answer.headers.get("content-type", ""), answer.text),
        )
        self.journal.append(exchange)
        return exchange

    def _auth(self, auth: Auth) -> tuple[str, str] | None:
        creds = self.target.credentials
        if auth is Auth.ACCOUNT:
            return (creds.project_id, creds.api_token)
        if auth is Auth.WRONG_TOKEN:
            return (creds.project_id, f"not-{uuid.uuid4().hex}")
        return None

    # -- the operations the suite uses ---------------------------------------

    def create_recording(
        self,
        call_sid: str,
        form: Form = (),
        *,
        account_sid: str | None = None,
        auth: Auth = Auth.ACCOUNT,
    ) -> Exchange:
        url = self.url("Calls", call_sid, "Recordings", account_sid=account_sid)
        return self.send("POST", url, form, auth)

    def update_recording(self, call_sid: str, sid: str, status: str = STOP_STATUS) -> Exchange:
        return self.send(
            "POST", self.url("Calls", call_sid, "Recordings", sid), (("Status", status),)
        )

    def fetch_recording(self, sid: str) -> Exchange:
        return self.send("GET", self.url("Recordings", sid))

    def list_recordings(self, call_sid: str) -> Exchange:
        return self.send("GET", self.url("Calls", call_sid, "Recordings"))

    def create_call(self, plan: CallPlan) -> Exchange:
        form = (("To", plan.to), ("From", plan.from_), ("Url", plan.url))
        return self.send("POST", self.url("Calls"), form)

    def fetch_call(self, sid: str) -> Exchange:
        return self.send("GET", self.url("Calls", sid))

    def end_call(self, sid: str) -> Exchange:
        return self.send("POST", self.url("Calls", sid), (("Status", "completed"),))
