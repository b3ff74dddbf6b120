"""A run's life: the session built from the options, the request that proves them before
anything is judged, the clean-up, the reports and the run's last lines."""

from __future__ import annotations

import atexit
import gc
import json
import random
from collections.abc import Generator, Mapping
from dataclasses import asdict
from datetime import UTC, datetime
from importlib.metadata import version
from pathlib import Path

import pytest
from hypothesis import settings

from conformance.client.cassette import (
    SHAPING_OPTIONS,
    Cassette,
    RecordedRun,
    credential_labels,
    import_project_modules,
)
from conformance.client.secrets import scrub_log_records
from conformance.hooks.differential import finish_differential
from conformance.hooks.judging import Judged
from conformance.hooks.keys import (
    CASSETTE,
    CLEANUP,
    CLEANUP_LEFT,
    CLOSING,
    FIRST_FAILURE,
    HARNESS,
    JUDGED,
    LEDGER,
    RECEIVER,
    SESSION,
    UNDO_SCRUB,
    harness_of,
    receiver_of,
)
from conformance.run.exit_status import ExitStatus, closing_lines, exit_status
from conformance.run.listing import CallLedger
from conformance.run.options import SuiteSession, session_from_options
from conformance.run.replay import interpreter, replay_commands
from contract.exchange import redacted_command
from contract.failures import ConfigurationError
from contract.terms import REFUSED_CREATES_NOTHING
from reports.plugin import CLAUSE_REPORT, RUN_CONTEXT
from reports.stopped import CONTRACT, DIFFERENTIAL, write_configuration_error
from reports.verdicts import RunContext

# The configuration error that stopped the run before any clause was judged.
STOPPED_BY = pytest.StashKey[str]()


# Not tryfirst: after the plugin's (which checks the Hypothesis profile), before
# the plugins registered earlier (Hypothesis' reads the seed, pytest-html and JUnit the
# report paths this sets).
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "clause(id): the contract clause a test enforces")
    config.addinivalue_line("markers", "need(need): what the test's clause tests judge")
    # Any run of the suite, --collect-only too: the interpreter's last pass is ~0.4 s.
    atexit.unregister(gc.freeze)  # once per process, however many runs it makes
    atexit.register(gc.freeze)
    if config.option.help or config.option.collectonly:
        return
    if getattr(config.option, "numprocesses", None) or hasattr(config, "workerinput"):
        raise pytest.UsageError(
            "-n (pytest-xdist) is not supported by the conformance suite yet: its request "
            "budget, counts and clean-up are per process; run it without -n"
        )
    _spare_the_collector(config)
    replay = config.getoption("record_cassette") or config.getoption("replay_cassette")
    profile = config.getoption("hypothesis_profile", None)
    chosen = settings.get_profile(profile) if profile else settings()  # the default's values
    if not chosen.derandomize and not replay and config.getoption("hypothesis_seed") is None:
        # A random run is replayable all the same: the suite picks the seed and reports it.
        config.option.hypothesis_seed = str(random.SystemRandom().getrandbits(32))
    dry_run = config.getoption("dry_run")
    try:
        config.stash[SESSION] = session_from_options(config.getoption, connect=not dry_run)
    except ConfigurationError as exc:
        _report_configuration_error(config, str(exc), config.getoption("base_url") or "")
        raise pytest.UsageError(str(exc)) from None
    session = config.stash[SESSION]
    if dry_run:
        from conformance.corpus.dry_run import describe

        calls = session.target.calls
        other_token_known = session.target.other_account is not None
        for line in describe(session.settings, bool(calls.given), other_token_known, calls.vouched):
            print(line)
        print(session.signatures)
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
            credential_labels(*_credentials(session)),
        )
        config.stash[CASSETTE] = cassette.open()
    config.stash[RUN_CONTEXT] = lambda: _run_context(config)  # for the clause report


def _credentials(session: SuiteSession) -> tuple[str, str, str | None]:
    target = session.target
    other = target.other_account.api_token if target.other_account else None
    return target.account_sid, target.credentials.api_token, other


