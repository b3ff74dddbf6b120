"""Status callbacks: events, method and payload, for every plan row with a callback URL;
then, at the run's end, the events again over every callback that came."""

from __future__ import annotations

from conformance.corpus import ValidCorpus
from conformance.params import Judged, clause_tests, judge_each
from conformance.receiver import CallbackReceiver
from conformance.registry import ClauseTest, Need
from conformance.session import SuiteSession


@clause_tests(Need.CALLBACKS)
def test_callbacks_follow_the_request(
    entry: ClauseTest, valid_corpus: ValidCorpus, judged: Judged
) -> None:
    judge_each(entry, valid_corpus.observed, judged, valid_corpus.why_empty)


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
