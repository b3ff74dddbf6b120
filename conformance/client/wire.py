"""The wire to an untrusted target: bounded in time, size and attention.

httpx's timeouts bound each network operation, not a request: a target that sends one
byte a second is never "timed out", and a synchronous read holds Ctrl-C until it
returns. So each request runs as a task on an asyncio loop in a helper thread, under one
deadline over connect, write and the whole read, and its body is read only up to a
bound. The main thread waits for it in short slices: Ctrl-C interrupts at once, and the
abandoned request is cancelled.
"""

from __future__ import annotations

import asyncio
import http.cookiejar
import signal
import ssl
import threading
import time
import zlib
from collections.abc import AsyncIterator, Coroutine
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from functools import cache
from types import FrameType
from typing import Any, TypeVar

import httpx

DEFAULT_MAX_BODY = 1 << 20  # bytes of a response body the suite reads (1 MiB)
INTERRUPT_GRACE = 2.0  # seconds a deferred Ctrl-C waits for the request in flight
_SLICE = 0.05  # seconds between looks at a deferred Ctrl-C

T = TypeVar("T")


class NoAnswer(Exception):
    """The target gave no complete answer: transport trouble, or the deadline passed."""


@dataclass(frozen=True)
class Answer:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes  # at most the bound
    oversized: bool  # the target sent more than the bound; the rest was not read

    def header(self, name: str) -> str:
        return next((v for k, v in self.headers if k.lower() == name), "")


class _Deferred:
    """SIGINT handler inside `interrupt_deferred`: the first Ctrl-C is noted and waits
    (for at most a grace period); a second one interrupts at once."""

    def __init__(self, grace: float) -> None:
        self.grace = grace
        self.caught_at: float | None = None

    def __call__(self, number: int, frame: FrameType | None) -> None:
        if self.caught_at is not None:
            raise KeyboardInterrupt
        self.caught_at = time.monotonic()

    def overdue(self) -> bool:
        return self.caught_at is not None and time.monotonic() - self.caught_at > self.grace


@contextmanager
def interrupt_deferred(grace: float = INTERRUPT_GRACE) -> Any:
    """Ctrl-C waits until the request in flight is answered (and its answer booked by
    the caller), for at most `grace` seconds; then the interrupt goes on."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers belong to the main thread
        return
    handler = _Deferred(grace)
    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if handler.caught_at is not None:
        raise KeyboardInterrupt


def _overdue_interrupt() -> bool:
    if threading.current_thread() is not threading.main_thread():
        return False
    handler = signal.getsignal(signal.SIGINT)
    return isinstance(handler, _Deferred) and handler.overdue()


# The codings the suite decodes, and asks for: deflate is zlib's wrapper or raw deflate.
CODINGS = {"gzip": zlib.MAX_WBITS | 16, "x-gzip": zlib.MAX_WBITS | 16, "deflate": zlib.MAX_WBITS}
ACCEPT_ENCODING = "gzip, deflate"
MAX_CODINGS = 4  # codings stacked in one answer's Content-Encoding ("gzip, gzip" is two)


class _Layer:
    """One coding of an answer undone, its output never past `left` bytes whatever the
    input: zlib's max_length, so a bomb stops at the bound, not after inflating."""

    def __init__(self, coding: str, left: int) -> None:
        self.coding, self.left = coding, left
        self.full = False  # reached its bound: the rest of its input is not decoded
        self._z = zlib.decompressobj(CODINGS[coding])
        self._raw_fallback = coding == "deflate"  # zlib-wrapped, else raw deflate

    def feed(self, data: bytes, final: bool = False) -> bytes:
        """The decoded bytes of `data` (with what zlib holds back, when `final`)."""
        if self.full:
            return b""
        try:
            out = self._z.decompress(data, self.left)
        except zlib.error as exc:
            if not self._raw_fallback:
                raise httpx.DecodingError(f"Content-Encoding {self.coding}: {exc}") from None
            self._raw_fallback = False
            self._z = zlib.decompressobj(-zlib.MAX_WBITS)
            return self.feed(data, final)
        self._raw_fallback = False
        self.full = bool(self._z.unconsumed_tail)
        if final and not self.full:
            out += self._z.flush()  # every byte consumed: only zlib's small pending output
        out = out[: self.left]
        self.left -= len(out)
        self.full = self.full or self.left <= 0
        return out