def _spare_the_collector(config: pytest.Config) -> None:
    """The garbage collector's full passes each walk every object the imports made
    (Hypothesis, schemathesis, the emulator: ~130,000), ~0.1 s apiece: one or two in
    the run, two more by pytest at its end (its check for unraisable exceptions), and
    one as the interpreter exits. What is alive once the tests are collected lives
    until the end: frozen then (gc.freeze), it is no longer walked. Thawed at clean-up,
    so that runs in one process (the kill matrix) do not pile up: with the conftest
    loaded before pytest configures (`pytest conformance`), this cleanup is registered
    before that of pytest's unraisableexception plugin, so it runs after its last pass
    (loaded later, with --pyargs, it runs before: that pass walks everything, as
    before). Frozen again as the process exits (pytest_configure), where nothing is
    left to report to."""
    config.add_cleanup(gc.unfreeze)


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session: pytest.Session) -> None:
    """Before any clause is judged, one authenticated request proves the base URL and
    the credentials: the suite's call create, or the fetch of a given call. The user's
    mistakes stop the run here, as configuration errors, with nothing judged."""
    config = session.config
    if SESSION not in config.stash or not session.items or config.option.collectonly:
        return
    # Garbage of the start-up collected first (its finalizers run, and report, as
    # before); all that is left is the run's long-lived objects (_spare_the_collector).
    gc.collect()
    gc.freeze()
    harness = harness_of(config)
    try:
        harness.call_sid()
        receiver_of(config)  # listening from the first test to the last
    except ConfigurationError as exc:
        _clean_up(config)
        config.stash[STOPPED_BY] = str(exc)  # what the reports say (_finish)
        raise pytest.UsageError(str(exc)) from None
    if harness.unproven:  # the user vouched for what the target could not show: one line
        config.get_terminal_writer().line(harness.unproven, yellow=True)
    if any(_reads_the_ledger(item) for item in session.items):
        config.stash[LEDGER] = CallLedger(harness)  # before the first create


