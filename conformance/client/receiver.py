"""A loopback receiver for recording status callbacks.

Each create request gets its own URL (a fresh token in the path), so a delivery
is tied to the request that asked for it even when its payload lies. The URLs take
the shapes of strategies/urls.py in turn (a query, percent-encoding, a long path), and
each delivery keeps its path and query as they arrived, byte for byte.

Whoever reaches it is untrusted (the target, or anyone who finds the port). A request
to a URL the suite never handed out is answered 404 and changes nothing. A body is read
in chunks, at most `MAX_BODY_BYTES` bytes within `READ_SECONDS`, and parsed as it comes:
at most `MAX_FIELDS` fields, each name and value kept up to `MAX_VALUE_CHARS`, at most
`MAX_KEPT_CHARS` of them in all; what is cut is said on the delivery (`cut`), a fact a
check can judge, never a crash. A token keeps its first `MAX_PER_TOKEN` deliveries and
counts the rest. A real status callback is a few hundred bytes: nothing a faithful
target sends is cut. Every wait ends at a deadline fixed when it starts: no arrival,
asked for or not, extends it.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass
from urllib.parse import unquote_plus

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from contract.forms import Form
from contract.terms import SIGNATURE_HEADERS
from emulator.serving import RunningServer, serve_in_thread
from strategies.urls import receiver_url

MAX_BODY_BYTES = 1 << 20  # bytes of a body read, as of an answer; past it, the rest is not (413)
MAX_FIELDS = 100  # fields of a body, or of a query, kept; past it, the rest are not
MAX_VALUE_CHARS = 2048  # characters of one name or value kept
MAX_KEPT_CHARS = 16 << 10  # characters of names and values kept per delivery
MAX_HEADERS = 50  # request headers kept per delivery, each value up to MAX_VALUE_CHARS
MAX_SIGNATURES = 2  # values kept of each signature header (one is due)
MAX_PER_TOKEN = 10  # deliveries kept per URL (a recording has 2); later ones are counted
READ_SECONDS = 5.0  # to read one body; a slower sender is answered 408


@dataclass(frozen=True)
class Delivery:
    token: str
    method: str
    query: Form
    form: Form
    content_type: str
    raw_path: str = ""  # as it arrived, percent-encoding and all ('' in older cassettes)
    raw_query: str = ""
    # The request headers, lower-case names in arrival order, bounded like the fields
    # (a check of a signature reads them); none in older cassettes.
    headers: Form = ()
    cut: str = ""  # what the receiver's bounds left out, if anything ('' = nothing)
    partial: bool = False  # some fields not kept at all (a value cut short is still kept)
    # The signature headers that came, (name, value) each (None in older cassettes).
    signatures: tuple[tuple[str, str], ...] | None = None

    @property
    def payload(self) -> dict[str, str]:
        """The fields wherever the method put them (query for GET, body for POST)."""
        return dict(self.query + self.form)


class _Fields:
    """Parses `name=value&...` as it arrives, keeping what the bounds allow."""

    def __init__(self, charset: str = "utf-8") -> None:
        self.charset = charset  # of the bytes outside percent-encodings
        self.pairs: list[tuple[str, str]] = []
        self.cut: list[str] = []
        self._kept = 0
        self._pending = b""  # the field under way, up to its bound
        self._pending_size = 0  # its size, bound or not
        self._segments = 0  # fields ended, empty ones too
        self.full = False  # MAX_FIELDS reached: nothing more is kept

    def feed(self, chunk: bytes) -> None:
        pos = 0
        while pos < len(chunk) and not self.full:
            end = chunk.find(b"&", pos)
            stop = len(chunk) if end < 0 else end
            room = max(0, 2 * MAX_VALUE_CHARS + 1 - len(self._pending))
            self._pending += chunk[pos : pos + min(stop - pos, room)]
            self._pending_size += stop - pos
            if end < 0:
                return
            pos = end + 1
            self._end_field()

    def close(self) -> None:
        if self._pending_size and not self.full:
            self._end_field()

    def _end_field(self) -> None:
        raw, size = self._pending, self._pending_size
        self._pending, self._pending_size = b"", 0
        self._segments += 1
        if self._segments > 10 * MAX_FIELDS:  # "&&&&...": empty ones are bounded too
            self.full = True
            self.cut.append(f"past {10 * MAX_FIELDS} fields, empty or not, none kept")
            return
        if not size:
            return  # "a&&b": an empty field is none
        if len(self.pairs) >= MAX_FIELDS:
            self.full = True
            self.cut.append(f"fields past the first {MAX_FIELDS} not kept")
            return
        name_raw, _, value_raw = raw.partition(b"=")
        name, value = _decoded(name_raw, self.charset), _decoded(value_raw, self.charset)
        if size > len(raw) or len(name) > MAX_VALUE_CHARS or len(value) > MAX_VALUE_CHARS:
            self.cut.append(f"field {name[:40]!r} of {size} bytes cut to {MAX_VALUE_CHARS}")
            name, value = name[:MAX_VALUE_CHARS], value[:MAX_VALUE_CHARS]
        if self._kept + len(name) + len(value) > MAX_KEPT_CHARS:
            self.full = True
            self.cut.append(f"fields past {MAX_KEPT_CHARS} characters not kept")
            return
        self._kept += len(name) + len(value)
        self.pairs.append((name, value))


def _decoded(raw: bytes, charset: str) -> str:
    """As parse_qsl reads it: '+' a space, percent-encodings UTF-8 (invalid: U+FFFD)."""
    return unquote_plus(raw.decode(charset, "replace"), encoding="utf-8", errors="replace")


def _parsed(data: bytes) -> tuple[Form, list[str], bool]:
    """A query string, whose other bytes are read as Latin-1 (as Starlette reads them)."""
    fields = _Fields("latin-1")
    fields.feed(data)
    fields.close()
    return tuple(fields.pairs), fields.cut, fields.full


def _masked(pairs: Form, mask: Callable[[str], str]) -> Form:
    return tuple((mask(k), mask(v)) for k, v in pairs)


def _headers(request: Request) -> tuple[Form, list[str]]:
    raw = request.headers.raw
    kept = tuple(
        (k.decode("latin-1").lower(), v.decode("latin-1")[:MAX_VALUE_CHARS])
        for k, v in raw[:MAX_HEADERS]
    )
    cut = [f"headers past the first {MAX_HEADERS} not kept"] if len(raw) > MAX_HEADERS else []
    return kept, cut


async def _bounded(stream: AsyncIterator[bytes], fields: _Fields) -> int:
    """Feed the body to `fields`; its size, or -1 once past MAX_BODY_BYTES (unread)."""
    size = 0
    async for chunk in stream:
        if size + len(chunk) > MAX_BODY_BYTES:
            fields.feed(chunk[: MAX_BODY_BYTES - size])
            return -1
        size += len(chunk)
        fields.feed(chunk)
    return size


class CallbackReceiver:
    """`tokens` and `deliveries` replay a recorded run: its URLs, and what reached them;
    `scrub` masks secrets in what arrives (conformance/client/secrets.py)."""

    def __init__(
        self,
        public_url: str | None = None,
        tokens: Iterable[str] = (),
        deliveries: Iterable[Delivery] = (),
        scrub: Callable[[str], str] | None = None,
    ) -> None:
        # Masks the run's secrets in whatever arrives, before it is kept (a target may
        # echo the token in a callback as in an answer): evidence and cassettes hold
        # only what was kept.
        self._scrub = scrub or (lambda text: text)
        self._deliveries = list(deliveries)
        self._tokens = iter(tokens)
        self.issued: list[str] = []
        self._known: set[str] = set()  # issued, as a set: looked up on every arrival
        self._counts: Counter[str] = Counter(d.token for d in self._deliveries)
        self._arrived: dict[str, float] = {}  # token -> time.monotonic() of its latest
        self.refused = 0  # requests to a URL never handed out (answered 404)
        self._changed = threading.Condition()
        self._server: RunningServer | None = None
        self._public_url = public_url.rstrip("/") if public_url else None
        self.app = Starlette(
            routes=[
                Route(path, self._receive, methods=["GET", "POST", "PUT"])
                for path in ("/cb/{token}", "/cb/{token}/{rest:path}")
            ]
        )

    async def _receive(self, request: Request) -> Response:
        token = request.path_params["token"]
        with self._changed:
            known = token in self._known
            if not known:
                self.refused += 1
        if not known:  # never read, never kept: it changes nothing
            return Response(status_code=404)
        fields = _Fields()
        status = 204
        try:
            async with asyncio.timeout(READ_SECONDS):
                size = await _bounded(request.stream(), fields)
        except TimeoutError:
            size, status = -2, 408
        except ClientDisconnect:
            size, status = -3, 400
        fields.close()
        cut = list(fields.cut)
        if size == -1:
            cut.append(f"body over {MAX_BODY_BYTES} bytes, the rest not read")
            status = 413
        elif size == -2:
            cut.append(f"body not read whole within {READ_SECONDS} s")
        elif size == -3:
            cut.append("the sender hung up mid-body")
        content_type = request.headers.get("content-type", "")
        query, query_cut, query_full = _parsed(request.scope.get("query_string", b""))
        headers, headers_cut = _headers(request)
        raw_query = request.scope.get("query_string", b"").decode("latin-1")
        raw_path = request.scope.get("raw_path", request.url.path.encode()).decode("latin-1")
        mask = self._scrub
        delivery = Delivery(
            token,
            request.method,
            _masked(query, mask),
            _masked(tuple(fields.pairs), mask) if "form" in content_type else (),
            mask(content_type[:MAX_VALUE_CHARS]),
            mask(raw_path[: 4 * MAX_VALUE_CHARS]),
            mask(raw_query[: 4 * MAX_VALUE_CHARS]),
            _masked(headers, mask),
            mask("; ".join(dict.fromkeys(cut + [f"query: {c}" for c in query_cut] + headers_cut))),
            partial=size < 0 or fields.full or query_full,
            signatures=tuple(
                (h, mask(v[:MAX_VALUE_CHARS]))
                for h in SIGNATURE_HEADERS
                for v in request.headers.getlist(h)[:MAX_SIGNATURES]
            ),
        )
        with self._changed:
            self._counts[token] += 1
            self._arrived[token] = time.monotonic()
            if self._counts[token] <= MAX_PER_TOKEN:
                self._deliveries.append(delivery)
            self._changed.notify_all()
        return Response(status_code=status)

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
        with self._changed:
            self.issued.append(token)
            self._known.add(token)
        return token, url

    @property
    def received(self) -> list[Delivery]:
        with self._changed:
            return list(self._deliveries)

    def deliveries(self, token: str) -> list[Delivery]:
        with self._changed:
            return [d for d in self._deliveries if d.token == token]

    def count(self, token: str) -> int:
        """Every delivery to this token, kept or not (MAX_PER_TOKEN)."""
        with self._changed:
            return self._counts[token]

    def wait(
        self, expected: dict[str, int], timeout: float, grace: float, since: float | None = None
    ) -> None:
        """Wait until each token has at least its expected count of deliveries (or the
        timeout passes), then for any that should not come: until `grace` seconds after
        `since` (a time.monotonic() after the last request that could cause one; by
        default now) or after the last of the expected ones came, whichever is later.
        Both deadlines are fixed when their wait starts, so no arrival extends them: the
        whole wait is at most timeout + grace. Work done in between (other requests)
        overlaps the grace."""
        start = time.monotonic() if since is None else since
        deadline = time.monotonic() + timeout
        with self._changed:
            while (now := time.monotonic()) < deadline:
                if all(self._counts[t] >= n for t, n in expected.items()):
                    break
                self._changed.wait(timeout=deadline - now)
            came = [self._arrived[t] for t in expected if t in self._arrived]
        self.wait_until(max([start, *came]) + grace)

    def wait_until(self, deadline: float) -> None:
        """Listen until the time.monotonic() `deadline`, whatever arrives."""
        while (left := deadline - time.monotonic()) > 0:
            time.sleep(min(left, 0.5))  # Ctrl-C is seen at once
