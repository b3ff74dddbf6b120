"""Status callbacks: events, method and payload, for every plan row with a callback URL."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.checks import Check, Scope, checks_for
from conformance.corpus import ValidCorpus
from conformance.params import Judged, judge_each, per_clause


@pytest.mark.awaits_callbacks
@per_clause(checks_for(Scope.CALLBACKS))
def test_callbacks_follow_the_request(
    check: Check[Any], valid_corpus: ValidCorpus, judged: Judged
) -> None:
    judge_each(
        check,
        valid_corpus.observed,
        "recording with a callback URL",
        judged,
        valid_corpus.why_empty,
    )
