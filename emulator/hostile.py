"""Hostile and broken targets, to prove the suite against them: the faithful emulator
behind a loopback proxy whose `Behaviour` may rewrite a request before it is forwarded,
answer in the emulator's stead (dripping, silent, huge, deeply nested...) or alter the
emulator's answer (echoing the credentials back, say). The project's tests use it."""

from __future__ import annotations

import asyncio
import base64
import gzip
import json
import re
import threading
import time
import zlib
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta, timezone
from email.utils import format_datetime, parsedate_to_datetime
from functools import cache
from urllib.parse import parse_qsl, urlencode

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from contract.terms import API_VERSION
from emulator import Account, Emulator, RunningEmulator, Store, start
from emulator.delivery import Deliveries
from emulator.serving import RunningServer, serve_in_thread

SID, TOKEN = "9a1e4c2b-7f3d-4e8a-b6c5-0d2f1e3a4b5c", "hostile-canary-7c41e9d2b8a3f605"
ENV = {"SIGNALWIRE_PROJECT_ID": SID, "SIGNALWIRE_API_TOKEN": TOKEN}
CREATE_RECORDING = re.compile(r"/Calls/[^/]+/Recordings\.json$")
CREATE_CALL = re.compile(r"/Accounts/[^/]+/Calls\.json$")
FETCH_CALL = re.compile(r"/Accounts/[^/]+/Calls/[^/]+\.json$")


@dataclass
class Seen:
    method: str
    path: str
    form: list[tuple[str, str]]
    authorization: str
    cookie: str = ""  # the Cookie header, if the request carried one


Answer = Callable[[Seen], Response | None]
Rewrite = Callable[[Seen], list[tuple[str, str]]]


@dataclass
class Behaviour:
    """`answer` replaces the emulator's answer where it returns one; `rewrite` changes
    the form forwarded; `alter` changes the emulator's answer on its way back."""

    answer: Answer = lambda seen: None
    rewrite: Rewrite | None = None
    alter: Callable[[Seen, httpx.Response], Response] | None = None
    seen: list[Seen] = field(default_factory=list)


def is_create(seen: Seen) -> bool:
    return seen.method == "POST" and bool(CREATE_RECORDING.search(seen.path))


def is_call_create(seen: Seen) -> bool:
    return seen.method == "POST" and bool(CREATE_CALL.search(seen.path))


def is_call_fetch(seen: Seen) -> bool:
    return seen.method == "GET" and bool(FETCH_CALL.search(seen.path))


def drip(interval: float = 1.0, status: int = 200) -> Response:
    """An answer that never ends: one byte per interval, forever."""

    async def forever() -> AsyncIterator[bytes]:
        yield b"{"
        while True:
            await asyncio.sleep(interval)
            yield b" "

    return StreamingResponse(forever(), status_code=status, media_type="application/json")


class Silence(Response):
    """No answer at all: the status line never comes."""

    async def __call__(self, scope: object, receive: object, send: object) -> None:
        await asyncio.sleep(3600)


