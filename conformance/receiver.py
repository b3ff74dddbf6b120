"""A loopback receiver for recording status callbacks.

Each create request gets its own URL (a fresh token in the path), so a delivery
is tied to the request that asked for it even when its payload lies. The URLs take
the shapes of strategies/urls.py in turn (a query, percent-encoding, a long path), and
each delivery keeps its path and query as they arrived, byte for byte.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from contract.forms import Form
from contract.terms import SIGNATURE_HEADERS
from emulator.serving import RunningServer, serve_in_thread
from strategies.urls import receiver_url


@dataclass(frozen=True)
class Delivery:
    token: str
    method: str
    query: Form
    form: Form
    content_type: str
    raw_path: str = ""  # as it arrived, percent-encoding and all ('' in older cassettes)
    raw_query: str = ""
    # The signature headers that came, (name, value) each (None in older cassettes).
    signatures: tuple[tuple[str, str], ...] | None = None

    @property
    def payload(self) -> dict[str, str]:
        """The fields wherever the method put them (query for GET, body for POST)."""
        return dict(self.query + self.form)


class CallbackReceiver:
    """`tokens` and `deliveries` replay a recorded run: its URLs, and what reached them."""

    def __init__(
        self,
        public_url: str | None = None,
        tokens: Iterable[str] = (),
        deliveries: Iterable[Delivery] = (),
    ) -> None:
        self._deliveries = list(deliveries)
        self._tokens = iter(tokens)
        self.issued: list[str] = []
        self._changed = threading.Condition()
        self._last_arrival = float("-inf")  # time.monotonic() of the latest delivery
        self._server: RunningServer | None = None
        self._public_url = public_url.rstrip("/") if public_url else None
        self.app = Starlette(
            routes=[
                Route(path, self._receive, methods=["GET", "POST", "PUT"])
                for path in ("/cb/{token}", "/cb/{token}/{rest:path}")
            ]
        )

    async def _receive(self, request: Request) -> Response:
        body = (await request.body()).decode("utf-8", "replace")
        content_type = request.headers.get("content-type", "")
        form = tuple(parse_qsl(body, keep_blank_values=True)) if "form" in content_type else ()
        delivery = Delivery(
            request.path_params["token"],
            request.method,
            tuple(parse_qsl(request.url.query, keep_blank_values=True)),
            form,
            content_type,
            request.scope.get("raw_path", request.url.path.encode()).decode("latin-1"),
            request.scope.get("query_string", b"").decode("latin-1"),
            tuple((h, v) for h in SIGNATURE_HEADERS for v in request.headers.getlist(h)),
        )
        with self._changed:
            self._deliveries.append(delivery)
            self._last_arrival = time.monotonic()
            self._changed.notify_all()
        return Response(status_code=204)

    def start(self, host: str = "127.0.0.1", port: int = 0) -> CallbackReceiver:
        self._server = serve_in_thread(self.app, host, port)
        return self

    def stop(self) -> None:
        if self._server:
            self._server.stop()

    @property
    def base_url(self) -> str:
        if self._public_url:
            return self._public_url
        assert self._server, "receiver not started"
        return self._server.url

    def new_url(self) -> tuple[str, str]:
        """A fresh token, and a URL of it in the next shape (strategies/urls.py)."""
        token = next(self._tokens, None) or uuid.uuid4().hex
        url = receiver_url(self.base_url, token, len(self.issued))
        self.issued.append(token)
        return token, url

    @property
    def received(self) -> list[Delivery]:
        with self._changed:
            return list(self._deliveries)

    def deliveries(self, token: str) -> list[Delivery]:
        with self._changed:
            return [d for d in self._deliveries if d.token == token]

    def wait(
        self, expected: dict[str, int], timeout: float, grace: float, since: float | None = None
    ) -> None:
        """Wait until each token has at least its expected count of deliveries (or the
        timeout passes), then until `grace` seconds have passed with no delivery since
        `since` (a time.monotonic() after the last request that could cause one; by
        default now), for any that should not come. Work done in between (other
        requests) overlaps the grace."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while time.monotonic() < deadline:
                counts = {t: 0 for t in expected}
                for d in self._deliveries:
                    if d.token in counts:
                        counts[d.token] += 1
                if all(counts[t] >= n for t, n in expected.items()):
                    break
                self._changed.wait(timeout=max(0.0, deadline - time.monotonic()))
            start = time.monotonic() if since is None else since
            while (quiet := time.monotonic() - max(self._last_arrival, start)) < grace:
                self._changed.wait(timeout=grace - quiet)
