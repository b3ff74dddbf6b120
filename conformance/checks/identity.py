"""Checks on identity: unique sids, a fetch that returns the same recording, refused
credentials that created nothing, and a run whose refused requests created nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from conformance.checks import Created, Violation
from contract.exchange import Exchange
from contract.failures import Inconclusive

if TYPE_CHECKING:
    from conformance.corpus import Probe
    from conformance.listing import Listed, WholeRun

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
