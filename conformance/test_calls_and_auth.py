"""Calls (unknown and malformed CallSids) and authentication."""

from __future__ import annotations

import pytest

from conformance.checks.outcome import expect_refused
from conformance.corpus import RefusalCorpus
from conformance.params import Judged, require
from contract.exchange import Exchange
from contract.failures import ContractViolation, Inconclusive

IDENTITY_CLAUSES = (
    "CALL-UNKNOWN-404",
    "CALL-MALFORMED-4XX",
    "AUTH-MISSING-401",
    "AUTH-WRONG-TOKEN-401",
    "AUTH-OTHER-ACCOUNT-401",
    "AUTH-ACCOUNT-SID-EXACT",
)
# Whether a refused credential created nothing is seen by listing the call's recordings
# around one probe of each (two requests more); the near misses of strategies/credentials.py
# are judged on their answer alone, which a handler that acts before it authenticates
# gets wrong for every credential alike.
LISTED_CLAUSES = ("AUTH-MISSING-401", "AUTH-WRONG-TOKEN-401", "AUTH-OTHER-ACCOUNT-401")


@pytest.mark.parametrize(
    "clause_id", [pytest.param(c, id=c, marks=pytest.mark.clause(c)) for c in IDENTITY_CLAUSES]
)
def test_request_is_refused(clause_id: str, refusal_corpus: RefusalCorpus, judged: Judged) -> None:
    for probe in refusal_corpus.for_clause(clause_id):
        expect_refused(probe.refused, clause_id)
        judged.add()


def _count(listing: Exchange) -> int:
    items = listing.body.get("recordings")
    if listing.response.status != 200 or not isinstance(items, list):
        raise Inconclusive(
            "the target's recording list could not be read, so what a "
            "refused request created cannot be seen"
        )
    return len(items)


@pytest.mark.parametrize(
    "clause_id", [pytest.param(c, id=c, marks=pytest.mark.clause(c)) for c in LISTED_CLAUSES]
)
def test_refused_credentials_create_nothing(
    clause_id: str, refusal_corpus: RefusalCorpus, judged: Judged
) -> None:
    listed = [p for p in refusal_corpus.for_clause(clause_id) if p.listed]
    for probe in require(listed, f"{clause_id} probe with the call's recordings listed"):
        assert probe.listed is not None
        before, after = (_count(listing) for listing in probe.listed)
        judged.add()
        if after != before:
            raise ContractViolation(
                clause_id,
                expected=f"{before} recordings on the call, as before the request",
                actual=f"{after} recordings after it",
                exchange=probe.refused.exchange,
            )
