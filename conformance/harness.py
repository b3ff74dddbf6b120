"""The suite's side of a run: in-progress calls, the recordings it starts, and the
clean-up that ends them all, whatever happened in between."""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from conformance.checks import Created
from conformance.contract import STOP_STATUS, TERMINAL_EVENTS
from conformance.exchange import Auth, Exchange, Form
from conformance.failures import Inconclusive
from conformance.target import TargetClient


@contextmanager
def uninterrupted() -> Iterator[None]:
    """Ctrl-C waits until the request in flight is answered and booked, so whatever it
    started is known and gets cleaned up; then the interrupt goes on. (A request is
    bounded by its timeout and retries, so the wait is too.)"""
    if threading.current_thread() is not threading.main_thread():
        yield  # signal handlers belong to the main thread
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda number, frame: caught.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


def is_success(exchange: Exchange) -> bool:
    return 200 <= exchange.response.status < 300


@dataclass
class CleanupReport:
    created_calls: list[str] = field(default_factory=list)
    ended_calls: list[str] = field(default_factory=list)
    started: list[str] = field(default_factory=list)
    stopped: list[str] = field(default_factory=list)
    left: list[str] = field(default_factory=list)  # "kind SID: why", for the user to act on

    def lines(self) -> list[str]:
        out = [
            f"recordings started {len(self.started)}, stopped {len(self.stopped)}; "
            f"calls created {len(self.created_calls)}, ended {len(self.ended_calls)}"
        ]
        out += [f"NOT CLEANED UP: {item}" for item in self.left]
        return out


class Harness:
    def __init__(self, client: TargetClient, call_wait: float = 30.0) -> None:
        self.client = client
        self.call_wait = call_wait
        self._calls: list[str] = []
        self.report = CleanupReport()
        self._open: dict[str, str] = {}  # recording sid -> call sid, not yet stopped

    @property
    def account_sid(self) -> str:
        return self.client.target.account_sid

    def call_sid(self) -> str:
        """An in-progress call: the first given one, or one the suite creates (once)."""
        if not self._calls:
            given = self.client.target.calls.given
            self._calls.append(given[0] if given else self._create_call())
        return self._calls[0]

    def _create_call(self) -> str:
        self.client.budget.reserve()  # the request that will end it
        with uninterrupted():
            try:
                exchange = self.client.create_call(self.client.target.calls)
            except Inconclusive:
                self.client.budget.release()
                raise
            sid = exchange.body.get("sid")
            created = is_success(exchange) and isinstance(sid, str)
            if created:
                self.report.created_calls.append(sid)
        if not created:
            self.client.budget.release()
            raise Inconclusive(
                f"could not create a call to record (HTTP {exchange.response.status}); "
                "give one with --call-sid"
            )
        deadline = time.monotonic() + self.call_wait
        status = exchange.body.get("status")
        while status != "in-progress":
            if time.monotonic() > deadline:
                raise Inconclusive(f"call {sid} is still {status!r} after {self.call_wait:.0f}s")
            time.sleep(0.5)
            status = self.client.fetch_call(sid).body.get("status")
        return sid

    def create(
        self,
        form: Form,
        *,
        call_sid: str | None = None,
        account_sid: str | None = None,
        auth: Auth = Auth.ACCOUNT,
    ) -> Exchange:
        """Create a recording; whatever the target started is remembered for clean-up."""
        call = call_sid or self.call_sid()
        self.client.budget.reserve()  # the request that will stop it, if it starts
        with uninterrupted():
            try:
                exchange = self.client.create_recording(
                    call, form, account_sid=account_sid, auth=auth
                )
            except Inconclusive:
                self.client.budget.release()
                raise
            sid = exchange.body.get("sid")
            if is_success(exchange) and isinstance(sid, str):
                self._open[sid] = call
                self.report.started.append(sid)
            else:
                self.client.budget.release()
        return exchange

    def created(self, exchange: Exchange, call_sid: str | None = None) -> Created:
        return Created(exchange, self.account_sid, call_sid or self.call_sid())

    def stop(self, sid: str) -> Exchange | None:
        call = self._open.pop(sid, None)
        if call is None:
            return None
        try:
            exchange = self.client.update_recording(call, sid, STOP_STATUS)
        except Inconclusive as exc:
            self.report.left.append(f"recording {sid} on call {call}: {exc}")
            return None
        if is_success(exchange):
            self.report.stopped.append(sid)
        else:
            self.report.left.append(
                f"recording {sid} on call {call}: stop answered HTTP {exchange.response.status}"
            )
        return exchange

    def stop_all(self) -> None:
        for sid in list(self._open):
            self.stop(sid)

    def final_status(self, stop: Exchange | None, sid: str, polls: int = 3) -> str | None:
        """completed or absent once the target says so; None if it never does."""
        status = stop.body.get("status") if stop is not None else None
        for _ in range(polls):
            if status in TERMINAL_EVENTS:
                return str(status)
            time.sleep(0.3)
            try:
                status = self.client.fetch_recording(sid).body.get("status")
            except Inconclusive:
                return None
        return str(status) if status in TERMINAL_EVENTS else None

    def cleanup(self) -> CleanupReport:
        """Stop every recording still open, end every call the suite created."""
        self.stop_all()
        for call in self.report.created_calls:
            if call in self.report.ended_calls:
                continue
            try:
                exchange = self.client.end_call(call)
            except Inconclusive as exc:
                self.report.left.append(f"call {call}: {exc}")
                continue
            if is_success(exchange):
                self.report.ended_calls.append(call)
            else:
                self.report.left.append(
                    f"call {call}: end answered HTTP {exchange.response.status}"
                )
        return self.report
