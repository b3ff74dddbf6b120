"""Fixtures of the conformance suite and the hooks that make each result speak in
clauses. Options and profiles are declared in the plugin, conformance/plugin.py."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Generator, Iterator
from dataclasses import asdict
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import pytest
from hypothesis import settings

from conformance.cassette import (
    SHAPING_OPTIONS,
    Cassette,
    RecordedRun,
    import_project_modules,
)
from conformance.closing import ExitStatus, closing_lines, exit_status
from conformance.corpus import (
    RefusalCorpus,
    Stage,
    StagedPlan,
    ValidCorpus,
    observe_callbacks,
    send_refusals,
    send_rows,
    send_valid,
    stage_plan,
)
from conformance.harness import Harness
from conformance.params import Judged
from conformance.receiver import CallbackReceiver
from conformance.registry import ENTRIES, ClauseTest, Rank
from conformance.replay import replay_commands
from conformance.secrets import scrub_log_records
from conformance.session import SuiteSession, session_from_options
from conformance.target import TargetClient
from contract.exchange import redacted_command
from contract.expectations import expected_deviations
from contract.failures import ConfigurationError, ContractViolation, Inconclusive
from contract.terms import CLAUSE
from reports.plugin import RUN_CONTEXT, PhaseFacts, record_phase
from reports.verdicts import RunContext, Violation

SESSION = pytest.StashKey[SuiteSession]()
HARNESS = pytest.StashKey[Harness]()
CLEANUP = pytest.StashKey[list[str]]()
CLEANUP_LEFT = pytest.StashKey[list[str]]()
CASSETTE = pytest.StashKey[Cassette]()
RECEIVER = pytest.StashKey[CallbackReceiver]()
JUDGED = pytest.StashKey[Judged]()
UNDO_SCRUB = pytest.StashKey[Callable[[], None]]()
CLOSING = pytest.StashKey[list[str]]()
# Requests sent when a violation first failed a test (run.json): how soon a run finds.
FIRST_FAILURE = pytest.StashKey[int]()


# Not tryfirst: after the plugin's (which checks the Hypothesis profile), before
# the plugins registered earlier (Hypothesis' reads the seed, pytest-html and JUnit the
# report paths this sets).
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "clause(id): the contract clause a test enforces")
    if config.option.help or config.option.collectonly:
        return
    if getattr(config.option, "numprocesses", None) or hasattr(config, "workerinput"):
        raise pytest.UsageError(
            "-n (pytest-xdist) is not supported by the conformance suite yet: its request "
            "budget, counts and clean-up are per process; run it without -n"
        )
    replay = config.getoption("record_cassette") or config.getoption("replay_cassette")
    profile = config.getoption("hypothesis_profile", None)
    chosen = settings.get_profile(profile) if profile else settings.default
    if not chosen.derandomize and not replay and config.getoption("hypothesis_seed") is None:
        # A random run is replayable all the same: the suite picks the seed and reports it.
        config.option.hypothesis_seed = str(random.SystemRandom().getrandbits(32))
    dry_run = config.getoption("dry_run")
    try:
        config.stash[SESSION] = session_from_options(config.getoption, connect=not dry_run)
    except ConfigurationError as exc:
        raise pytest.UsageError(str(exc)) from None
    session = config.stash[SESSION]
    if dry_run:
        from conformance.plan import describe

        calls_given = bool(session.target.calls.given)
        other_token_known = session.target.other_account is not None
        for line in describe(session.settings, calls_given, other_token_known):
            print(line)
        pytest.exit("dry run: no request was sent", returncode=0)
    config.stash[UNDO_SCRUB] = scrub_log_records(session.scrubber)
    config.stash[JUDGED] = Judged()
    cassette_dir = session.replayed and config.getoption("replay_cassette")
    cassette_dir = cassette_dir or config.getoption("record_cassette")
    if cassette_dir:
        cassette = Cassette(
            Path(cassette_dir),
            session.target.base_url,
            bool(session.replayed),
            session.scrubber,
            session.settings.max_response_bytes,
        )
        config.stash[CASSETTE] = cassette.open()
    Path(config.getoption("report_dir")).mkdir(parents=True, exist_ok=True)
    config.stash[RUN_CONTEXT] = lambda: _run_context(config)  # for the clause report


def _harness(config: pytest.Config) -> Harness:
    """The suite's client and harness, built on first use (a dry run builds none)."""
    if HARNESS not in config.stash:
        suite = config.stash[SESSION]
        client = TargetClient(
            suite.target,
            budget=suite.budget,
            retry=suite.settings.retry,
            max_body=suite.settings.max_response_bytes,
        )
        config.stash[HARNESS] = Harness(client, suite.settings.call_wait)
    return config.stash[HARNESS]


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> None:
    """Before any clause is judged, one authenticated request proves the base URL and
    the credentials: the suite's call create, or the fetch of a given call. The user's
    mistakes stop the run here, as configuration errors, with nothing judged."""
    config = session.config
    if SESSION not in config.stash or not session.items or config.option.collectonly:
        return
    try:
        _harness(config).call_sid()
    except ConfigurationError as exc:
        _clean_up(config)
        raise pytest.UsageError(str(exc)) from None


