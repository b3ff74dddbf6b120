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
import signal
import ssl
import threading
import time
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


class _BoundedStream:
    """An httpcore body stream that ends once `limit` bytes have passed."""

    def __init__(self, stream: Any, limit: int) -> None:
        self._stream, self._limit = stream, limit

    async def __aiter__(self) -> AsyncIterator[bytes]:
        left = self._limit
        async for chunk in self._stream:
            yield chunk[:left]
            left -= len(chunk)
            if left <= 0:
                return

    async def aclose(self) -> None:
        await self._stream.aclose()


class _BoundedPool:
    """httpcore's connection pool, its answers' bodies bounded."""

    def __init__(self, pool: Any, limit: int) -> None:
        self._pool, self._limit = pool, limit

    async def handle_async_request(self, request: Any) -> Any:
        response = await self._pool.handle_async_request(request)
        response.stream = _BoundedStream(response.stream, self._limit)
        return response

    async def aclose(self) -> None:
        await self._pool.aclose()

    async def __aenter__(self) -> _BoundedPool:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


@cache
def _tls() -> ssl.SSLContext:
    """httpx's default context (verified, the environment's CA settings): ~40 ms to
    build, so built once for every wire of the process (a run makes two)."""
    return httpx.create_ssl_context()


class Wire:
    """An httpx.AsyncClient on a loop of its own; `request` is called from any thread."""

    def __init__(
        self,
        timeout: float,
        max_body: int = DEFAULT_MAX_BODY,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.timeout = timeout
        self.max_body = max_body
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="conformance-wire", daemon=True
        )
        self._thread.start()
        self._http = self._run(self._open(transport), None)

    async def _open(self, transport: httpx.AsyncBaseTransport | None) -> httpx.AsyncClient:
        if transport is None:
            transport = httpx.AsyncHTTPTransport(verify=_tls())
            # Cut every answer a byte past the bound where it leaves the connection, so
            # whoever reads it holds no more: the suite, and vcrpy, which reads a body
            # whole to record it in a cassette. httpx has no hook there but its pool.
            transport._pool = _BoundedPool(transport._pool, self.max_body + 1)  # type: ignore[assignment]
        # Redirects are never followed: the credentials must not travel elsewhere.
        return httpx.AsyncClient(transport=transport, timeout=self.timeout)

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
