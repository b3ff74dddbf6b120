"""Status callback delivery: best effort, as the vendor's, and isolated per destination.

Each destination (scheme, host, port) has its own queue, drained in order by its own
worker with its own HTTP client: a receiver that never answers holds back its own
callbacks only. A recording's callbacks share one URL, so they go out in the order
they were made (in-progress before completed).
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from ipaddress import ip_address
from urllib.parse import urlencode

import httpx

from emulator.faults import Callback

log = logging.getLogger("emulator.delivery")

QUEUE_BOUND = 1000  # callbacks waiting per destination; past it, new ones are dropped
MAX_DESTINATIONS = 100  # destinations with callbacks under way: bounds sockets and memory

Destination = tuple[str, str, int | None]


def _is_loopback(host: str) -> bool:
    try:
        return host == "localhost" or ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@dataclass
class Deliveries:
    """Callbacks under way. Use it from the event loop that serves the app."""

    timeout: float = 5.0  # per connect, read and write of one callback
    queue_bound: int = QUEUE_BOUND
    max_destinations: int = MAX_DESTINATIONS
    # Seconds each callback waits after it is made: a faithful server may call back late.
    delay: float = 0.0
    # Characters of a field added to each payload (emulator/hostile.py): a careless
    # server's, for the receiver's bounds. The faithful emulator adds none.
    padding: int = 0
    _queues: dict[Destination, deque[tuple[float, Callback]]] = field(
        default_factory=dict, init=False
    )
    # The loop keeps weak references to tasks only.
    _workers: set[asyncio.Task[None]] = field(default_factory=set, init=False)
    _tls: ssl.SSLContext | None = field(default=None, init=False)

    def submit(self, callbacks: Iterable[Callback]) -> None:
        """Queue each callback behind those to its destination; never waits."""
        for cb in callbacks:
            if cb.later > 0:  # on its own, so the callbacks behind it are not held up
                loop = asyncio.get_running_loop()
                loop.call_later(cb.later, self.submit, [replace(cb, later=0.0)])
                continue
            refused = self._enqueue(cb)
            if refused:
                log.warning("%s callback to %.200s dropped: %s", cb.event, cb.url, refused)

    def _enqueue(self, cb: Callback) -> str | None:
        """Queue one callback, or say why it cannot be."""
        try:
            url = httpx.URL(cb.url)
        except httpx.InvalidURL as exc:
            return str(exc)
        destination = (url.scheme, url.host, url.port)
        queue = self._queues.get(destination)
        if queue is None:
            if len(self._queues) >= self.max_destinations:
                return f"{self.max_destinations} destinations already have callbacks under way"
            queue = self._queues[destination] = deque()
            worker = asyncio.get_running_loop().create_task(self._drain(destination, queue))
            self._workers.add(worker)
            worker.add_done_callback(self._workers.discard)
        elif len(queue) >= self.queue_bound:
            return f"{self.queue_bound} callbacks already wait for this destination"
        queue.append((asyncio.get_running_loop().time() + self.delay, cb))
        return None

    async def _drain(self, destination: Destination, queue: deque[tuple[float, Callback]]) -> None:
        if self._tls is None:  # built once: it costs ~50 ms, a client without it ~0.3 ms
            self._tls = httpx.create_ssl_context()
        # The suite's receiver, on loopback, never through a proxy, whatever HTTP_PROXY or
        # ALL_PROXY say; another host through the one the environment names, where httpx
        # can use it (a SOCKS one needs socksio).
        if _is_loopback(destination[1]):
            http = httpx.AsyncClient(timeout=self.timeout, verify=self._tls, trust_env=False)
        else:
            try:
                http = httpx.AsyncClient(timeout=self.timeout, verify=self._tls)
            except ImportError as exc:
                log.warning("callbacks to %.200s go direct: %s", destination[1], exc)
                http = httpx.AsyncClient(timeout=self.timeout, verify=self._tls, trust_env=False)
        loop = asyncio.get_running_loop()
        try:
            while queue:
                due, cb = queue.popleft()
                await asyncio.sleep(max(0.0, due - loop.time()))  # none when not delayed
                if self.padding:
                    cb = replace(cb, payload={**cb.payload, "Padding": "x" * self.padding})
                await self._send(http, cb)
        finally:
            # No await since the queue was last seen empty: nothing is left behind.
            del self._queues[destination]
            await http.aclose()

    @staticmethod
    async def _send(http: httpx.AsyncClient, cb: Callback) -> None:
        in_query = cb.method == "GET" or cb.in_query
        # The URL as given, path and query byte for byte (httpx's `params` would replace
        # its query); a GET's payload is added after the query, a fragment is never sent.
        url = cb.url.partition("#")[0]
        if in_query:
            url += ("" if url.endswith(("?", "&")) else "&" if "?" in url else "?") + urlencode(
                cb.payload
            )
        form = None if in_query else cb.payload
        try:
            # Signed over the URL and the form as they go out (the emulator's signer,
            # faults and all); a callback without a signer goes unsigned.
            headers = cb.signer(url, tuple((form or {}).items())) if cb.signer else {}
            await http.request(cb.method, url, data=form, headers=headers)
        except Exception as exc:  # whatever is wrong with one, the ones behind it still go
            log.info("callback to %.200s failed: %s", cb.url, exc)