def _clean_up(config: pytest.Config) -> None:
    harness = config.stash.get(HARNESS, None)
    if harness is None or CLEANUP in config.stash:
        return
    report = harness.cleanup()
    config.stash[CLEANUP] = [*report.lines(), harness.client.budget.describe()]
    config.stash[CLEANUP_LEFT] = list(report.left)
    harness.client.close()


def _run_context(config: pytest.Config) -> RunContext:
    session = config.stash[SESSION]
    args = list(config.invocation_params.args)
    seed = config.getoption("hypothesis_seed", None)
    if seed is not None and "--hypothesis-seed" not in " ".join(args):
        args += ["--hypothesis-seed", str(seed)]  # the seed the suite chose: replayable
    token = session.target.credentials.api_token
    return RunContext(
        implementation=session.implementation,
        target=session.target.base_url,
        suite_version=version("recording-conformance"),
        profile=settings.get_current_profile_name(),
        hypothesis_seed=None if seed is None else str(seed),
        derandomized=settings.default.derandomize,
        date=datetime.now(UTC).isoformat(timespec="seconds"),
        requests=session.budget.spent,
        command=f"pytest {redacted_command(args, token)}",
        options=redacted_command([a for a in args if a not in config.args], token),
        expectations=session.expectations,
        replay=replay_commands(session.emulator),
    )


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_sessionfinish(session: pytest.Session) -> Generator[None, None, None]:
    """Clean up first (the reports count its requests and list what it left), then, after
    every other plugin, write the reports and set the exit status from the result."""
    config = session.config
    _clean_up(config)
    try:
        return (yield)
    finally:
        _finish(session)


def _finish(session: pytest.Session) -> None:
    config = session.config
    suite = config.stash.get(SESSION, None)
    if suite is None:
        return
    report_dir = Path(config.getoption("report_dir"))
    summary = {
        "target": suite.target.base_url,
        "requests": suite.budget.spent,
        "cleanup": config.stash.get(CLEANUP, []),
        "requests_before_first_failure": config.stash.get(FIRST_FAILURE, None),
    }
    (report_dir / "run.json").write_text(json.dumps(summary, indent=2) + "\n")
    if session.exitstatus == ExitStatus.CONFIGURATION_ERROR:
        return  # nothing was judged: the one line of the error says it all
    clause_report = config.pluginmanager.get_plugin("clause-report")
    if clause_report is None:
        return
    written = clause_report.write(report_dir)
    report = clause_report.report()
    left = config.stash.get(CLEANUP_LEFT, [])
    status = exit_status(
        report, config.getoption("fail_on"), left, int(session.exitstatus), clause_report.broke
    )
    session.exitstatus = status
    others = [getattr(config.option, "htmlpath", None), config.option.xmlpath]
    config.stash[CLOSING] = closing_lines(
        report, left, status, config.getoption("fail_on"), [*written, *filter(None, others)]
    )


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """A cassette is recorded and replayed derandomized, so both draw the same requests."""
    suite = session.config.stash.get(SESSION, None)
    if session.config.stash.get(CASSETTE, None) is None or suite is None:
        return
    examples = suite.replayed.max_examples if suite.replayed else settings.default.max_examples
    settings.register_profile(
        "cassette", settings.default, derandomize=True, database=None, max_examples=examples
    )
    settings.load_profile("cassette")  # before any test module is imported: @given reads it
    import_project_modules()


def pytest_unconfigure(config: pytest.Config) -> None:
    session = config.stash.get(SESSION, None)
    cassette = config.stash.get(CASSETTE, None)
    if cassette is not None:
        cassette.close()
        if not cassette.replay and session is not None:
            _save_recorded_run(config, session, cassette.directory)
    if session is not None:
        session.close()
    closing = config.stash.get(CLOSING, None)
    if closing:  # the run's last lines: after pytest's own summary
        writer = config.get_terminal_writer()
        writer.sep("=", "conformance", bold=True)
        for line in closing:
            writer.line(line)
    undo = config.stash.get(UNDO_SCRUB, None)
    if undo is not None:
        undo()


