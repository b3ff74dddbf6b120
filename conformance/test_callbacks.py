"""Status callbacks: events, method, payload and signature, for every plan row with a
callback URL; then, at the run's end, the events again over every callback that came."""

from __future__ import annotations

from dataclasses import replace

from conformance.clauses.registry import ClauseTest
from conformance.clauses.schedule import Need
from conformance.client.receiver import CallbackReceiver
from conformance.corpus.valid import ValidCorpus
from conformance.hooks.judging import Judged, clause_tests, judge_each
from conformance.run.options import SuiteSession


@clause_tests(Need.CALLBACKS)
def test_callbacks_follow_the_request(
    entry: ClauseTest, valid_corpus: ValidCorpus, judged: Judged, suite: SuiteSession
) -> None:
    # Each recording's callbacks, with the signing key when the user gave one (no local
    # holds it: a traceback with --showlocals shows none).
    observed = (
        replace(o, signing_key=suite.target.credentials.signing_key) for o in valid_corpus.observed
    )
    judge_each(entry, observed, judged, valid_corpus.why_empty)


@clause_tests(Need.RUN_CALLBACKS)
def test_callbacks_over_the_whole_run(
    entry: ClauseTest,
    valid_corpus: ValidCorpus,
    receiver: CallbackReceiver,
    suite: SuiteSession,
    judged: Judged,
) -> None:
    """Last in the run: a late, repeated or unasked callback counts whenever it came."""
    observed = valid_corpus.over_the_run(receiver, suite.settings.callback_grace)
    judge_each(entry, observed, judged, valid_corpus.why_empty)
