"""A flaky network in front of any target: a loopback HTTP proxy that, at a chosen
rate, drops the connection, resets it, stalls past the client's timeout, or answers
503 or 429 with Retry-After. It decides before forwarding, so the target never sees
a request that went wrong on the way; every other request is forwarded unchanged.

    python -m emulator.flaky --upstream http://127.0.0.1:8080 --port 8081 --rate 0.2

The draws come from a seeded generator, so a run through it is reproducible.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import socket
import struct
import sys
import threading
from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum

import h11
import httpx

# Hop-by-hop or recomputed: never copied from one side to the other.
_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class Trouble(StrEnum):
    DROP = "drop"  # close without answering
    RESET = "reset"  # abort the connection (TCP RST)
    STALL = "stall"  # hold the request past the client's timeout, then close
    UNAVAILABLE = "503"
    RATE_LIMITED = "429"


@dataclass
class FlakyProxy:
    upstream: str  # scheme://host:port of the target
    rate: float
    kinds: tuple[Trouble, ...] = tuple(Trouble)
    seed: int = 0
    stall_seconds: float = 5.0
    retry_after: str = "0"
    counts: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()

    def draw(self) -> Trouble | None:
        with self._lock:
            trouble = self._rng.choice(self.kinds) if self._rng.random() < self.rate else None
            self.counts[trouble or "forwarded"] += 1
        return trouble

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        conn = h11.Connection(h11.SERVER)
        try:
            async with httpx.AsyncClient(base_url=self.upstream, timeout=30) as upstream:
                while await self._one_exchange(conn, reader, writer, upstream):
                    conn.start_next_cycle()
        except (h11.ProtocolError, ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _one_exchange(
        self,
        conn: h11.Connection,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        upstream: httpx.AsyncClient,
    ) -> bool:
        """Serve one request; False when the connection is done."""
        request, body = await _read_request(conn, reader)
        if request is None:
            return False
        trouble = self.draw()
        if trouble is Trouble.DROP:
            return False
        if trouble is Trouble.RESET:
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()
            return False
        if trouble is Trouble.STALL:
            await asyncio.sleep(self.stall_seconds)
            return False
        if trouble is not None:
            status = int(trouble)
            headers = [("content-type", "application/json"), ("retry-after", self.retry_after)]
            content = json.dumps({"status": status, "message": f"injected {trouble}"}).encode()
        else:
            answer = await upstream.request(
                request.method.decode(),
                request.target.decode(),
                headers=[
                    (k.decode(), v.decode()) for k, v in request.headers if k.decode() not in _HOP
                ],
                content=body,
            )
            status, content = answer.status_code, answer.content
            headers = [(k, v) for k, v in answer.headers.multi_items() if k.lower() not in _HOP]
        headers.append(("content-length", str(len(content))))
        out = conn.send(h11.Response(status_code=status, headers=headers))
        out += conn.send(h11.Data(data=content)) + conn.send(h11.EndOfMessage())
        writer.write(out)
        await writer.drain()
        return conn.our_state is h11.DONE and conn.their_state is h11.DONE


async def _read_request(
    conn: h11.Connection, reader: asyncio.StreamReader
) -> tuple[h11.Request | None, bytes]:
    request, body = None, b""
    while True:
        event = conn.next_event()
        if event is h11.NEED_DATA:
            conn.receive_data(await reader.read(65536))
        elif isinstance(event, h11.Request):
            request = event
        elif isinstance(event, h11.Data):
            body += event.data
        elif isinstance(event, h11.EndOfMessage):
            return request, body
        else:  # ConnectionClosed, PAUSED
            return None, b""


@dataclass
class RunningProxy:
    proxy: FlakyProxy
    port: int
    _loop: asyncio.AbstractEventLoop
    _server: asyncio.Server
    _thread: threading.Thread

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._server.close)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=5)


def start_proxy(proxy: FlakyProxy, port: int = 0) -> RunningProxy:
    """Serve the proxy on loopback in a thread of its own."""
    loop = asyncio.new_event_loop()
    server = loop.run_until_complete(asyncio.start_server(proxy.handle, "127.0.0.1", port))
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    bound = server.sockets[0].getsockname()[1]
    return RunningProxy(proxy, bound, loop, server, thread)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m emulator.flaky", description=__doc__)
    parser.add_argument("--upstream", required=True, help="scheme://host:port of the target")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--rate", type=float, default=0.2, help="share of requests troubled")
    parser.add_argument(
        "--kinds",
        default=",".join(Trouble),
        help=f"comma-separated, of: {', '.join(Trouble)}",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--stall-seconds", type=float, default=5.0)
    args = parser.parse_args(argv)
    try:
        kinds = tuple(Trouble(k) for k in args.kinds.split(","))
    except ValueError as exc:
        parser.error(str(exc))
    if not 0 <= args.rate <= 1:
        parser.error("--rate must lie between 0 and 1")
    proxy = FlakyProxy(args.upstream, args.rate, kinds, args.seed, args.stall_seconds)

    async def serve() -> None:
        server = await asyncio.start_server(proxy.handle, "127.0.0.1", args.port)
        print(f"flaky proxy on http://127.0.0.1:{args.port} -> {args.upstream}", flush=True)
        async with server:
            await server.serve_forever()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        print(f"requests: {dict(proxy.counts)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
