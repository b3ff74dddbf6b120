"""Run an ASGI app on loopback in a background thread (the embedded emulator,
the callback receiver, the project's own test servers)."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from dataclasses import dataclass

import uvicorn
from starlette.types import ASGIApp


class _Server(uvicorn.Server):
    """uvicorn's, looking for its exit flag every 10 ms instead of every 100 ms: a run
    stops two servers (the embedded emulator, the callback receiver), and the kill
    matrix runs the suite once per fault."""

    async def main_loop(self) -> None:
        counter = 0
        should_exit = await self.on_tick(counter)
        while not should_exit:
            counter = (counter + 1) % 8_640_000
            await asyncio.sleep(0.01)
            # on_tick refreshes the Date header when counter % 10 == 0: ten times a second.
            should_exit = await self.on_tick(counter)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """uvicorn's, its waits polled every 10 ms: it pauses 100 ms after asking the
        connections to close, then looks every 100 ms until they and their tasks are
        done, which made every stop take at least 100 ms with nothing in flight."""
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        # An idle keep-alive connection closes now; one mid-response after its answer.
        for connection in list(self.server_state.connections):
            connection.shutdown()
        try:
            await asyncio.wait_for(self._drained(), timeout=self.config.timeout_graceful_shutdown)
        except TimeoutError:
            for task in self.server_state.tasks:
                task.cancel(msg="Task cancelled, timeout graceful shutdown exceeded")
        if not self.force_exit:
            await self.lifespan.shutdown()

    async def _drained(self) -> None:
        state = self.server_state
        while (state.connections or state.tasks) and not self.force_exit:
            await asyncio.sleep(0.01)
        for server in self.servers:
            await server.wait_closed()


@dataclass
class RunningServer:
    host: str
    port: int
    _server: uvicorn.Server
    _thread: threading.Thread
    scheme: str = "http"

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=2)
        if self._thread.is_alive():  # a client still holds a keep-alive connection
            self._server.force_exit = True
            self._thread.join(timeout=5)


def serve_in_thread(
    app: ASGIApp,
    host: str = "127.0.0.1",
    port: int = 0,
    tls: tuple[str, str] | None = None,
) -> RunningServer:
    """Bind first (so port 0 gets a real port we can report), then serve.
    `tls` is (certificate file, key file) to serve HTTPS."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind((host, port))
    certfile, keyfile = tls or (None, None)
    config = uvicorn.Config(
        app,
        log_level="warning",
        # No logging.config.dictConfig: it would close the handlers of whoever embeds
        # the server (pytest's --log-file among them).
        log_config=None,
        access_log=False,
        lifespan="off",
        ssl_certfile=certfile,
        ssl_keyfile=keyfile,
    )
    server = _Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"server on {host}:{port} did not start")
        time.sleep(0.005)
    return RunningServer(host, sock.getsockname()[1], server, thread, "https" if tls else "http")
