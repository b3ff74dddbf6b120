"""The reference emulator of "Create a Recording" and the few operations around it
(calls, update, fetch, list, delete), as a Starlette app.

It implements the contract module; it knows nothing of the checks.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from contract.forms import Pairs
from contract.openapi import openapi_document
from contract.terms import (
    API_RECORDING_SOURCE,
    API_VERSION,
    CALLBACK_FIELDS,
    CHANNELS_BY_MODE,
    IN_PROGRESS_EVENT,
    LIST_KEY,
    NEXT_PAGE_FIELD,
    PAGE_PARAM,
    PAGE_SIZE_DEFAULT,
    PAGE_SIZE_MAX,
    PAGE_SIZE_PARAM,
    PAGE_TOKEN_PARAM,
    PARAMETER,
    PARAMETERS,
    STARTED_STATUSES,
    UPDATE_STATUSES,
)
from emulator.delivery import Deliveries
from emulator.faults import Callback, Fault, Problems
from emulator.store import Call, Recording, Store, new_sid, now, rfc2822

log = logging.getLogger("emulator")

# The vendor serves the API under /api/laml/<version>; the official SDK calls
# /<version> on the space host. Both are mounted.
PREFIXES = (f"/api/laml/{API_VERSION}", f"/{API_VERSION}")
MORE_INFO = "https://www.signalwire.com/docs/errors/{code}"
FORM = "application/x-www-form-urlencoded"
MAX_BODY = 1 << 20  # bytes of a request body; past it, 413
# Fields of a form body; past it, 413 before any is parsed (each costs ~35 times its
# bytes once parsed: 1 MiB of "a&" was ~70 MiB). A real create has a dozen.
MAX_FIELDS = 10_000
ECHO_CHARS = 100  # of a client's value, what an error message repeats
MAX_LISTED = 10  # problems an error message lists; the rest are counted


class ApiError(Exception):
    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


def _unauthorized() -> ApiError:
    return ApiError(401, 20003, "Authentication failed")


def _not_found(kind: str, sid: str) -> ApiError:
    return ApiError(404, 20404, f"The requested resource {kind} {_echo(sid)} was not found")


def _echo(value: str | None) -> str:
    """A client's value quoted for an error message: a long one is cut, its length said."""
    if value is None or len(value) <= ECHO_CHARS:
        return repr(value)
    return f"{value[:ECHO_CHARS]!r}… ({len(value)} characters)"


def _first(form: Pairs, name: str) -> str | None:
    return next((v for k, v in form if k == name), None)


def validate_recording_form(form: Pairs) -> Problems:
    """The contract's domains, exactly and carefully: every sent value must lie in its
    domain, and a URL that parsers read differently is refused too (a SHOULD)."""
    problems: Problems = []
    for parameter in PARAMETERS:
        values = [v for k, v in form if k == parameter.name]
        if len(values) > 1 and not parameter.multi:
            problems.append((parameter.name, None, "is given more than once"))
        problems += [
            (parameter.name, value, f"{_echo(value)} is not a valid value")
            for value in values
            if not parameter.accepts(value, careful=True)
        ]
    return problems


