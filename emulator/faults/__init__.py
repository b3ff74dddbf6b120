"""Named ways for the emulator to misbehave, each a breach of one clause.

A fault overrides one or more hook points of `Fault`; the app passes its data
through every active fault at each point (the faithful behaviour is each hook's
default). The catalog lives in the family modules beside this one; it is how
the project proves the suite's power: every fault must be caught, naming its
clause.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from contract.forms import Pairs
from contract.terms import CLAUSE
from emulator.store import Call, Recording

Problems = list[tuple[str, str | None, str]]  # (parameter, value sent, why it is refused)
Body = dict[str, Any]


@dataclass(frozen=True)
class Callback:
    event: str
    method: str
    url: str
    payload: dict[str, str]
    in_query: bool = False  # POST with the payload in the query string (GET always is)
    later: float = 0.0  # seconds it is held back, its destination's queue not held up
    # The signature headers of the callback, given the URL it requests and its form
    # (emulator/delivery.py); set by the emulator, which knows the account's keys.
    signer: Callable[[str, Pairs], dict[str, str]] | None = field(
        default=None, repr=False, compare=False
    )


@dataclass(frozen=True)
class ToSign:
    """What the signer of one callback has at hand: the callback, the URL it requests (its
    query, a GET's payload added, as it goes out), its form parameters in the order sent
    (none when the payload is in the URL), and its account's keys."""

    callback: Callback
    url: str
    form: Pairs
    signing_key: str = field(repr=False)
    api_token: str = field(repr=False)


class Fault:
    """The hook points. Each default is the faithful behaviour."""

    name: ClassVar[str]
    clause: ClassVar[str]
    summary: ClassVar[str]
    # The suite's options a run needs to see the fault at all, whatever its length (the
    # kill matrix gives them): a callback sent well after the last row is seen only by a
    # run that listens that long (--callback-grace).
    observed_with: ClassVar[tuple[str, ...]] = ()

    def recording_body(self, body: Body, rec: Recording, form: Pairs) -> Body:
        return body

    def fetched_body(self, body: Body) -> Body:
        return body

    def media_type(self, media_type: str) -> str:
        """Of a created recording's response."""
        return media_type

    def problems(self, problems: Problems, form: Pairs) -> Problems:
        return problems

    def content_type_accepted(self, accepted: bool, content_type: str) -> bool:
        """Whether a body of this Content-Type header is read as a form (`accepted`: the
        media type, any case and any parameters, is the form's, or there is no body)."""
        return accepted

    def crashes(self, form: Pairs) -> bool:
        """Whether this create makes the server fail (answered 500)."""
        return False

    def success_status(self, status: int) -> int:
        return status

    def error(self, status: int, body: Body) -> tuple[int, Any]:
        """Return (status, body); a str body is sent as text/plain."""
        return status, body

    def authenticated(
        self, verdict: bool, path_account: str, user: str | None, known_credentials: bool
    ) -> bool:
        """`known_credentials`: the user and token are some account's, maybe another's."""
        return verdict

    def token_matches(self, verdict: bool, sent: str | None, token: str) -> bool:
        """Whether the token sent is the account's (`verdict`: compared exactly)."""
        return verdict

    def find_call(self, call: Call | None, sid: str, account_sid: str) -> Call | None:
        return call

    def owns_call(self, verdict: bool) -> bool:
        """Whether the account in the path may reach a call that exists (`verdict`: the
        call is that account's)."""
        return verdict

    def new_sid(self, sid: str) -> str:
        return sid

    def created_by_refusal(
        self, status: int, call: Call, on_call: int, user: str | None
    ) -> datetime | None:
        """A create refused with this 4xx status, on this in-progress call (holding
        `on_call` recordings; `user`: the credentials' user, None without any): when the
        recording it starts anyway is dated, or None, faithfully: it starts nothing."""
        return None

    def page_size(self, asked: int) -> int:
        """How many recordings a page of the call's listing holds, `asked` (or the default)."""
        return asked

    def callbacks(
        self, planned: list[Callback], rec: Recording, make: Callable[[str], Callback]
    ) -> list[Callback]:
        """`make(event)` builds the faithful callback for any event."""
        return planned

    def signature_headers(self, headers: dict[str, str], to_sign: ToSign) -> dict[str, str]:
        """The headers that sign a callback (`headers`: the faithful ones)."""
        return headers


FAULTS: dict[str, type[Fault]] = {}


def fault(name: str, clause: str, summary: str) -> Callable[[type[Fault]], type[Fault]]:
    if clause not in CLAUSE:
        raise ValueError(f"fault {name} names unknown clause {clause}")
    if name in FAULTS:
        raise ValueError(f"fault {name} is registered twice")

    def register(cls: type[Fault]) -> type[Fault]:
        cls.name, cls.clause, cls.summary = name, clause, summary
        FAULTS[name] = cls
        return cls

    return register


def body_fault(
    name: str,
    clause: str,
    summary: str,
    change: Callable[[Body], Body],
    when: Callable[[Pairs], bool] = lambda form: True,
) -> None:
    """A fault that bends the created recording's body, when the request matches."""

    class BodyFault(Fault):
        def recording_body(self, body: Body, rec: Recording, form: Pairs) -> Body:
            return change(dict(body)) if when(form) else body

    BodyFault.__name__ = BodyFault.__qualname__ = "".join(p.title() for p in name.split("-"))
    fault(name, clause, summary)(BodyFault)


def build(names: list[str] | tuple[str, ...]) -> tuple[Fault, ...]:
    _load()
    unknown = [n for n in names if n not in FAULTS]
    if unknown:
        known = ", ".join(sorted(FAULTS))
        raise ValueError(f"unknown fault(s): {', '.join(unknown)}; known: {known}")
    return tuple(FAULTS[n]() for n in names)


def catalog() -> dict[str, type[Fault]]:
    _load()
    return dict(FAULTS)


def _load() -> None:
    # Importing the families registers their faults.
    from emulator.faults import callbacks, identity, response, signing, validation  # noqa: F401