def _reads_the_ledger(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("clause")
    return marker is not None and marker.args[0] == REFUSED_CREATES_NOTHING.id


def _report_configuration_error(
    config: pytest.Config, message: str, target: str, summary: Mapping[str, object] | None = None
) -> None:
    """The report folder of a run a configuration error stopped says that error, and
    holds no report of an earlier run of its mode (reports/stopped.py)."""
    write_configuration_error(
        Path(config.getoption("report_dir")),
        message,
        target=target or "the embedded emulator",
        html_path=getattr(config.option, "htmlpath", None),
        xml_path=config.option.xmlpath,
        summary=summary,
        mode=DIFFERENTIAL if config.getoption("differential") else CONTRACT,
    )


def _clean_up(config: pytest.Config) -> None:
    harness = config.stash.get(HARNESS, None)
    if harness is None or CLEANUP in config.stash:
        return
    receiver = config.stash.get(RECEIVER, None)
    if receiver is not None:
        receiver.stop()  # the run is over: nothing more is judged
    report = harness.cleanup()
    ledger = config.stash.get(LEDGER, None)
    listed = [ledger.describe()] if ledger is not None else []
    lines = [*report.lines(), *listed, harness.client.budget.describe()]
    if config.stash[SESSION].replayed:  # nothing went out: the cassette answered
        spent = harness.client.budget.spent
        lines = [
            f"replayed from the cassette, nothing sent: {report.lines()[0]}",
            f"requests answered by the cassette: {spent}",
            *report.lines()[1:],
            *listed,
        ]
    config.stash[CLEANUP] = lines
    config.stash[CLEANUP_LEFT] = list(report.left)
    harness.client.close()


def _run_context(config: pytest.Config) -> RunContext:
    session = config.stash[SESSION]
    args = list(config.invocation_params.args)
    seed = config.getoption("hypothesis_seed", None)
    if seed is not None and "--hypothesis-seed" not in " ".join(args):
        args += ["--hypothesis-seed", str(seed)]  # the seed the suite chose: replayable
    token, key = session.target.credentials.api_token, session.target.credentials.signing_key
    python = interpreter(config.invocation_params.dir)  # a bare pytest needs the venv active
    return RunContext(
        implementation=session.implementation,
        target=session.target.base_url,
        suite_version=version("recording-conformance"),
        profile=settings.get_current_profile_name(),
        hypothesis_seed=None if seed is None else str(seed),
        derandomized=settings().derandomize,  # the default profile's
        date=datetime.now(UTC).isoformat(timespec="seconds"),
        requests=session.budget.spent,
        command=f"{python} -m pytest {redacted_command(args, token, key)}",
        options=redacted_command([a for a in args if a not in config.args], token, key),
        expectations=session.expectations,
        replay=replay_commands(session.emulator),
        pytest=f"{python} -m pytest",
        unjudgeable=session.unjudgeable,
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
    if suite is None or finish_differential(session):  # that mode writes its own reports
        return
    report_dir = Path(config.getoption("report_dir"))
    summary = {
        "target": suite.target.base_url,
        # How the run reached it: "through proxy URL (password masked) from VARIABLE".
        "proxy": str(suite.proxy) if suite.proxy else None,
        "requests": suite.budget.spent,
        "cleanup": config.stash.get(CLEANUP, []),
        "requests_before_first_failure": config.stash.get(FIRST_FAILURE, None),
    }
    harness = config.stash.get(HARNESS, None)
    if harness is not None and harness.unproven:
        summary["unproven"] = harness.unproven
    if session.exitstatus == ExitStatus.CONFIGURATION_ERROR:
        # Nothing was judged: the error's one line is what the reports say, over what
        # pytest-html and JUnit just wrote of a run with no verdict.
        said = config.stash.get(STOPPED_BY, "a configuration error (see the terminal)")
        target = str(summary.pop("target"))
        _report_configuration_error(config, suite.scrubber(said), target, summary)
        return
    run_json = report_dir / "run.json"
    run_json.write_text(json.dumps(summary, indent=2) + "\n")
    clause_report = config.stash.get(CLAUSE_REPORT, None)
    if clause_report is None:
        return
    written = clause_report.write(report_dir)
    report = clause_report.report()
    left = config.stash.get(CLEANUP_LEFT, [])
    fail_on, asked = config.getoption("fail_on"), config.getoption("clause")
    status = exit_status(report, fail_on, left, int(session.exitstatus), clause_report.broke, asked)
    session.exitstatus = status
    others = [getattr(config.option, "htmlpath", None), config.option.xmlpath]
    config.stash[CLOSING] = closing_lines(
        report, left, status, fail_on, [*written, *filter(None, others), str(run_json)], asked
    )


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    """A cassette is recorded and replayed derandomized, so both draw the same requests."""
    suite = session.config.stash.get(SESSION, None)
    if session.config.stash.get(CASSETTE, None) is None or suite is None:
        return
    examples = suite.replayed.max_examples if suite.replayed else settings().max_examples
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
        other_account_call_sid=session.settings.other_account_call_sid,
        other_token_known=session.target.other_account is not None,
        max_examples=settings().max_examples,  # the default profile's
        callback_url=receiver.base_url if receiver else "",
        tokens=receiver.issued if receiver else [],
        deliveries=[asdict(d) for d in receiver.received] if receiver else [],
        probe_requests=session.probe_requests,
        implementation=asdict(session.implementation),
    ).save(directory)


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    session = config.stash.get(SESSION, None)
    if not session:
        return None
    if config.getoption("differential"):  # judges no clause: signatures neither
        return [f"conformance target: {session.description}"]
    return [f"conformance target: {session.description}", session.signatures]


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
            "once the same one is started (conformance/run/replay.py says why the token differs):"
        )
        for line in replay.splitlines():
            terminalreporter.write_line(f"  {line}")
