"""The suite's side of a run: in-progress calls, the recordings it starts, and the
clean-up that ends them all, whatever happened in between."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from conformance.checks import Created, Refused
from conformance.checks.refusal import error_body_has_its_fields
from conformance.client.target import TargetClient
from conformance.client.wire import interrupt_deferred
from contract.exchange import Auth, Exchange, is_success
from contract.failures import ConfigurationError, Inconclusive, Violation
from contract.forms import Form
from contract.terms import API_VERSION, STOP_STATUS, TERMINAL_EVENTS


@dataclass
class CleanupReport:
    created_calls: list[str] = field(default_factory=list)
    ended_calls: list[str] = field(default_factory=list)
    started: list[str] = field(default_factory=list)
    stopped: list[str] = field(default_factory=list)
    ended_with_call: list[str] = field(default_factory=list)  # a stop failed; its call ended
    left: list[str] = field(default_factory=list)  # "kind SID: why", for the user to act on

    def lines(self) -> list[str]:
        ended = len(self.ended_with_call)
        out = [
            f"recordings started {len(self.started)}, stopped {len(self.stopped)}"
            + (f" (and {ended} ended with their call)" if ended else "")
            + f"; calls created {len(self.created_calls)}, ended {len(self.ended_calls)}"
        ]
        out += [f"NOT CLEANED UP: {item}" for item in self.left]
        return out


class CallSetupError(ConfigurationError):
    """No in-progress call to record: nothing can be judged."""


class Harness:
    def __init__(self, client: TargetClient, call_wait: float = 30.0) -> None:
        self.client = client
        self.call_wait = call_wait
        self._calls: list[str] = []
        self._call_trouble: CallSetupError | None = None
        self.report = CleanupReport()
        # What the set-up could not prove of the options (--no-call-check), in one line.
        self.unproven = ""
        self._open: dict[str, str] = {}  # recording sid -> call sid, not yet stopped
        self._unstopped: dict[str, tuple[str, str]] = {}  # sid -> (call, why its stop failed)
        # Answered creates that may have started a recording they did not name: a 2xx
        # without a readable sid, or a 5xx (conformance/run/listing.py counts them).
        self.unnamed_creates = 0

    @property
    def account_sid(self) -> str:
        return self.client.target.account_sid

    def call_sid(self) -> str:
        """An in-progress call: the first given one (checked), or one the suite creates.
        Either is the run's first authenticated request, so it proves the base URL and
        the credentials; a failed set-up is not tried again for every request."""
        if self._call_trouble is not None:
            raise self._call_trouble
        if not self._calls:
            given = self.client.target.calls.given
            vouched = self.client.target.calls.vouched
            check = self._vouched if vouched else self._check_given
            try:
                self._calls.append(check(given[0]) if given else self._create_call())
            except CallSetupError as exc:
                self._call_trouble = exc
                raise
        return self._calls[0]

    def _create_call(self) -> str:
        self.client.budget.reserve()  # the request that will end it
        with interrupt_deferred():
            try:
                exchange = self.client.create_call(self.client.target.calls)
            except Inconclusive as exc:
                self.client.budget.release()
                raise CallSetupError(f"could not create a call to record: {exc}") from None
            sid = _sid(exchange)
            created = is_success(exchange) and sid is not None
            if created and sid is not None:
                self.report.created_calls.append(sid)
        status = exchange.response.status
        if not created or sid is None:
            self.client.budget.release()
            problem = _setup_problem(exchange, "the call create")
            if problem:
                raise CallSetupError(problem)
            if is_success(exchange):
                self.report.left.append(
                    f"call create answered HTTP {status} without a sid: a call may have "
                    "been created that the suite cannot name or end"
                )
            raise CallSetupError(
                f"could not create a call to record: the target answered HTTP {status}"
                + ("" if is_success(exchange) else f" ({_message(exchange)})")
                + "; give an in-progress call with --call-sid"
            )
        self._await_in_progress(sid, exchange.body.get("status"))
        return sid

    def _check_given(self, sid: str) -> str:
        try:
            exchange = self.client.fetch_call(sid)
        except Inconclusive as exc:
            raise CallSetupError(f"--call-sid {sid} could not be fetched: {exc}") from None
        problem = _setup_problem(exchange, f"fetching --call-sid {sid}")
        if problem and exchange.response.status == 404:
            problem += "; or the call is not in this account"
        if problem:
            raise CallSetupError(problem)
        status = exchange.body.get("status")
        if not is_success(exchange) or status != "in-progress":
            raise CallSetupError(
                f"--call-sid {sid} is not an in-progress call (HTTP "
                f"{exchange.response.status}, status {status!r}): recordings need one"
            )
        return sid

    def _vouched(self, sid: str) -> str:
        """--no-call-check: the user vouches for the call, which is not fetched (a mock
        or a partial implementation may have no call API, or only an example call). The
        credentials and the base URL are still proven where the target allows it: by the
        call's recording list (harmless), else by a create without credentials, refused
        in the contract's error shape. A refusal of the credentials, or a 404 to both,
        stops the run; what cannot be proven is said in `unproven`, and the run goes on."""
        what = f"listing the recordings of --call-sid {sid}"
        try:
            listing = self.client.list_recordings(sid)
        except Inconclusive as exc:
            raise CallSetupError(f"{what} failed: {exc}") from None
        listed = listing.response.status
        if listed in (401, 403):
            raise CallSetupError(_setup_problem(listing, what))
        if is_success(listing):
            return sid
        try:
            bare = self.create((), call_sid=sid, auth=Auth.NONE)
        except Inconclusive as exc:
            raise CallSetupError(f"a create without credentials on {sid} failed: {exc}") from None
        refused = bare.response.status
        if listed == 404 and refused == 404:
            suffix = self.client.target.path_suffix
            raise CallSetupError(
                _setup_problem(bare, "a create without credentials")
                + (f"; or --path-suffix '' if it routes without {suffix}" if suffix else "")
                + f"; or the target does not know the call {sid} (--no-call-check vouches for it)"
            )
        answers = (
            f"the call's recording list answered HTTP {listed}, "
            f"a create without credentials HTTP {refused}"
        )
        if refused in (401, 403) and _error_shaped(bare):
            self.unproven = (
                f"--no-call-check: the base URL is proven but not the credentials ({answers}, "
                "in the contract's error shape); the run goes on"
            )
        else:
            self.unproven = (
                f"--no-call-check: neither the base URL nor the credentials are proven "
                f"({answers}); the run goes on"
            )
        return sid

    def _await_in_progress(self, sid: str, status: object) -> None:
        """Poll with backoff (each fetch is a request, on a live account money)."""
        deadline, pause = time.monotonic() + self.call_wait, 0.5
        while status != "in-progress":
            left = deadline - time.monotonic()
            if left <= 0:
                raise CallSetupError(
                    f"call {sid} is still {status!r} after {self.call_wait:g}s, not "
                    "in-progress (it is ended); give an in-progress call with --call-sid"
                )
            time.sleep(min(pause, left))
            pause *= 2
            try:
                status = self.client.fetch_call(sid).body.get("status")
            except Inconclusive as exc:
                raise CallSetupError(f"call {sid} could not be fetched: {exc}") from None

    def create(
        self,
        form: Form,
        *,
        call_sid: str | None = None,
        account_sid: str | None = None,
        auth: Auth = Auth.ACCOUNT,
        headers: tuple[tuple[str, str], ...] = (),
    ) -> Exchange:
        """Create a recording; whatever the target started is remembered for clean-up.
        An answer the suite could not read whole is inconclusive. `headers` are sent as
        spelled, in place of the suite's own of the same name."""
        call = call_sid or self.call_sid()
        self.client.budget.reserve()  # the request that will stop it, if it starts
        exchange: Exchange | None = None
        try:
            with interrupt_deferred():
                try:
                    exchange = self.client.create_recording(
                        call, form, account_sid=account_sid, auth=auth, headers=headers
                    )
                except Inconclusive:
                    self.client.budget.release()
                    raise
                sid = _sid(exchange)
                if is_success(exchange) and sid is not None:
                    self._open[sid] = call
                    self.report.started.append(sid)
                else:
                    self.client.budget.release()
                    if is_success(exchange) or exchange.response.status >= 500:
                        self.unnamed_creates += 1
        except KeyboardInterrupt:
            if exchange is None:
                self._unnamed(call, "was interrupted before its answer")
            raise
        assert exchange is not None  # answered: otherwise an exception left above
        if exchange.response.oversized:
            if is_success(exchange):
                self._unnamed(
                    call,
                    f"answered HTTP {exchange.response.status} with a body "
                    f"over {self.client.max_body} bytes",
                )
            raise Inconclusive(
                f"the answer was larger than {self.client.max_body} bytes "
                "(--max-response-bytes): not judged"
            )
        return exchange

    def _unnamed(self, call: str, what: str) -> None:
        """A create that may have started a recording the suite cannot name: ending the
        suite's own call ends it too (and an unknown call has none); on a given call,
        the user must look."""
        if call in self.client.target.calls.given:
            self.report.left.append(
                f"call {call}: a recording create {what}; a recording may be running "
                "that the suite cannot name"
            )

    def created(self, exchange: Exchange, call_sid: str | None = None) -> Created:
        return Created(exchange, self.account_sid, call_sid or self.call_sid())

    def stop(self, sid: str) -> Exchange | None:
        call = self._open.pop(sid, None)
        if call is None:
            return None
        try:
            exchange = self.client.update_recording(call, sid, STOP_STATUS)
        except Inconclusive as exc:
            self._unstopped[sid] = (call, str(exc))
            return None
        except KeyboardInterrupt:
            self._open[sid] = call  # not known to be stopped: the clean-up tries again
            raise
        if is_success(exchange):
            self.report.stopped.append(sid)
        else:
            self._unstopped[sid] = (call, f"stop answered HTTP {exchange.response.status}")
        return exchange

    # -- what requests sent by another started and ended ---------------------
    # A differential run (conformance/differential/run.py) sends the reference's requests
    # itself, creates and stops among them; it tells the harness what each started and
    # ended, so that the clean-up stops and ends what the run left (as for the suite's own).
    # The budget's reserve for each is the sender's to keep, as `create` keeps it.

    def adopt_recording(self, sid: str, call: str) -> None:
        """A recording a request sent by another started, on `call`."""
        if sid not in self._open:
            self._open[sid] = call
            self.report.started.append(sid)

    def recording_stopped(self, sid: str) -> None:
        """An adopted recording that a request sent by another stopped."""
        if self._open.pop(sid, None) is not None:
            self.report.stopped.append(sid)

    def adopt_call(self, sid: str) -> None:
        """A call a request sent by another created: the clean-up ends it."""
        if sid not in self.report.created_calls:
            self.report.created_calls.append(sid)

    def call_ended(self, sid: str) -> None:
        """An adopted call that a request sent by another ended."""
        if sid in self.report.created_calls and sid not in self.report.ended_calls:
            self.report.ended_calls.append(sid)

    def stop_all(self) -> None:
        for sid in list(self._open):
            self.stop(sid)

    def final_statuses(
        self, stops: dict[str, Exchange | None], polls: int = 3
    ) -> dict[str, str | None]:
        """Each recording's completed or absent, once the target says so (None if it never
        does). The stop's answer first, then up to `polls` rounds of fetches 0.3 s apart,
        every recording still unsure fetched in each round: the waits are shared."""
        status: dict[str, object] = {
            sid: stop.body.get("status") if stop is not None else None
            for sid, stop in stops.items()
        }
        unreadable: set[str] = set()
        for _ in range(polls):
            pending = [
                sid for sid in stops if status[sid] not in TERMINAL_EVENTS and sid not in unreadable
            ]
            if not pending:
                break
            time.sleep(0.3)
            for sid in pending:
                try:
                    status[sid] = self.client.fetch_recording(sid).body.get("status")
                except Inconclusive:
                    unreadable.add(sid)
        return {
            sid: str(value) if value in TERMINAL_EVENTS and sid not in unreadable else None
            for sid, value in status.items()
        }

    def cleanup(self) -> CleanupReport:
        """Stop every recording still open, end every call the suite created. A second
        Ctrl-C abandons the clean-up; what it did not reach is listed."""
        try:
            self.stop_all()
            for sid, (call, _) in list(self._unstopped.items()):
                if call not in self.report.created_calls:  # a given call: one more try
                    del self._unstopped[sid]
                    self._open[sid] = call
                    self.stop(sid)
            calls_from = len(self.report.left)
            for call in self.report.created_calls:
                if call not in self.report.ended_calls:
                    self._end(call)
            # A call that ends ends its recordings: a stop that failed on the suite's own
            # call, since ended, left nothing running. (Listed before the calls.)
            left = []
            for sid, (call, why) in self._unstopped.items():
                if call in self.report.ended_calls:
                    self.report.ended_with_call.append(sid)
                else:
                    left.append(f"recording {sid} on call {call}: {why}")
            self.report.left[calls_from:calls_from] = left
        except KeyboardInterrupt:
            self.report.left += [
                f"recording {sid} on call {c}: {why}; clean-up interrupted"
                for sid, (c, why) in self._unstopped.items()
            ]
            self.report.left += [
                f"recording {sid} on call {c}: clean-up interrupted"
                for sid, c in self._open.items()
            ]
            self.report.left += [
                f"call {c}: clean-up interrupted"
                for c in self.report.created_calls
                if c not in self.report.ended_calls
            ]
        return self.report

    def _end(self, call: str) -> None:
        try:
            exchange = self.client.end_call(call)
        except Inconclusive as exc:
            self.report.left.append(f"call {call}: {exc}")
            return
        if is_success(exchange):
            self.report.ended_calls.append(call)
        else:
            self.report.left.append(f"call {call}: end answered HTTP {exchange.response.status}")


