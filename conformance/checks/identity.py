"""Checks on identity: unique sids, a fetch that returns the same recording, refused
credentials that created nothing, and a run whose refused requests created nothing;
with the items they take (a named recording, a probe, the call's listing)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from conformance.checks import Created, Refused
from contract.exchange import Exchange
from contract.failures import Inconclusive, Violation
from contract.terms import Clause

# What a fetch must repeat of the create response (status, dates and duration move on).
STABLE_FIELDS = (
    "sid",
    "account_sid",
    "call_sid",
    "conference_sid",
    "channel",
    "channels",
    "trim",
    "source",
    "api_version",
    "date_created",
    "uri",
)


@dataclass(frozen=True)
class Named:
    """An accepted create that names its recording, with the sids named before it."""

    created: Created
    sid: str
    earlier: frozenset[str]
    fetch: Callable[[], Exchange]  # the recording fetched back (once, on first need)


@dataclass(frozen=True)
class Listed:
    """A recording as a page listed it (what a report needs to name it)."""

    sid: str
    item: dict[str, Any]
    page: Exchange

    def describe(self) -> str:
        seen = [f"{k} {self.item[k]}" for k in ("date_created", "status") if k in self.item]
        return f"{self.sid} ({', '.join(seen)})" if seen else self.sid


@dataclass
class Listing:
    call_sid: str
    given: bool  # a call given with --call-sid: others may record on it too
    items: list[Listed] = field(default_factory=list)
    pages: list[Exchange] = field(default_factory=list)
    why: str = ""  # why this is not the call's whole list ('' when it is)

    @property
    def sids(self) -> set[str]:
        return {i.sid for i in self.items}

    def whole(self, what: str) -> Listing:
        """This listing, if it is the call's whole list; otherwise inconclusive."""
        if self.why:
            raise Inconclusive(
                f"{what} could not be read whole, so what was created cannot be seen: {self.why}"
            )
        return self

    def count(self) -> str:
        pages = len(self.pages)
        return f"{len(self.sids)} recordings over {pages} page{'s' if pages != 1 else ''}"


@dataclass(frozen=True)
class WholeRun:
    """The call's recordings at the end of a run, and what accounts for them."""

    before: Listing | None  # a given call's, before the first create; None: the suite's
    after: Listing
    accepted: frozenset[str]  # the sids accepted creates returned
    uncertain: int  # creates that may have started a recording the suite cannot name
    refused: int  # creates on the call the target refused (4xx): what this judges


@dataclass
class Probe:
    clause: Clause
    refused: Refused
    # For credential probes: the call's recordings (every page) just before and just after.
    listed: tuple[Listing, Listing] | None = None


def sid_is_new(n: Named) -> bool:
    if n.sid in n.earlier:
        raise Violation(
            "a new sid per recording", f"sid {n.sid} returned twice", n.created.exchange
        )
    return True


def fetch_returns_the_same(n: Named) -> bool:
    fetched, created = n.fetch(), n.created
    differ = [
        f"{name}: created {created.body.get(name)!r}, fetched {fetched.body.get(name)!r}"
        for name in STABLE_FIELDS
        if fetched.body.get(name) != created.body.get(name)
    ]
    if fetched.response.status != 200 or differ:
        raise Violation(
            f"HTTP 200 and the same {', '.join(STABLE_FIELDS)}",
            f"HTTP {fetched.response.status}; " + ("; ".join(differ) or "fields agree"),
            fetched,
        )
    return True


def _shown(listed: list[Listed], most: int = 5) -> str:
    shown = "; ".join(i.describe() for i in listed[:most])
    return shown + (f"; and {len(listed) - most} more" if len(listed) > most else "")


_SOMEONE_ELSE = (
    "on a call given with --call-sid, a recording someone else started on it meanwhile "
    "looks the same, so the suite cannot tell (on a call it creates, it can: run without "
    "--call-sid to know)"
)


def created_nothing(probe: Probe) -> bool:
    """The call's recordings, every page, listed just before and just after the refused
    probe: a recording listed after that was not before is the probe's doing."""
    if probe.listed is None:
        return False
    before, after = (listing.whole("the call's recordings") for listing in probe.listed)
    new = [i for i in after.items if i.sid not in before.sids]
    if not new:
        return True
    what = f"{len(new)} recording(s) listed after it that were not before: {_shown(new)}"
    if after.given:
        raise Inconclusive(f"{what}; {_SOMEONE_ELSE}")
    raise Violation(
        f"the call's recordings as before the request ({before.count()}, every page read)",
        what,
        probe.refused.exchange,
    )


def nothing_unaccounted_for(run: WholeRun) -> bool:
    """Every recording the call holds at the end of the run was there before it (a given
    call's), or was returned by an accepted create: any other is a refused request's doing,
    wherever in the run it was sent."""
    if not run.refused:
        raise Inconclusive(
            "no create on the call was refused in this run, so no refusal's side effect "
            "could show on it"
        )
    after = run.after.whole("the call's recordings at the end of the run")
    known = set(run.accepted)
    if run.before is not None:
        known |= run.before.whole("the given call's recordings before the run").sids
    strays = list({i.sid: i for i in after.items if i.sid not in known}.values())
    if not strays:
        return True
    what = (
        f"{len(strays)} recording(s) on call {after.call_sid} that no accepted create "
        f"returned: {_shown(strays)}"
    )
    if after.given:
        raise Inconclusive(f"{what}; a refused request's, or {_SOMEONE_ELSE}")
    if len(strays) <= run.uncertain:
        raise Inconclusive(
            f"{what}; but {run.uncertain} create(s) got no answer, or one naming no recording, "
            "and may have started them"
        )
    lost = f" (at most {run.uncertain} may be creates whose answer was lost)"
    lost = lost if run.uncertain else ""
    raise Violation(
        f"every recording on the call the suite created for this run returned by one of its "
        f"{len(run.accepted)} accepted creates ({after.count()} listed, every page read)",
        what + lost + "; the listing's page shows the first",
        strays[0].page,
    )