def _save_recorded_run(config: pytest.Config, session: SuiteSession, directory: Path) -> None:
    receiver = config.stash.get(RECEIVER, None)
    RecordedRun(
        base_url=session.target.base_url,
        project_id=session.target.account_sid,
        options={name: config.getoption(name) for name in SHAPING_OPTIONS},
        unknown_call_sid=session.settings.unknown_call_sid,
        other_account_sid=session.settings.other_account_sid,
        other_token_known=session.target.other_account is not None,
        max_examples=settings.default.max_examples,
        callback_url=receiver.base_url if receiver else "",
        tokens=receiver.issued if receiver else [],
        deliveries=[asdict(d) for d in receiver.received] if receiver else [],
        probe_requests=session.probe_requests,
    ).save(directory)


STAGED = ("valid_corpus", "refusal_corpus")  # the corpora judged at each Stage


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    for name in STAGED:
        if name in metafunc.fixturenames:
            metafunc.parametrize(name, list(Stage), indirect=True, scope="session", ids=str)


def _corpus_stage(item: pytest.Item) -> Stage | None:
    params = getattr(item, "callspec", None)
    found = [params.params[n] for n in STAGED if params and n in params.params]
    return found[0] if found else None


def _stage(item: pytest.Item) -> tuple[Rank, int]:
    """Where a test spends requests: its registry entry's rank (conformance/registry.py),
    then the entry's place in the registry; the Hypothesis tests that judge every clause
    at once are no entry. A budget, or -x, ends the run having judged the most it could."""
    params = getattr(item, "callspec", None)
    entry = params.params.get("entry") if params else None
    if not isinstance(entry, ClauseTest):
        return Rank.GENERATED, 0
    return entry.rank(_corpus_stage(item)), ENTRIES.index(entry)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=_stage)  # stable: within a stage, collection order
    wanted = set(config.getoption("clause"))
    if not wanted:
        return
    unknown = sorted(wanted - set(CLAUSE))
    if unknown:
        raise pytest.UsageError(f"--clause {', '.join(unknown)}: no such clause in the contract")
    kept = [i for i in items if (m := i.get_closest_marker("clause")) and m.args[0] in wanted]
    config.hook.pytest_deselected(items=[i for i in items if i not in kept])
    items[:] = kept


def pytest_report_header(config: pytest.Config) -> str | None:
    session = config.stash.get(SESSION, None)
    return f"conformance target: {session.description}" if session else None


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    lines = config.stash.get(CLEANUP, None)
    if lines:
        terminalreporter.section("clean-up")
        for line in lines:
            terminalreporter.write_line(line)
    suite = config.stash.get(SESSION, None)
    replay = replay_commands(suite.emulator) if suite else None
    if replay and terminalreporter.stats.get("failed"):
        terminalreporter.section("replay")
        terminalreporter.write_line(
            "The embedded emulator ended with the run; the curl lines above reach it again "
            "once the same one is started (conformance/replay.py says why the token differs):"
        )
        for line in replay.splitlines():
            terminalreporter.write_line(f"  {line}")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # Properties go on the item: JUnit XML reads them from the teardown report. A first
    # look speaks for no clause: its violations count, its passes wait for the whole.
    marker = item.get_closest_marker("clause")
    marker = None if _corpus_stage(item) is Stage.FIRST_LOOK else marker
    judged = item.config.stash.get(JUDGED, None)
    if call.when == "setup":
        if marker:
            item.user_properties.append(("clause", marker.args[0]))
        if judged is not None:
            judged.count = 0
    error = call.excinfo.value if call.excinfo else None
    violations = _violations(error)
    if call.when == "call" and judged is not None:
        item.user_properties.append(("judged", judged.count + len(violations)))
    for violation in violations:
        item.user_properties += [
            ("violated", violation.clause.id),
            ("severity", str(violation.severity)),
        ]
    suite = item.config.stash.get(SESSION, None)
    if violations and suite is not None:
        item.user_properties.append(("requests", suite.budget.spent))
    report = yield
    record_phase(item.config, report, PhaseFacts(tuple(Violation.of(v) for v in violations)))
    if violations:
        report.longrepr = "\n\n".join(_rendered(v) for v in violations)
        expected = _expected_deviations(item.config, violations)
        if expected:  # shown as such, never skipped silently, and the run judged both ways
            report.outcome, report.wasxfail = "skipped", f"expected deviation: {expected}"
        elif suite is not None and FIRST_FAILURE not in item.config.stash:
            item.config.stash[FIRST_FAILURE] = suite.budget.spent
    elif error is not None and all(isinstance(e, Inconclusive) for e in _leaves(error)):
        _inconclusive(report, item, "; ".join(dict.fromkeys(str(e) for e in _leaves(error))))
    elif (
        report.passed and call.when == "call" and marker and judged is not None and not judged.count
    ):
        # A clause passes only on evidence: a test that judged nothing proves nothing.
        _inconclusive(report, item, "the test judged no exchange")
    return report