def huge(size: int, status: int = 200) -> Response:
    """A JSON string `size` bytes long, streamed."""

    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"sid": "'
        chunk = b"x" * 65536
        for _ in range(size // len(chunk)):
            yield chunk
        yield b'"}'

    return StreamingResponse(chunks(), status_code=status, media_type="application/json")


@cache
def _gzipped_twice(size: int) -> bytes:
    """`size` zero bytes gzipped, and gzipped again: 1 GiB is ~1.8 KB. Made a MiB at a
    time, so the bomb never holds what it decodes to."""
    inner = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    zeros = bytes(1 << 20)
    once = b"".join(inner.compress(zeros) for _ in range(size >> 20)) + inner.flush()
    return gzip.compress(once, 9)


def gzip_bomb(size: int = 1 << 30, status: int = 201) -> Response:
    """A small answer (`Content-Encoding: gzip, gzip`) that decodes to `size` bytes."""
    return Response(
        _gzipped_twice(size),
        status_code=status,
        headers={"content-encoding": "gzip, gzip"},
        media_type="application/json",
    )


def bombing_creates(size: int = 1 << 30) -> Behaviour:
    """Every recording create answered by a gzip bomb (made before the first)."""
    _gzipped_twice(size)
    return on_creates(lambda: gzip_bomb(size))


def nested(depth: int, status: int = 200) -> Response:
    return Response("[" * depth + "]" * depth, status_code=status, media_type="application/json")


def credential_echoes(seen: Seen) -> list[str]:
    """Every spelling of the credentials a careless server might send back."""
    header = seen.authorization
    encoded = header.partition(" ")[2]
    try:
        decoded = base64.b64decode(encoded).decode()
    except ValueError:
        decoded = ""
    token = decoded.partition(":")[2]
    return [header, encoded, decoded, token]


class Proxy:
    def __init__(self, upstream: str, behaviour: Behaviour) -> None:
        self.upstream, self.behaviour = upstream, behaviour
        self.app = Starlette(
            routes=[Route("/{path:path}", self.handle, methods=["GET", "POST", "DELETE"])]
        )
        self._http: httpx.AsyncClient | None = None

    async def handle(self, request: Request) -> Response:
        body = (await request.body()).decode()
        seen = Seen(
            request.method,
            request.url.path,
            parse_qsl(body, keep_blank_values=True),
            request.headers.get("authorization", ""),
            request.headers.get("cookie", ""),
        )
        self.behaviour.seen.append(seen)
        replaced = self.behaviour.answer(seen)
        if replaced is not None:
            return replaced
        form = self.behaviour.rewrite(seen) if self.behaviour.rewrite else seen.form
        if self._http is None:
            self._http = httpx.AsyncClient(timeout=30, trust_env=False)  # upstream: loopback
        headers = {k: v for k, v in request.headers.items() if k.lower() in _FORWARDED}
        answer = await self._http.request(
            request.method,
            self.upstream + request.url.path,
            params=request.url.query,
            content=urlencode(form).encode() if body else None,
            headers=headers,
        )
        if self.behaviour.alter:
            return self.behaviour.alter(seen, answer)
        return Response(
            answer.content,
            status_code=answer.status_code,
            media_type=answer.headers.get("content-type"),
        )


_FORWARDED = {"authorization", "content-type", "accept"}


@dataclass
class HostileTarget:
    emulator: RunningEmulator
    proxy: RunningServer
    behaviour: Behaviour

    @property
    def base_url(self) -> str:
        return f"{self.proxy.url}/api/laml/{API_VERSION}"


def _padded(padding: int) -> RunningEmulator:
    """The faithful emulator, but each status callback carries a field of `padding`
    characters more (the last of its payload)."""
    store = Store()
    account = store.add_account(SID, TOKEN)
    app = Emulator(store=store, deliveries=Deliveries(padding=padding)).app()
    return RunningEmulator(serve_in_thread(app), (account,), store)


@contextmanager
def hostile(
    behaviour: Behaviour, callback_delay: float = 0.0, callback_padding: int = 0
) -> Iterator[HostileTarget]:
    """The emulator behind the proxy; `callback_delay` makes its status callbacks late,
    `callback_padding` adds a field that long to each."""
    if callback_padding:
        emulator = _padded(callback_padding)
    else:
        emulator = start(accounts=(Account(SID, TOKEN),), callback_delay=callback_delay)
    origin = emulator.base_url.split("/api/")[0]
    proxy = serve_in_thread(Proxy(origin, behaviour).app)
    try:
        yield HostileTarget(emulator, proxy, behaviour)
    finally:
        proxy.stop()
        emulator.stop()


# -- behaviours the project's tests and benchmarks put in front of the emulator --------


def on_creates(answer: Callable[[], Response]) -> Behaviour:
    """A fresh answer of the proxy's own to every recording create (a streamed body
    streams once)."""
    return Behaviour(answer=lambda seen: answer() if is_create(seen) else None)


def call_create_answers(status: int, body: dict[str, str]) -> Behaviour:
    """The call create answered with `body` and `status`, the emulator never asked."""
    return Behaviour(
        answer=lambda seen: JSONResponse(body, status) if is_call_create(seen) else None
    )


def echo_credentials(seen: Seen, answer: httpx.Response) -> Response:
    """Every spelling of the credentials, in the body (in fields a check reports, so
    they reach the evidence) and in the headers."""
    echoes = credential_echoes(seen)
    try:
        body = answer.json()
    except ValueError:
        body = {}
    if isinstance(body, dict):
        body["echo"] = echoes
        for key in ("trim", "message"):
            if key in body:
                body[key] = " ".join(echoes)
    headers = {f"x-echo-{i}": e for i, e in enumerate(echoes) if e}
    return JSONResponse(body, status_code=answer.status_code, headers=headers)


COOKIE = "hostile-session-5e2a9c"


def set_cookies(seen: Seen, answer: httpx.Response) -> Response:
    """The emulator's answers, each setting a session cookie (as a session layer or a
    load balancer's stickiness does): a client that sent it back would carry it on the
    probes meant to carry no credentials or a wrong token."""
    media = answer.headers.get("content-type")
    response = Response(answer.content, answer.status_code, media_type=media)
    response.set_cookie("session", COOKIE, path="/", httponly=True)
    return response


def queued_calls(seen: Seen, answer: httpx.Response) -> Response:
    """Calls that never leave `queued`."""
    if is_call_create(seen) or is_call_fetch(seen):
        body = answer.json()
        body["status"] = "queued"
        return JSONResponse(body, status_code=answer.status_code)
    media = answer.headers.get("content-type")
    return Response(answer.content, answer.status_code, media_type=media)


def invalid_utf8(seen: Seen, answer: httpx.Response) -> Response:
    """A recording create's JSON body with a byte that is not UTF-8 in it."""
    content = answer.content
    if is_create(seen):
        content = content.replace(b'"in-progress"', b'"in-progr\xffss"', 1)
    return Response(content, answer.status_code, media_type=answer.headers.get("content-type"))


# -- a faithful server that makes other allowed choices ---------------------------------

EXTRA_FIELDS = {"media_url": None, "vendor_extension": {"region": "us-east"}}


def _other_rfc2822(name: str, value: object) -> object:
    """Another valid RFC 2822 spelling of the same date, one per field: no day-of-week
    and no seconds, another zone, lower-case names with a trailing comment."""
    if not isinstance(value, str):
        return value
    moment = parsedate_to_datetime(value)
    if name == "date_created":
        return moment.strftime("%d %b %Y %H:%M %z")
    if name == "date_updated":
        return format_datetime(moment.astimezone(timezone(timedelta(hours=5, minutes=30))))
    return format_datetime(moment).lower().replace("+0000", "-0000") + " (UTC)"


def _other_choices(body: object) -> object:
    """Extra fields, the keys in reverse order, other spellings of the dates."""
    if isinstance(body, list):
        return [_other_choices(item) for item in body]
    if not isinstance(body, dict):
        return body
    dates = ("date_created", "date_updated", "start_time", "end_time")
    changed = {
        k: _other_rfc2822(k, v) if k in dates else _other_choices(v) for k, v in body.items()
    }
    changed |= EXTRA_FIELDS if "sid" in body or "code" in body else {}
    return dict(reversed(changed.items()))


def other_allowed_choices(seen: Seen, answer: httpx.Response) -> Response:
    """The emulator's answers as another faithful server might give them: extra fields,
    another key order, other RFC 2822 spellings, a charset on the JSON type, gzip."""
    if "json" not in answer.headers.get("content-type", ""):
        media = answer.headers.get("content-type")
        return Response(answer.content, answer.status_code, media_type=media)
    content = json.dumps(_other_choices(answer.json())).encode()
    return Response(
        gzip.compress(content),
        answer.status_code,
        headers={"content-encoding": "gzip"},
        media_type="application/json; charset=utf-8",
    )


# -- peers that reach the suite's callback receiver on their own ------------------------


def callback_urls(behaviour: Behaviour) -> list[str]:
    """The callback URLs the recording creates seen so far gave (the target's view)."""
    return [v for s in list(behaviour.seen) if is_create(s) for k, v in s.form if k == _URL]


_URL = "RecordingStatusCallback"
Body = Callable[[], bytes | Iterator[bytes]]


def streamed(size: int, piece: bytes) -> Body:
    """A form body of `size` bytes made of `piece` repeated, sent in 64 KiB chunks."""

    def chunks() -> Iterator[bytes]:
        chunk = piece * max(1, (64 << 10) // len(piece))
        for _ in range(size // len(chunk)):
            yield chunk

    return chunks


@dataclass
class Forger:
    """Posts `body()` to each of `urls()` every `every` seconds, for at most `seconds`
    or until stopped; `answers` holds each status (-1: no answer)."""

    urls: Callable[[], list[str]]
    body: Body
    every: float = 0.1
    seconds: float = 60.0
    once: bool = False  # each URL posted to once, not again
    answers: list[int] = field(default_factory=list)
    stopped: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        done: set[str] = set()
        deadline = time.monotonic() + self.seconds
        with httpx.Client(timeout=5) as http:
            while not self.stopped.is_set() and time.monotonic() < deadline:
                for url in [u for u in self.urls() if u not in done][:10]:
                    try:
                        status = http.post(url, content=self.body(), headers=_FORM).status_code
                    except httpx.HTTPError:
                        status = -1
                    self.answers.append(status)
                    if self.once:
                        done.add(url)
                self.stopped.wait(self.every)


_FORM = {"content-type": "application/x-www-form-urlencoded"}


@contextmanager
def forging(forger: Forger) -> Iterator[Forger]:
    """The forger in a thread of its own, stopped (and joined) when the block ends."""
    thread = threading.Thread(target=forger.run, daemon=True)
    thread.start()
    try:
        yield forger
    finally:
        forger.stopped.set()
        thread.join(timeout=10)
