"""Variants: ways for the emulator to answer otherwise where the contract is silent,
as another implementation (or the live API) may. Not faults: the suite passes with each
one (tests/test_differential.py runs it), so the kill matrix never sees them; only a
differential run against a reference recorded without them tells them apart
(conformance/differential/, `pytest conformance --emulator-variant NAME`, or
`python -m emulator --variant NAME`; `--list-variants` lists them)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from contract.forms import Pairs
from contract.terms import TERMINAL_EVENTS
from emulator.faults import Body, Callback, Fault
from emulator.store import Recording

VARIANTS: dict[str, type[Fault]] = {}
SUMMARIES: dict[str, str] = {}


def variant(name: str, summary: str) -> Callable[[type[Fault]], type[Fault]]:
    def register(cls: type[Fault]) -> type[Fault]:
        VARIANTS[name], SUMMARIES[name] = cls, summary
        return cls

    return register


@variant("error-dialect", "errors carry other codes, messages and more_info URLs")
class ErrorDialect(Fault):
    def error(self, status: int, body: Body) -> tuple[int, Any]:
        if not isinstance(body, dict) or not isinstance(body.get("code"), int):
            return status, body
        code = body["code"] + 70000
        return status, {
            **body,
            "code": code,
            "message": f"Request failed: {body.get('message', '')}",
            "more_info": f"https://errors.example.com/{code}",
        }


@variant("media-url-field", "every recording carries a media_url field beside the contract's")
class MediaUrlField(Fault):
    def recording_body(self, body: Body, rec: Recording, form: Pairs) -> Body:
        uri = str(body.get("uri", ""))
        return {**body, "media_url": uri.removesuffix(".json") + ".wav"}


@variant("callback-parameters-reversed", "status callbacks carry their parameters in reverse order")
class CallbackParametersReversed(Fault):
    def callbacks(
        self, planned: list[Callback], rec: Recording, make: Callable[[str], Callback]
    ) -> list[Callback]:
        return [replace(c, payload=dict(reversed(c.payload.items()))) for c in planned]


LATE = 0.5  # seconds a recording's last callback is held back (terminal-callbacks-late)


@variant(
    "terminal-callbacks-late",
    f"a recording's completed or absent callback comes {LATE:g} s late: after the next "
    "recordings' in-progress ones, its own order kept",
)
class TerminalCallbacksLate(Fault):
    def callbacks(
        self, planned: list[Callback], rec: Recording, make: Callable[[str], Callback]
    ) -> list[Callback]:
        return [replace(c, later=LATE) if c.event in TERMINAL_EVENTS else c for c in planned]


def build_variants(names: list[str] | tuple[str, ...]) -> tuple[Fault, ...]:
    unknown = [n for n in names if n not in VARIANTS]
    if unknown:
        raise ValueError(f"unknown variant(s): {', '.join(unknown)}; known: {', '.join(VARIANTS)}")
    return tuple(VARIANTS[n]() for n in names)