def _inconclusive(report: pytest.TestReport, item: pytest.Item, why: str) -> None:
    report.outcome = "skipped"
    record_phase(item.config, report, PhaseFacts(inconclusive=why))
    report.longrepr = (str(item.path), item.location[1] or 0, f"inconclusive: {why}")


def _expected_deviations(config: pytest.Config, violations: list[ContractViolation]) -> str:
    """The declared deviations these violations are, if every one of them is declared."""
    session = config.stash.get(SESSION, None)
    declared = session.expectations if session else None
    found = expected_deviations(declared, [v.clause.id for v in violations])
    return "; ".join(f"{d.clause} ({d.reason})" for d in found)


def _leaves(error: BaseException) -> list[BaseException]:
    """The exceptions an error stands for. Hypothesis groups distinct failures, and wraps
    one it could not reproduce (a request lost to the network, say) in a FlakyFailure."""
    if isinstance(error, BaseExceptionGroup):
        return [leaf for e in error.exceptions for leaf in _leaves(e)]
    return [error]


def _violations(error: BaseException | None) -> list[ContractViolation]:
    if error is None:
        return []
    return [e for e in _leaves(error) if isinstance(e, ContractViolation)]


def _rendered(violation: ContractViolation) -> str:
    notes = "\n".join(getattr(violation, "__notes__", []))
    return violation.render() + (f"\n{notes}" if notes else "")


# --- fixtures ---------------------------------------------------------------


@pytest.fixture(scope="session")
def suite(pytestconfig: pytest.Config) -> SuiteSession:
    return pytestconfig.stash[SESSION]


@pytest.fixture(scope="session")
def harness(pytestconfig: pytest.Config) -> Harness:
    return _harness(pytestconfig)


@pytest.fixture(scope="session")
def judged(pytestconfig: pytest.Config) -> Judged:
    """What the running test judged (reset before each test, read after it)."""
    return pytestconfig.stash[JUDGED]


@pytest.fixture(scope="session")
def receiver(suite: SuiteSession, pytestconfig: pytest.Config) -> Iterator[CallbackReceiver]:
    s = suite.settings
    if suite.replayed:
        r = suite.replayed.receiver()  # what arrived is in the cassette: nothing listens
    else:
        r = CallbackReceiver(s.callback_url).start(s.callback_host, s.callback_port)
    pytestconfig.stash[RECEIVER] = r
    yield r
    r.stop()


@pytest.fixture(scope="session")
def staged_plan(suite: SuiteSession) -> StagedPlan:
    s = suite.settings
    other_token_known = suite.target.other_account is not None
    return stage_plan(
        s.coverage_strength, s.unknown_call_sid, s.other_account_sid, other_token_known
    )


@pytest.fixture(scope="session")
def first_look_valid(
    harness: Harness, receiver: CallbackReceiver, suite: SuiteSession, staged_plan: StagedPlan
) -> ValidCorpus:
    s = suite.settings
    rows = send_rows(harness, receiver, staged_plan.first_rows)
    # Callbacks are awaited when a test first needs them, after the first look's probes
    # (see _stage): those go out while the callbacks come in and the grace runs.
    return ValidCorpus(
        rows.entries,
        rows.unanswered,
        pending=lambda: observe_callbacks(
            harness, receiver, rows, s.callback_timeout, s.callback_grace
        ),
    )


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
def first_look_refusals(harness: Harness, staged_plan: StagedPlan) -> RefusalCorpus:
    return send_refusals(harness, staged_plan.first_probes)


@pytest.fixture(scope="session")
def refusal_corpus(
    request: pytest.FixtureRequest,
    first_look_refusals: RefusalCorpus,
    harness: Harness,
    staged_plan: StagedPlan,
) -> RefusalCorpus:
    if request.param is Stage.FIRST_LOOK:
        return first_look_refusals
    return first_look_refusals + send_refusals(harness, staged_plan.rest_probes)
