"""Run an ASGI app on loopback in a background thread (the embedded emulator,
the callback receiver, the project's own test servers)."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass

import uvicorn
from starlette.types import ASGIApp

from emulator.adapters.uvicorn import FastStoppingServer


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
    server = FastStoppingServer(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"server on {host}:{port} did not start")
        time.sleep(0.005)
    return RunningServer(host, sock.getsockname()[1], server, thread, "https" if tls else "http")
