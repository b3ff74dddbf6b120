"""Checks: plain functions the registry (conformance/clauses/registry.py) binds to clauses.

A check takes one item of what its entry needs (a created recording, a refusal, a
recording's callbacks...) and returns whether it judged it: True when the clause held
on it, False when it gave the clause nothing to judge (a default check on a request
that sent the parameter, a method check on a recording no callback came for). A
clause passes only on what was judged. A check that finds the clause broken raises
`Violation` (contract/failures.py), naming no clause: the entry that ran it stamps its own.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from contract.exchange import Exchange
from contract.forms import Form, sent, sent_events


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
