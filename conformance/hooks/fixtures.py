"""The suite's fixtures: the session, the harness, the receiver and the corpora."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from conformance.clauses.registry import probe_order
from conformance.clauses.schedule import LOOKS, Stage
from conformance.client.receiver import CallbackReceiver
from conformance.corpus.plan import StagedPlan, stage_plan
from conformance.corpus.refusals import RefusalCorpus
from conformance.corpus.valid import ValidCorpus, send_valid
from conformance.hooks.judging import Judged
from conformance.hooks.keys import JUDGED, LEDGER, SESSION, harness_of, receiver_of
from conformance.run.calls import Harness
from conformance.run.listing import CallLedger
from conformance.run.options import SuiteSession


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
    r = receiver_of(pytestconfig)  # started before any test (conformance/hooks/lifecycle.py)
    yield r
    r.stop()


@pytest.fixture(scope="session")
def staged_plan(suite: SuiteSession) -> StagedPlan:
    return plan_of(suite)


def plan_of(suite: SuiteSession) -> StagedPlan:
    """What the run's corpora send (read by the fixtures, and by the collection, which
    drops a look's test of a clause the look plans no probe of)."""
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


def _company_url(receiver: CallbackReceiver) -> Callable[[], str]:
    """A receiver URL for each probe sent in company (corpus.COMPANY_LOOK)."""
    return lambda: receiver.new_url()[1]


@pytest.fixture(scope="session")
def refusal_looks(
    harness: Harness, receiver: CallbackReceiver, staged_plan: StagedPlan
) -> dict[Stage, RefusalCorpus]:
    url = _company_url(receiver)
    return {
        look: RefusalCorpus(harness, look, staged_plan.probes[look], callback_url=url)
        for look in LOOKS
    }


@pytest.fixture(scope="session")
def refusal_corpus(
    request: pytest.FixtureRequest,
    refusal_looks: dict[Stage, RefusalCorpus],
    harness: Harness,
    receiver: CallbackReceiver,
    staged_plan: StagedPlan,
) -> RefusalCorpus:
    """A look's probes, or the whole corpus (the looks' and the rest): each clause's sent
    when its test first asks for them (corpus.RefusalCorpus)."""
    if request.param in refusal_looks:
        return refusal_looks[request.param]
    looks = tuple(refusal_looks.values())
    whole = staged_plan.probes[Stage.WHOLE]
    return RefusalCorpus(harness, Stage.WHOLE, whole, looks, _company_url(receiver))
