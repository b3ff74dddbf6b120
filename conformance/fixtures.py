"""The suite's fixtures: the session, the harness, the receiver and the corpora."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conformance.corpus import (
    LOOKS,
    RefusalCorpus,
    Stage,
    StagedPlan,
    ValidCorpus,
    send_valid,
    stage_plan,
)
from conformance.harness import Harness
from conformance.listing import CallLedger
from conformance.params import Judged
from conformance.receiver import CallbackReceiver
from conformance.registry import probe_order
from conformance.session import SuiteSession
from conformance.stash import JUDGED, LEDGER, SESSION, harness_of, receiver_of


@pytest.fixture(scope="session")
def suite(pytestconfig: pytest.Config) -> SuiteSession:
    return pytestconfig.stash[SESSION]


@pytest.fixture(scope="session")
def harness(pytestconfig: pytest.Config) -> Harness:
    return harness_of(pytestconfig)


@pytest.fixture(scope="session")
def judged(pytestconfig: pytest.Config) -> Judged:
    """What the running test judged (reset before each test, read after it)."""
    return pytestconfig.stash[JUDGED]


@pytest.fixture(scope="session")
def call_ledger(pytestconfig: pytest.Config) -> CallLedger | None:
    """The call's recordings before the run, opened before the first create (None: it
    was not, as when the run's call could not be had)."""
    return pytestconfig.stash.get(LEDGER, None)


@pytest.fixture(scope="session")
def receiver(pytestconfig: pytest.Config) -> Iterator[CallbackReceiver]:
    r = receiver_of(pytestconfig)  # started before any test (conformance/lifecycle.py)
    yield r
    r.stop()


@pytest.fixture(scope="session")
def staged_plan(suite: SuiteSession) -> StagedPlan:
    s = suite.settings
    other_token_known = suite.target.other_account is not None
    return stage_plan(
        s.coverage_strength,
        probe_order,
        s.unknown_call_sid,
        s.other_account_sid,
        other_token_known,
        s.other_account_call_sid,
    )


@pytest.fixture(scope="session")
def first_look_valid(
    harness: Harness, receiver: CallbackReceiver, suite: SuiteSession, staged_plan: StagedPlan
) -> ValidCorpus:
    # Its callbacks are judged after the first look's probes (see Rank), which go out
    # while the callbacks come in and the grace runs.
    s = suite.settings
    rows = staged_plan.first_rows
    return send_valid(harness, receiver, rows, s.callback_timeout, s.callback_grace)


@pytest.fixture(scope="session")
def valid_corpus(
    request: pytest.FixtureRequest,
    first_look_valid: ValidCorpus,
    harness: Harness,
    receiver: CallbackReceiver,
    suite: SuiteSession,
    staged_plan: StagedPlan,
) -> ValidCorpus:
    if request.param is Stage.FIRST_LOOK:
        return first_look_valid
    s = suite.settings
    rest = staged_plan.rest_rows
    return first_look_valid + send_valid(
        harness, receiver, rest, s.callback_timeout, s.callback_grace
    )


@pytest.fixture(scope="session")
def refusal_looks(harness: Harness, staged_plan: StagedPlan) -> dict[Stage, RefusalCorpus]:
    return {look: RefusalCorpus(harness, look, staged_plan.probes[look]) for look in LOOKS}


@pytest.fixture(scope="session")
def refusal_corpus(
    request: pytest.FixtureRequest,
    refusal_looks: dict[Stage, RefusalCorpus],
    harness: Harness,
    staged_plan: StagedPlan,
) -> RefusalCorpus:
    """A look's probes, or the whole corpus (the looks' and the rest): each clause's sent
    when its test first asks for them (corpus.RefusalCorpus)."""
    if request.param in refusal_looks:
        return refusal_looks[request.param]
    looks = tuple(refusal_looks.values())
    return RefusalCorpus(harness, Stage.WHOLE, staged_plan.probes[Stage.WHOLE], looks)
