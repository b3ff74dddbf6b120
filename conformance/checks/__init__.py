"""Checks: one decorated function per clause, raising `ContractViolation`.

A check takes the context of its scope (what was sent and answered, and what
the suite knows around it) and returns whether it judged it: True when the clause
held on it, False when it gave the clause nothing to judge (a default check on a
request that sent the parameter, a method check on a recording no callback came
for). A clause passes only on what was judged.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

from contract.exchange import Exchange
from contract.terms import CLAUSE, Clause
from strategies.forms import Form, sent, sent_events


class Scope(StrEnum):
    CREATED = "created"  # a create answered 2xx with a recording
    REFUSED = "refused"  # a request the contract says must be refused
    CALLBACKS = "callbacks"  # a created recording, ended, with the callbacks it caused


@dataclass(frozen=True)
class Created:
    exchange: Exchange
    account_sid: str
    call_sid: str

    @property
    def form(self) -> Form:
        return self.exchange.request.form

    @property
    def body(self) -> dict[str, Any]:
        return self.exchange.body

    def sent(self, name: str) -> str | None:
        return sent(self.form, name)

    def sent_events(self) -> frozenset[str] | None:
        return sent_events(self.form)


@dataclass(frozen=True)
class Refused:
    exchange: Exchange
    why: str  # what makes the request one to refuse, for the message
    status: int | None = None  # the exact status the contract asks for, if any


Ctx = TypeVar("Ctx")


@dataclass(frozen=True)
class Check(Generic[Ctx]):
    clause: Clause
    scope: Scope
    run: Callable[[Ctx], bool]

    def __call__(self, context: Ctx) -> bool:
        return self.run(context)


CHECKS: list[Check[Any]] = []


def check(clause_id: str, scope: Scope) -> Callable[[Callable[[Ctx], bool]], Check[Ctx]]:
    def register(func: Callable[[Ctx], bool]) -> Check[Ctx]:
        registered = Check(CLAUSE[clause_id], scope, func)
        CHECKS.append(registered)
        return registered

    return register


def checks_for(scope: Scope) -> list[Check[Any]]:
    _load()
    return [c for c in CHECKS if c.scope is scope]


def _load() -> None:
    # Importing the families registers their checks.
    from conformance.checks import callbacks, refusal, response  # noqa: F401
