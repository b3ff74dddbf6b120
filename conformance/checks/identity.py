"""Checks on identity: unique sids, a fetch that returns the same recording, and refused
credentials that created nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from conformance.checks import Created, Violation
from contract.exchange import Exchange
from contract.failures import Inconclusive

if TYPE_CHECKING:
    from conformance.corpus import Probe

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


def _count(listing: Exchange) -> int:
    items = listing.body.get("recordings")
    if listing.response.status != 200 or not isinstance(items, list):
        raise Inconclusive(
            "the target's recording list could not be read, so what a "
            "refused request created cannot be seen"
        )
    return len(items)


def created_nothing(probe: Probe) -> bool:
    """The call's recordings, listed just before and just after the refused probe."""
    if probe.listed is None:
        return False
    before, after = (_count(listing) for listing in probe.listed)
    if after != before:
        raise Violation(
            f"{before} recordings on the call, as before the request",
            f"{after} recordings after it",
            probe.refused.exchange,
        )
    return True
