"""Fixtures of the conformance suite and the hooks that make each result speak in
clauses. Options are declared in the root conftest.py."""

from __future__ import annotations

import json
from collections.abc import Generator, Iterator
from dataclasses import asdict
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import pytest
from hypothesis import settings

from conformance.budget import Budget
from conformance.cassette import (
    SHAPING_OPTIONS,
    Cassette,
    RecordedRun,
    import_project_modules,
)
from conformance.corpus import (
    RefusalCorpus,
    ValidCorpus,
    plan_forms,
    refusal_plan,
    send_refusals,
    send_valid,
)
from conformance.exchange import redacted_command
from conformance.failures import ConfigurationError, ContractViolation, Inconclusive
from conformance.harness import Harness
from conformance.receiver import CallbackReceiver
from conformance.session import SuiteSession, session_from_options
from conformance.target import TargetClient
from reports.verdicts import RunContext

SESSION = pytest.StashKey[SuiteSession]()
CLIENT = pytest.StashKey[TargetClient]()
CLEANUP_LINES = pytest.StashKey[list[str]]()
CASSETTE = pytest.StashKey[Cassette]()
RECEIVER = pytest.StashKey[CallbackReceiver]()


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "clause(id): the contract clause a test enforces")
    if config.option.help or config.option.collectonly:
        return
    dry_run = config.getoption("dry_run")
    try:
        config.stash[SESSION] = session_from_options(config.getoption, connect=not dry_run)
    except ConfigurationError as exc:
        raise pytest.UsageError(str(exc)) from None
    if dry_run:
        from conformance.plan import describe

        session = config.stash[SESSION]
        for line in describe(session.settings, bool(session.target.calls.given)):
            print(line)
        pytest.exit("dry run: no request was sent", returncode=0)
    session = config.stash[SESSION]
    cassette_dir = session.replayed and config.getoption("replay_cassette")
    cassette_dir = cassette_dir or config.getoption("record_cassette")
    if cassette_dir:
        cassette = Cassette(Path(cassette_dir), session.target.base_url, bool(session.replayed))
        config.stash[CASSETTE] = cassette.open()
    report_dir = Path(config.getoption("report_dir"))
    report_dir.mkdir(parents=True, exist_ok=True)
    if not getattr(config.option, "htmlpath", None):
        config.option.htmlpath = str(report_dir / "conformance.html")
        config.option.self_contained_html = True
    if not config.option.xmlpath:
        config.option.xmlpath = str(report_dir / "junit.xml")
    from reports.plugin import ClauseReport

    config.pluginmanager.register(ClauseReport(lambda: _run_context(config)), "clause-report")


def _run_context(config: pytest.Config) -> RunContext:
    session = config.stash[SESSION]
    client = config.stash.get(CLIENT, None)
    args = list(config.invocation_params.args)
    token = session.target.credentials.api_token
    return RunContext(
        implementation=session.implementation.to_dict(),
        target=session.target.base_url,
        suite_version=version("recording-conformance"),
        profile=settings.get_current_profile_name(),
        date=datetime.now(UTC).isoformat(timespec="seconds"),
        requests=client.requests_sent if client else 0,
        command=f"pytest {redacted_command(args, token)}",
        options=redacted_command([a for a in args if a not in config.args], token),
        expectations=session.expectations,
    )


@pytest.hookimpl(trylast=True)  # after the session fixtures' teardown (the clean-up)
def pytest_sessionfinish(session: pytest.Session) -> None:
    client = session.config.stash.get(CLIENT, None)
    suite = session.config.stash.get(SESSION, None)
    if suite is None:
        return
    summary = {
        "target": suite.target.base_url,
        "requests": client.requests_sent if client else 0,
        "cleanup": session.config.stash.get(CLEANUP_LINES, []),
    }
    report_dir = Path(session.config.getoption("report_dir"))
    (report_dir / "run.json").write_text(json.dumps(summary, indent=2) + "\n")
    clause_report = session.config.pluginmanager.get_plugin("clause-report")
    if clause_report is not None:
        clause_report.write(report_dir)


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