@dataclass
class Emulator:
    store: Store = field(default_factory=Store)
    faults: tuple[Fault, ...] = ()
    deliveries: Deliveries = field(default_factory=Deliveries)
    max_body: int = MAX_BODY
    max_fields: int = MAX_FIELDS

    def app(self) -> Starlette:
        handlers = {ApiError: self._api_error, ClientDisconnect: self._client_gone}
        return Starlette(routes=self._routes(), exception_handlers=handlers)

    # -- routing --------------------------------------------------------------

    def _routes(self) -> list[BaseRoute]:
        acct = "/Accounts/{account_sid}"
        rec = acct + "/Calls/{call_sid}/Recordings"
        table: list[tuple[str, Callable[[Request], Awaitable[Response]], list[str]]] = [
            (acct + "/Calls/{call_sid}/Recordings/{sid}", self.call_recording, ["GET", "POST"]),
            (rec, self.recordings, ["GET", "POST"]),
            (acct + "/Calls/{call_sid}", self.call, ["GET", "POST"]),
            (acct + "/Calls", self.create_call, ["POST"]),
            (acct + "/Recordings/{sid}", self.recording, ["GET", "DELETE"]),
        ]
        # ".json" first: a bare {sid} would otherwise swallow the suffix.
        api = [Route(p + ".json", h, methods=m) for p, h, m in table]
        api += [Route(p, h, methods=m) for p, h, m in table]
        routes: list[BaseRoute] = [Route("/openapi.json", self.openapi, methods=["GET"])]
        routes += [Mount(prefix, routes=api) for prefix in PREFIXES]
        return routes

    async def openapi(self, request: Request) -> Response:
        return JSONResponse(openapi_document())

    # -- shared steps --------------------------------------------------------

    def _each(self, method: str, value: Any, *args: Any) -> Any:
        for f in self.faults:
            value = getattr(f, method)(value, *args)
        return value

    async def _api_error(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ApiError)
        body = {
            "code": exc.code,
            "message": exc.message,
            "more_info": MORE_INFO.format(code=exc.code),
            "status": exc.status,
        }
        status, payload = exc.status, body
        for f in self.faults:
            status, payload = f.error(status, payload)
        if isinstance(payload, str):
            return PlainTextResponse(payload, status_code=status)
        return JSONResponse(payload, status_code=status)

    @staticmethod
    async def _client_gone(request: Request, exc: Exception) -> Response:
        # Hung up mid-body: nothing went wrong here, and nobody is left to answer.
        log.info("client hung up during %s %.200s", request.method, request.url.path)
        return Response(status_code=400)

    def _authenticate(self, request: Request) -> str:
        account_sid = request.path_params["account_sid"]
        user, token = _basic_credentials(request)
        account = self.store.accounts.get(account_sid)
        verdict = (
            account is not None
            and user == account.sid
            and self._each("token_matches", token == account.token, token, account.token)
        )
        owner = self.store.accounts.get(user or "")
        known = owner is not None and owner.token == token
        if not self._each("authenticated", verdict, account_sid, user, known):
            raise _unauthorized()
        return account_sid

    def _call(self, account_sid: str, call_sid: str) -> Call:
        found = self.store.calls.get(call_sid)
        if found is not None and not self._each("owns_call", found.account_sid == account_sid):
            found = None
        call = self._each("find_call", found, call_sid, account_sid)
        if call is None:
            raise _not_found("Call", call_sid)
        return call

    async def _form(self, request: Request) -> Pairs:
        """The parameters of a form body. Any other body is refused, not read as none."""
        # The codes of these refusals are 20000 + the HTTP status, as 20404 is: the
        # contract names none, and this borrows no other error's meaning.
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > self.max_body:
                raise ApiError(413, 20413, f"The request body exceeds {self.max_body} bytes")
        content_type = request.headers.get("content-type", "")
        media_type = content_type.partition(";")[0].strip().lower()
        accepted = not (body or media_type) or media_type == FORM
        if not self._each("content_type_accepted", accepted, content_type):
            raise ApiError(415, 20415, f"Send the parameters as {FORM}")
        if body.count(b"&") >= self.max_fields:  # counted on the bytes, nothing parsed
            raise ApiError(413, 20413, f"The request body has over {self.max_fields} fields")
        return parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)

    # -- calls ---------------------------------------------------------------

    async def create_call(self, request: Request) -> Response:
        account_sid = self._authenticate(request)
        form = await self._form(request)
        missing = [n for n in ("To", "From", "Url") if not _first(form, n)]
        if missing:
            raise ApiError(400, 21201, f"Missing required parameter(s): {', '.join(missing)}")
        call = Call(
            new_sid(),
            account_sid,
            _first(form, "To") or "",
            _first(form, "From") or "",
            _first(form, "Url") or "",
        )
        self.store.add_call(call)
        return JSONResponse(self._call_body(call, request), status_code=201)

    async def call(self, request: Request) -> Response:
        account_sid = self._authenticate(request)
        call = self._call(account_sid, request.path_params["call_sid"])
        if request.method == "POST":
            status = _first(await self._form(request), "Status")
            if status not in ("completed", "canceled"):
                raise ApiError(400, 21218, f"Invalid call Status {_echo(status)}")
            if call.status == "in-progress":
                self._end_call(call)
            call.status, call.updated = "completed", now()
        return JSONResponse(self._call_body(call, request))

    def _end_call(self, call: Call) -> None:
        ending = [
            r
            for r in self.store.recordings.values()
            if r.call_sid == call.sid and r.status not in ("completed", "absent")
        ]
        for r in ending:
            self.deliveries.submit(self._finish(r))

    @staticmethod
    def _call_body(call: Call, request: Request) -> dict[str, Any]:
        prefix = request.scope.get("root_path", "")
        return {
            "sid": call.sid,
            "account_sid": call.account_sid,
            "api_version": API_VERSION,
            "to": call.to,
            "from": call.from_,
            "status": call.status,
            "date_created": rfc2822(call.created),
            "date_updated": rfc2822(call.updated),
            "start_time": rfc2822(call.created),
            "end_time": rfc2822(call.updated) if call.status == "completed" else None,
            "direction": "outbound-api",
            "uri": f"{prefix}/Accounts/{call.account_sid}/Calls/{call.sid}.json",
        }

    # -- recordings ------------------------------------------------------------

    async def recordings(self, request: Request) -> Response:
        try:
            return await self._recordings(request)
        except ApiError as refused:
            if request.method == "POST" and 400 <= refused.status < 500:
                self._side_effect_of_refusal(request, refused.status)
            raise

    def _side_effect_of_refusal(self, request: Request, status: int) -> None:
        """Nothing, faithfully: a fault may start a recording on the path's call anyway."""
        call = self.store.calls.get(request.path_params["call_sid"])
        if call is None or call.status != "in-progress":
            return
        on_call = sum(1 for r in self.store.recordings.values() if r.call_sid == call.sid)
        user, _ = _basic_credentials(request)
        for f in self.faults:
            dated = f.created_by_refusal(status, call, on_call, user)
            if dated is not None:
                rec = Recording(
                    sid=new_sid(),
                    account_sid=call.account_sid,
                    call_sid=call.sid,
                    channels=CHANNELS_BY_MODE["mono"],
                    trim=PARAMETER["Trim"].default or "",
                    track=PARAMETER["RecordingTrack"].default or "",
                    callback_url=None,
                    callback_method=PARAMETER["RecordingStatusCallbackMethod"].default or "",
                    callback_events=frozenset(),
                    origin=f"{request.url.scheme}://{request.url.netloc}",
                    prefix=request.scope.get("root_path", ""),
                    created=dated,
                    started=dated,
                )
                self.store.add_recording(rec)
                return

    def _listing(self, request: Request, call: Call) -> Response:
        """A page of the call's recordings, newest first, as the vendor pages its lists:
        PageSize (default and maximum from the contract), Page, and a PageToken that
        carries on after the previous page's last recording, so that recordings created
        meanwhile shift nothing; next_page_uri is a path on this host, null at the end."""
        query = request.query_params
        size = _page_number(query.get(PAGE_SIZE_PARAM), PAGE_SIZE_PARAM, PAGE_SIZE_DEFAULT)
        page = _page_number(query.get(PAGE_PARAM), PAGE_PARAM, 0, least=0)
        if size > PAGE_SIZE_MAX:
            raise ApiError(400, 20400, f"{PAGE_SIZE_PARAM} is at most {PAGE_SIZE_MAX}")
        size = self._each("page_size", size)
        mine = [r for r in self.store.recordings.values() if r.call_sid == call.sid]
        # Newest first; among equal dates the later added first (dict order is added order).
        ordered = [r for _, r in sorted(enumerate(mine), key=lambda p: (p[1].created, p[0]))]
        ordered.reverse()
        token = query.get(PAGE_TOKEN_PARAM, "")
        after = next((i for i, r in enumerate(ordered) if f"PA{r.sid}" == token), None)
        start = after + 1 if after is not None else page * size
        items = ordered[start : start + size]
        path = request.url.path

        def uri(number: int, last: Recording | None = None) -> str:
            params = [(PAGE_SIZE_PARAM, size), (PAGE_PARAM, number)]
            params += [(PAGE_TOKEN_PARAM, f"PA{last.sid}")] if last is not None else []
            return f"{path}?{urlencode(params)}"

        more = start + size < len(ordered)
        body = {
            LIST_KEY: [self._recording_body(r) for r in items],
            "uri": uri(page) if after is None else f"{path}?{request.url.query}",
            "first_page_uri": uri(0),
            NEXT_PAGE_FIELD: uri(page + 1, items[-1]) if more and items else None,
            "previous_page_uri": uri(page - 1) if page > 0 else None,
            "page": page,
            "page_size": size,
            "start": start,
            "end": start + max(len(items) - 1, 0),
        }
        return JSONResponse(body)

    async def _recordings(self, request: Request) -> Response:
        account_sid = self._authenticate(request)
        call = self._call(account_sid, request.path_params["call_sid"])
        if request.method == "GET":
            return self._listing(request, call)
        form = await self._form(request)
        if call.status != "in-progress":
            raise ApiError(400, 21220, f"Call {call.sid} is not in progress")
        if any(f.crashes(form) for f in self.faults):
            raise ApiError(500, 10001, "Internal server error")
        problems = self._each("problems", validate_recording_form(form), form)
        if problems:
            listed = "; ".join(f"{p} {why}" for p, _, why in problems[:MAX_LISTED])
            more = len(problems) - MAX_LISTED
            raise ApiError(400, 21422, listed + (f"; and {more} more" if more > 0 else ""))
        rec = self._new_recording(request, account_sid, call, form)
        self.store.add_recording(rec)
        status = self._each("success_status", 200)
        self.deliveries.submit(self._callbacks(rec, IN_PROGRESS_EVENT))
        return JSONResponse(
            self._recording_body(rec),
            status_code=status,
            media_type=self._each("media_type", "application/json"),
        )

    def _new_recording(
        self, request: Request, account_sid: str, call: Call, form: Pairs
    ) -> Recording:
        def chosen(name: str) -> str:
            value = _first(form, name)
            default = PARAMETER[name].default
            return value if value is not None else default or ""

        events = {e for k, v in form if k == "RecordingStatusCallbackEvent" for e in v.split(" ")}
        return Recording(
            sid=self._each("new_sid", new_sid()),
            account_sid=account_sid,
            call_sid=call.sid,
            # .get: a fault may let through a mode outside the domain; record it as mono.
            channels=CHANNELS_BY_MODE.get(chosen("RecordingChannels"), "1"),
            trim=chosen("Trim"),
            track=chosen("RecordingTrack"),
            callback_url=_first(form, "RecordingStatusCallback"),
            callback_method=chosen("RecordingStatusCallbackMethod"),
            callback_events=frozenset(events or {chosen("RecordingStatusCallbackEvent")}),
            origin=f"{request.url.scheme}://{request.url.netloc}",
            prefix=request.scope.get("root_path", ""),
            status=STARTED_STATUSES[0],
            form=tuple(form),
        )

    def _recording_body(self, rec: Recording) -> dict[str, Any]:
        """The recording as every answer shows it; a fault bends it by the request that
        created it, so a fetch or a listing agrees with the create."""
        body = {
            "sid": rec.sid,
            "account_sid": rec.account_sid,
            "api_version": API_VERSION,
            "call_sid": rec.call_sid,
            "conference_sid": None,
            "channel": rec.channels,
            "channels": rec.channels,
            "date_created": rfc2822(rec.created),
            "date_updated": rfc2822(rec.updated),
            "start_time": rfc2822(rec.started),
            "end_time": rfc2822(rec.ended),
            "duration": rec.duration,
            "price": None,
            "price_unit": "USD",
            "source": API_RECORDING_SOURCE,
            "status": rec.status,
            "error_code": None,
            "uri": f"{rec.path}.json",
            "subresource_uris": {"transcriptions": f"{rec.path}/Transcriptions.json"},
            "encryption_details": None,
            "trim": rec.trim,
        }
        return self._each("recording_body", body, rec, list(rec.form))

    def _owned_recording(self, request: Request) -> Recording:
        account_sid = self._authenticate(request)
        rec = self.store.recordings.get(request.path_params["sid"])
        call_sid = request.path_params.get("call_sid", rec.call_sid if rec else None)
        if rec is None or rec.account_sid != account_sid or rec.call_sid != call_sid:
            raise _not_found("Recording", request.path_params["sid"])
        return rec

    async def call_recording(self, request: Request) -> Response:
        rec = self._owned_recording(request)
        if request.method == "GET":
            return JSONResponse(self._each("fetched_body", self._recording_body(rec)))
        status = _first(await self._form(request), "Status")
        if status not in UPDATE_STATUSES:
            raise ApiError(
                400, 21422, f"Status {_echo(status)} is not one of {', '.join(UPDATE_STATUSES)}"
            )
        if rec.status in ("completed", "absent", "stopped"):
            raise ApiError(400, 21220, f"Recording {rec.sid} has already ended")
        if status == "stopped":
            self.deliveries.submit(self._finish(rec))
        elif status == "paused":
            rec.status = "paused"
        else:
            rec.status = "in-progress"
        rec.updated = now()
        return JSONResponse(self._recording_body(rec))

    async def recording(self, request: Request) -> Response:
        rec = self._owned_recording(request)
        if request.method == "DELETE":
            del self.store.recordings[rec.sid]
            return Response(status_code=204)
        return JSONResponse(self._each("fetched_body", self._recording_body(rec)))

    # -- status callbacks ------------------------------------------------------

    def _finish(self, rec: Recording) -> list[Callback]:
        """End a recording. Every emulated call has audio, so it completes."""
        rec.ended = rec.updated = now()
        rec.status = "completed"
        return self._callbacks(rec, "completed")

    def _callbacks(self, rec: Recording, event: str) -> list[Callback]:
        if not rec.callback_url:
            return []
        planned = [self._callback(rec, event)] if event in rec.callback_events else []
        return self._each("callbacks", planned, rec, lambda e: self._callback(rec, e))

    def _callback(self, rec: Recording, event: str) -> Callback:
        body = self._recording_body(rec)
        body.update(uri=f"{rec.origin}{rec.path}", status=event)
        payload = {name: str(body[source]) for name, source in CALLBACK_FIELDS.items()}
        return Callback(event, rec.callback_method, rec.callback_url or "", payload)


def _page_number(raw: str | None, name: str, default: int, least: int = 1) -> int:
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < least:
        raise ApiError(400, 20400, f"{name} {_echo(raw)} is not a whole number from {least}")
    return int(raw)


def _basic_credentials(request: Request) -> tuple[str | None, str | None]:
    header = request.headers.get("authorization", "")
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic":
        return None, None
    try:
        user, _, token = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    return user, token


def create_app(
    store: Store, faults: tuple[Fault, ...] = (), callback_delay: float = 0.0
) -> Starlette:
    """`callback_delay`: seconds each status callback waits, as a late but faithful
    server's would."""
    return Emulator(store=store, faults=faults, deliveries=Deliveries(delay=callback_delay)).app()
