"""Status callbacks: events, method and payload, for every plan row with a callback URL."""

from __future__ import annotations

from conformance.corpus import ValidCorpus
from conformance.params import Judged, clause_tests, judge_each
from conformance.registry import ClauseTest, Need


@clause_tests(Need.CALLBACKS)
def test_callbacks_follow_the_request(
    entry: ClauseTest, valid_corpus: ValidCorpus, judged: Judged
) -> None:
    judge_each(entry, valid_corpus.observed, judged, valid_corpus.why_empty)