class _Decoded(httpx.AsyncByteStream):
    """An answer's body, its codings undone, ending once `limit` decoded bytes passed:
    no stage of decoding holds much more than the bound, nor does whoever reads it."""

    def __init__(self, stream: httpx.AsyncByteStream, codings: list[str], limit: int) -> None:
        self._stream, self._limit = stream, limit
        # Listed in the order they were applied: undone last first. An inner stage of a
        # body within the bound is about its size (gzip adds ~0.03%): twice it, and more.
        inner = 2 * limit + (64 << 10)
        self._layers = [_Layer(c, inner) for c in reversed(codings)]
        if self._layers:
            self._layers[-1].left = limit

    def _through(self, data: bytes, final: bool) -> tuple[bytes, bool]:
        """The decoded bytes of `data`, and whether the body reached the bound."""
        for layer in self._layers:
            data = layer.feed(data, final)
        if not self._layers or self._layers[-1].full:
            return data, bool(self._layers)
        if any(layer.full for layer in self._layers):
            # The body's size is unknown, not past the bound: no answer to judge.
            raise httpx.DecodingError("Content-Encoding: an inner coding decodes past the bound")
        return data, False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        left = self._limit
        async for chunk in self._stream:
            data, full = self._through(chunk, False)
            yield data[:left]
            left -= len(data)
            if left <= 0 or full:
                return
        if self._layers:
            data, _ = self._through(b"", True)
            yield data[: max(left, 0)]

    async def aclose(self) -> None:
        await self._stream.aclose()


def codings_of(headers: httpx.Headers) -> list[str]:
    """The codings an answer's Content-Encoding lists (identity is none)."""
    listed = ",".join(headers.get_list("content-encoding")).split(",")
    return [c.strip().lower() for c in listed if c.strip() and c.strip().lower() != "identity"]


class _Bounded(httpx.AsyncBaseTransport):
    """A transport whose answers leave it decoded and cut a byte past the bound, so
    whoever reads one holds no more: the suite, and vcrpy, which reads a body whole to
    record it in a cassette. The Content-Encoding it undid is no longer announced.

    A coding the suite does not know, or more than MAX_CODINGS stacked, is no answer
    it can read (httpx would pass an unknown one through undecoded, and decode any it
    has a package for without a bound)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, limit: int) -> None:
        self._inner, self._limit = inner, limit

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self._inner.handle_async_request(request)
        codings = codings_of(response.headers)
        unknown = [c for c in codings if c not in CODINGS]
        if unknown or len(codings) > MAX_CODINGS:
            await response.aclose()
            said = ", ".join(codings)
            why = "a coding the suite did not ask for" if unknown else "too many codings"
            raise httpx.DecodingError(f"Content-Encoding {said[:80]!r}: {why}")
        dropped = (b"content-encoding", b"content-length") if codings else (b"content-encoding",)
        headers = [(k, v) for k, v in response.headers.raw if k.lower() not in dropped]
        assert isinstance(response.stream, httpx.AsyncByteStream)
        return httpx.Response(
            response.status_code,
            headers=headers,
            stream=_Decoded(response.stream, codings, self._limit),
            extensions=response.extensions,
        )

    async def aclose(self) -> None:
        await self._inner.aclose()


class _NoCookies(http.cookiejar.DefaultCookiePolicy):
    """A jar that keeps no cookie: the target's Set-Cookie never rides on a later
    request (a probe meant to carry no credentials, or a wrong token, above all)."""

    def set_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return False

    def return_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return False


class UntrustedCertificate(NoAnswer):
    """The target's TLS certificate is not one this machine trusts."""


def _certificate_trouble(exc: BaseException) -> str | None:
    """Why the certificate was refused, when that is why the connection failed."""
    seen: set[int] = set()
    cause: BaseException | None = exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, ssl.SSLCertVerificationError):
            return str(cause.verify_message or cause.reason or cause)
        cause = cause.__cause__ or cause.__context__
    return None


