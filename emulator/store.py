"""The emulator's state: accounts, calls and recordings, in memory, within a bound."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import TypeVar

CAPACITY = 100_000  # calls kept, and as many recordings (~1.3 KB each)


def now() -> datetime:
    return datetime.now(UTC)


def rfc2822(moment: datetime | None) -> str | None:
    return format_datetime(moment) if moment else None


def new_sid() -> str:
    return str(uuid.uuid4())


@dataclass(frozen=True)
class Account:
    sid: str
    token: str = field(repr=False)
    # The project's signing key, which signs its status callbacks: a credential of its own.
    signing_key: str = field(default_factory=lambda: uuid.uuid4().hex, repr=False)


@dataclass
class Call:
    sid: str
    account_sid: str
    to: str
    from_: str
    url: str
    status: str = "in-progress"
    created: datetime = field(default_factory=now)
    updated: datetime = field(default_factory=now)

    @property
    def ended(self) -> bool:
        return self.status != "in-progress"


@dataclass
class Recording:
    sid: str
    account_sid: str
    call_sid: str
    channels: str
    trim: str
    track: str
    callback_url: str | None
    callback_method: str
    callback_events: frozenset[str]
    origin: str  # scheme://host:port the recording was created through
    prefix: str  # the API prefix it was created under
    status: str = "in-progress"
    created: datetime = field(default_factory=now)
    updated: datetime = field(default_factory=now)
    started: datetime = field(default_factory=now)
    ended: datetime | None = None
    paused_seconds: float = 0.0
    form: tuple[tuple[str, str], ...] = ()  # the create request's parameters, as sent

    @property
    def duration(self) -> int:
        end = self.ended or now()
        return max(0, int((end - self.started).total_seconds() - self.paused_seconds))

    @property
    def path(self) -> str:
        return f"{self.prefix}/Accounts/{self.account_sid}/Recordings/{self.sid}"


_Kept = TypeVar("_Kept", Call, Recording)


@dataclass
class Store:
    accounts: dict[str, Account] = field(default_factory=dict)
    calls: dict[str, Call] = field(default_factory=dict)
    recordings: dict[str, Recording] = field(default_factory=dict)
    capacity: int = CAPACITY

    def add_call(self, call: Call) -> None:
        self._keep(self.calls, call.sid, call)

    def add_recording(self, rec: Recording) -> None:
        self._keep(self.recordings, rec.sid, rec)

    def _keep(self, table: dict[str, _Kept], sid: str, item: _Kept) -> None:
        """Add, keeping at most `capacity`: past it the oldest ended go first, then the
        oldest, a tenth of capacity more at once so that the sort is seldom paid."""
        table[sid] = item
        excess = len(table) - self.capacity
        if excess > 0:
            # A stable sort: the ended ones first, each group in the order added.
            by_age = sorted(table, key=lambda s: not table[s].ended)
            for old in by_age[: excess + self.capacity // 10]:
                del table[old]

    def add_account(
        self, sid: str | None = None, token: str | None = None, signing_key: str | None = None
    ) -> Account:
        account = Account(sid or new_sid(), token or uuid.uuid4().hex)
        if signing_key:
            account = replace(account, signing_key=signing_key)
        self.accounts[account.sid] = account
        return account
