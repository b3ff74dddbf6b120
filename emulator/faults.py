"""Named ways for the emulator to misbehave, each a breach of one clause.

A fault overrides one or more hook points of `Fault`; the app passes its data
through every active fault at each point. The faults are how the project
proves the suite's power: each must be caught, naming its clause.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from conformance.contract import CLAUSE
from emulator.store import Call, Recording

Problems = list[tuple[str, str]]  # (parameter, why it is refused)
FormPairs = list[tuple[str, str]]


@dataclass(frozen=True)
class Callback:
    event: str
    method: str
    url: str
    payload: dict[str, str]


class Fault:
    """The hook points. Each default is the faithful behaviour."""

    name: ClassVar[str]
    clause: ClassVar[str]
    summary: ClassVar[str]

    def recording_body(
        self, body: dict[str, Any], rec: Recording, form: FormPairs
    ) -> dict[str, Any]:
        return body

    def fetched_body(self, body: dict[str, Any]) -> dict[str, Any]:
        return body

    def problems(self, problems: Problems, form: FormPairs) -> Problems:
        return problems

    def success_status(self, status: int) -> int:
        return status

    def error(self, status: int, body: dict[str, Any]) -> tuple[int, Any]:
        """Return (status, body); a str body is sent as text/plain."""
        return status, body

    def authenticated(self, verdict: bool, path_account: str, user: str | None) -> bool:
        return verdict

    def find_call(self, call: Call | None, sid: str, account_sid: str) -> Call | None:
        return call

    def new_sid(self, sid: str) -> str:
        return sid

    def callbacks(
        self, planned: list[Callback], rec: Recording, make: Callable[[str], Callback]
    ) -> list[Callback]:
        """`make(event)` builds the faithful callback for any event."""
        return planned


FAULTS: dict[str, type[Fault]] = {}


def fault(name: str, clause: str, summary: str) -> Callable[[type[Fault]], type[Fault]]:
    if clause not in CLAUSE:
        raise ValueError(f"fault {name} names unknown clause {clause}")

    def register(cls: type[Fault]) -> type[Fault]:
        cls.name, cls.clause, cls.summary = name, clause, summary
        FAULTS[name] = cls
        return cls

    return register


def build(names: list[str] | tuple[str, ...]) -> tuple[Fault, ...]:
    unknown = [n for n in names if n not in FAULTS]
    if unknown:
        raise ValueError(
            f"unknown fault(s): {', '.join(unknown)}; known: {', '.join(sorted(FAULTS))}"
        )
    return tuple(FAULTS[n]() for n in names)


def _sent(form: FormPairs, name: str) -> str | None:
    return next((v for k, v in form if k == name), None)


# --- a first set; tests/ keeps them honest --------------------------------------


@fault("trim-default-trims", "DEFAULT-TRIM", "omitted Trim reports trim-silence")
class TrimDefaultTrims(Fault):
    def recording_body(
        self, body: dict[str, Any], rec: Recording, form: FormPairs
    ) -> dict[str, Any]:
        return {**body, "trim": "trim-silence"} if _sent(form, "Trim") is None else body


@fault(
    "dual-trim-mono",
    "ECHO-CHANNELS",
    "dual with trim-silence reports one channel (an interaction of two parameters)",
)
class DualTrimMono(Fault):
    def recording_body(
        self, body: dict[str, Any], rec: Recording, form: FormPairs
    ) -> dict[str, Any]:
        if _sent(form, "RecordingChannels") == "dual" and _sent(form, "Trim") == "trim-silence":
            return {**body, "channels": "1", "channel": "1"}
        return body


@fault("error-without-status", "ERROR-SHAPE", "error bodies lack the status field")
class ErrorWithoutStatus(Fault):
    def error(self, status: int, body: dict[str, Any]) -> tuple[int, Any]:
        return status, {k: v for k, v in body.items() if k != "status"}


@fault("auth-none-accepted", "AUTH-MISSING-401", "a request without credentials is let in")
class AuthNoneAccepted(Fault):
    def authenticated(self, verdict: bool, path_account: str, user: str | None) -> bool:
        return verdict or user is None


@fault("unknown-call-accepted", "CALL-UNKNOWN-404", "an unknown CallSid gets a recording")
class UnknownCallAccepted(Fault):
    def find_call(self, call: Call | None, sid: str, account_sid: str) -> Call | None:
        return call or Call(sid, account_sid, "", "", "")


@fault("callback-get-as-post", "CALLBACK-METHOD", "GET callbacks are sent as POST")
class CallbackGetAsPost(Fault):
    def callbacks(
        self, planned: list[Callback], rec: Recording, make: Callable[[str], Callback]
    ) -> list[Callback]:
        return [replace(c, method="POST") for c in planned]


@fault("trim-silence-refused", "VALID-ACCEPTED", "Trim=trim-silence is refused with 400")
class TrimSilenceRefused(Fault):
    def problems(self, problems: Problems, form: FormPairs) -> Problems:
        if _sent(form, "Trim") == "trim-silence":
            return [*problems, ("Trim", "trim-silence is not supported")]
        return problems


@fault("track-any-accepted", "REJECT-RECORDING-TRACK", "any RecordingTrack value is accepted")
class TrackAnyAccepted(Fault):
    def problems(self, problems: Problems, form: FormPairs) -> Problems:
        return [p for p in problems if p[0] != "RecordingTrack"]
