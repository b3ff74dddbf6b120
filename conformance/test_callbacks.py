"""Status callbacks: events, method and payload, for every plan row with a callback URL."""

from __future__ import annotations

from typing import Any

from conformance.checks import Check, Scope, checks_for
from conformance.corpus import ValidCorpus
from conformance.params import per_clause, require


@per_clause(checks_for(Scope.CALLBACKS))
def test_callbacks_follow_the_request(check: Check[Any], valid_corpus: ValidCorpus) -> None:
    for observed in require(valid_corpus.observed, "recording with a callback URL"):
        check(observed)
