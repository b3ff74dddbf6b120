"""Identity: unique sids, a fetch returns the same resource, refused credentials create
nothing, and nothing a run refused left a recording on the call."""

from __future__ import annotations

from conformance.clauses.registry import ClauseTest
from conformance.clauses.schedule import Need
from conformance.corpus.refusals import RefusalCorpus
from conformance.corpus.valid import ValidCorpus
from conformance.hooks.judging import Judged, clause_tests, judge_each
from conformance.run.calls import Harness
from conformance.run.listing import CallLedger


@clause_tests(Need.NAMED)
def test_recordings_keep_their_identity(
    entry: ClauseTest, valid_corpus: ValidCorpus, harness: Harness, judged: Judged
) -> None:
    named = valid_corpus.named(harness.client.fetch_recording)
    # An entry that fetches judges as many recordings as it may fetch (its cost).
    judge_each(entry, named[: entry.fetches or None], judged, valid_corpus.why_empty)


@clause_tests(Need.LISTED)
def test_refused_credentials_create_nothing(
    entry: ClauseTest, refusal_corpus: RefusalCorpus, judged: Judged
) -> None:
    listed = [p for p in refusal_corpus.for_clause(entry.clause) if p.listed]
    judge_each(entry, listed, judged)


@clause_tests(Need.WHOLE_RUN)
def test_refused_requests_left_nothing_on_the_call(
    entry: ClauseTest, call_ledger: CallLedger | None, judged: Judged
) -> None:
    if call_ledger is None:
        judge_each(entry, [], judged, "the call's recordings were not listed before the run")
        return
    judge_each(entry, [call_ledger.whole_run()], judged)