@cache
def tls_context(ca_bundle: str | None = None) -> ssl.SSLContext:
    """httpx's default context (verified, the environment's CA settings, SSL_CERT_FILE
    among them), and the CAs of `ca_bundle` beside them: ~40 ms to build, so built once
    for every wire of the process (a run makes two)."""
    context = httpx.create_ssl_context()
    if ca_bundle:
        context.load_verify_locations(cafile=ca_bundle)
    return context


class Wire:
    """An httpx.AsyncClient on a loop of its own; `request` is called from any thread."""

    def __init__(
        self,
        timeout: float,
        max_body: int = DEFAULT_MAX_BODY,
        transport: httpx.AsyncBaseTransport | None = None,
        *,
        proxy: str | None = None,
        ca_bundle: str | None = None,
    ) -> None:
        self.timeout = timeout
        self.max_body = max_body
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="conformance-wire", daemon=True
        )
        self._thread.start()
        self._http = self._run(self._open(transport, proxy, ca_bundle), None)

    async def _open(
        self, transport: httpx.AsyncBaseTransport | None, proxy: str | None, ca_bundle: str | None
    ) -> httpx.AsyncClient:
        if transport is None:
            # The proxy the session chose (conformance/client/proxies.py), or none: a transport
            # given to the client makes httpx read no proxy variable of its own.
            transport = httpx.AsyncHTTPTransport(verify=tls_context(ca_bundle), proxy=proxy)
        # Redirects are never followed: the credentials must not travel elsewhere. No
        # cookie is kept, so none is ever sent back.
        return httpx.AsyncClient(
            transport=_Bounded(transport, self.max_body + 1),
            timeout=self.timeout,
            cookies=http.cookiejar.CookieJar(policy=_NoCookies()),
            headers={"Accept-Encoding": ACCEPT_ENCODING},
        )

    def request(
        self,
        method: str,
        url: str,
        *,
        content: bytes | None,
        headers: dict[str, str],
        auth: tuple[str, str] | None,
        deadline: float | None = None,
    ) -> Answer:
        """One request, answered within `deadline` seconds (the timeout by default)."""
        seconds = deadline or self.timeout
        return self._run(self._fetch(method, url, content, headers, auth, seconds), seconds)

    async def _fetch(
        self,
        method: str,
        url: str,
        content: bytes | None,
        headers: dict[str, str],
        auth: tuple[str, str] | None,
        seconds: float,
    ) -> Answer:
        body = bytearray()
        try:
            async with asyncio.timeout(seconds):
                request = self._http.build_request(method, url, content=content, headers=headers)
                response = await self._http.send(request, auth=auth, stream=True)
                try:
                    async for chunk in response.aiter_bytes():
                        body += chunk
                        if len(body) > self.max_body:
                            break
                finally:
                    await response.aclose()
        except TimeoutError:
            raise NoAnswer(f"no complete answer within {seconds:g}s") from None
        except (httpx.TransportError, httpx.DecodingError) as exc:
            refused = _certificate_trouble(exc)
            if refused is not None:
                raise UntrustedCertificate(f"TLS certificate not trusted: {refused}") from None
            raise NoAnswer(f"{type(exc).__name__}: {exc}") from None
        return Answer(
            response.status_code,
            tuple(response.headers.multi_items()),
            bytes(body[: self.max_body]),
            len(body) > self.max_body,
        )

    def _run(self, coroutine: Coroutine[Any, Any, T], seconds: float | None) -> T:
        future: Future[T] = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        # The task ends itself at its deadline; the margin covers a loop that is slow
        # to notice, so this thread never waits for good whatever the target does.
        give_up = None if seconds is None else time.monotonic() + seconds + 5
        try:
            while True:
                try:
                    return future.result(timeout=_SLICE)
                except FutureTimeout:
                    pass
                if _overdue_interrupt():
                    raise KeyboardInterrupt
                if give_up is not None and time.monotonic() > give_up:
                    raise NoAnswer(f"no complete answer within {seconds:g}s")
        except BaseException:
            future.cancel()
            raise

    def close(self) -> None:
        with suppress(NoAnswer, httpx.HTTPError):
            self._run(self._http.aclose(), 5)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)
        if not self._thread.is_alive():
            self._loop.close()