def _setup_problem(exchange: Exchange, what: str) -> str:
    """The user's likely mistake behind a refused set-up request, or ''."""
    status = exchange.response.status
    if status in (401, 403):
        return (
            f"{what} was refused with HTTP {status}: check the credentials "
            "(--project-id or SIGNALWIRE_PROJECT_ID, --api-token or SIGNALWIRE_API_TOKEN)"
        )
    if status == 404:
        return (
            f"{what} answered HTTP 404 at {exchange.request.url}: check --base-url, which "
            f"ends in the API version (e.g. https://SPACE.signalwire.com/api/laml/{API_VERSION})"
        )
    return ""


def _sid(exchange: Exchange) -> str | None:
    """The sid an answer names its resource by, if any: an empty or blank one names
    nothing (a mock's example may hold ""), so nothing can be stopped or ended by it."""
    sid = exchange.body.get("sid")
    return sid if isinstance(sid, str) and sid.strip() else None


def _error_shaped(exchange: Exchange) -> bool:
    try:
        return error_body_has_its_fields(Refused(exchange, "no credentials"))
    except Violation:
        return False


def _message(exchange: Exchange) -> str:
    """The target's own words for a refusal, short."""
    message = exchange.body.get("message")
    text = message if isinstance(message, str) else exchange.response.text
    return " ".join(text.split())[:200] or "no message"
