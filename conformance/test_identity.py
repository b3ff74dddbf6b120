"""Identity: unique sids, and a fetch returns the same resource."""

from __future__ import annotations

import pytest

from conformance.corpus import ValidCorpus
from conformance.harness import Harness
from conformance.params import Judged, require
from contract.failures import ContractViolation

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
FETCHES = 3


@pytest.mark.clause("IDENTITY-UNIQUE-SID")
def test_no_two_recordings_share_a_sid(valid_corpus: ValidCorpus, judged: Judged) -> None:
    seen: dict[str, object] = {}
    for created in require(valid_corpus.created, "accepted request", valid_corpus.why_empty):
        sid = created.body.get("sid")
        if not isinstance(sid, str):
            continue
        judged.add()
        if sid in seen:
            raise ContractViolation(
                "IDENTITY-UNIQUE-SID",
                expected="a new sid per recording",
                actual=f"sid {sid} returned twice",
                exchange=created.exchange,
            )
        seen[sid] = created


@pytest.mark.clause("IDENTITY-FETCH")
def test_fetch_returns_the_same_recording(
    valid_corpus: ValidCorpus, harness: Harness, judged: Judged
) -> None:
    named = [c for c in valid_corpus.created if isinstance(c.body.get("sid"), str)]
    for created in require(named, "accepted request naming a sid", valid_corpus.why_empty)[
        :FETCHES
    ]:
        judged.add()
        entry = next(e for e in valid_corpus.entries if e.created is created)
        if entry.fetched is None:  # once: the whole corpus judges the first look's again
            entry.fetched = harness.client.fetch_recording(str(created.body.get("sid")))
        fetched = entry.fetched
        differ = [
            f"{name}: created {created.body.get(name)!r}, fetched {fetched.body.get(name)!r}"
            for name in STABLE_FIELDS
            if fetched.body.get(name) != created.body.get(name)
        ]
        if fetched.response.status != 200 or differ:
            raise ContractViolation(
                "IDENTITY-FETCH",
                expected=f"HTTP 200 and the same {', '.join(STABLE_FIELDS)}",
                actual=f"HTTP {fetched.response.status}; " + ("; ".join(differ) or "fields agree"),
                exchange=fetched,
            )