def _save_recorded_run(config: pytest.Config, session: SuiteSession, directory: Path) -> None:
    receiver = config.stash.get(RECEIVER, None)
    RecordedRun(
        base_url=session.target.base_url,
        project_id=session.target.account_sid,
        options={name: config.getoption(name) for name in SHAPING_OPTIONS},
        unknown_call_sid=session.settings.unknown_call_sid,
        other_account_sid=session.settings.other_account_sid,
        max_examples=settings.default.max_examples,
        callback_url=receiver.base_url if receiver else "",
        tokens=receiver.issued if receiver else [],
        deliveries=[asdict(d) for d in receiver.received] if receiver else [],
    ).save(directory)


def _stage(item: pytest.Item) -> int:
    """Where a test spends requests in a budgeted run: the covering plan first, then
    one probe per invalid class and identity case, then Hypothesis, then schemathesis."""
    if item.path.name == "test_generic.py":
        return 3
    if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
        return 2
    return 0 if "valid_corpus" in getattr(item, "fixturenames", ()) else 1


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=_stage)  # stable: within a stage, collection order


def pytest_report_header(config: pytest.Config) -> str | None:
    session = config.stash.get(SESSION, None)
    return f"conformance target: {session.description}" if session else None


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    lines = config.stash.get(CLEANUP_LINES, None)
    if lines:
        terminalreporter.section("clean-up")
        for line in lines:
            terminalreporter.write_line(line)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    # Properties go on the item: JUnit XML reads them from the teardown report.
    marker = item.get_closest_marker("clause")
    if call.when == "setup" and marker:
        item.user_properties.append(("clause", marker.args[0]))
    error = call.excinfo.value if call.excinfo else None
    violations = _violations(error)
    for violation in violations:
        item.user_properties += [
            ("violated", violation.clause.id),
            ("severity", str(violation.severity)),
        ]
    client = item.config.stash.get(CLIENT, None)
    if violations and client is not None:
        item.user_properties.append(("requests", client.requests_sent))
    report = yield
    report.violations = [v.to_dict() for v in violations]
    if violations:
        report.longrepr = "\n\n".join(_rendered(v) for v in violations)
        expected = _expected_deviations(item.config, violations)
        if expected:  # shown as such, never skipped silently, and the run judged both ways
            report.outcome, report.wasxfail = "skipped", f"expected deviation: {expected}"
    elif error is not None and all(isinstance(e, Inconclusive) for e in _leaves(error)):
        report.outcome = "skipped"
        report.inconclusive = "; ".join(dict.fromkeys(str(e) for e in _leaves(error)))
        report.longrepr = (
            str(item.path),
            item.location[1] or 0,
            f"inconclusive: {report.inconclusive}",
        )
    return report


def _expected_deviations(config: pytest.Config, violations: list[ContractViolation]) -> str:
    """The declared deviations these violations are, if every one of them is declared."""
    session = config.stash.get(SESSION, None)
    declared = session.expectations if session else None
    found = [declared.declared(v.clause.id) for v in violations] if declared else [None]
    if not all(found):
        return ""
    return "; ".join(dict.fromkeys(f"{d.clause} ({d.reason})" for d in found if d))


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
def client(suite: SuiteSession, pytestconfig: pytest.Config) -> Iterator[TargetClient]:
    budget = Budget(suite.settings.max_requests)
    with TargetClient(suite.target, budget=budget, retry=suite.settings.retry) as c:
        pytestconfig.stash[CLIENT] = c
        yield c


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
def harness(client: TargetClient, pytestconfig: pytest.Config) -> Iterator[Harness]:
    h = Harness(client)
    try:
        yield h
    finally:
        report = h.cleanup()
        pytestconfig.stash[CLEANUP_LINES] = [*report.lines(), client.budget.describe()]


@pytest.fixture(scope="session")
def valid_corpus(harness: Harness, receiver: CallbackReceiver, suite: SuiteSession) -> ValidCorpus:
    s = suite.settings
    return send_valid(
        harness, receiver, plan_forms(s.coverage_strength), s.callback_timeout, s.callback_grace
    )


@pytest.fixture(scope="session")
def refusal_corpus(harness: Harness, suite: SuiteSession) -> RefusalCorpus:
    s = suite.settings
    return send_refusals(harness, refusal_plan(s.unknown_call_sid, s.other_account_sid))
