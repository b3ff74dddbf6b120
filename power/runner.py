"""Run the conformance suite as a user does (`pytest conformance ...`, in a
subprocess), or by `pytest.main` in this process where the process boundary is not what
is tested, and read back what it found from the reports it wrote: conformance.json,
through the report's typed loader, and run.json for the requests sent."""

from __future__ import annotations

import contextlib
import faulthandler
import io
import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import settings

from conformance.run.exit_status import ExitStatus
from reports.report import Outcome, Report, Verdict
from reports.schema import load_report

ROOT = Path(__file__).resolve().parents[1]
SUITE_TESTS = "conformance.test_"  # the names of the suite's test modules


@dataclass(frozen=True)
class Failure:
    test: str
    clauses: frozenset[str]  # those its evidence names; none when the test broke


@dataclass(frozen=True)
class SuiteRun:
    returncode: int
    output: str
    report: Report | None  # conformance.json; None when the run judged nothing
    requests: int | None  # all the run sent
    requests_before_first_failure: int | None  # when a violation first failed a test
    seconds: float

    @property
    def failures(self) -> tuple[Failure, ...]:
        return failures_of(self.report, self.returncode) if self.report else ()

    @property
    def violated(self) -> set[str]:
        return {c for f in self.failures for c in f.clauses}

    @property
    def passed(self) -> int:
        """Tests of a clause that passed."""
        clauses = self.report.clauses if self.report else ()
        return len({t.test for c in clauses for t in c.tests if t.outcome is Outcome.PASSED})


SUITE_BROKE = "(the suite broke in a test of no clause)"


def failures_of(report: Report, returncode: int) -> tuple[Failure, ...]:
    """The tests that failed, as the report tells: each one the evidence of a failed
    clause names (an expected deviation alone fails none), with every clause its
    evidence names, and each test of a clause that broke. A run the suite broke in
    (exit status 3) with no such test broke in a test of no clause, which the report
    does not list: that is a failure too, of no clause."""
    named: dict[str, set[str]] = {}
    for clause in report.clauses:
        for evidence in clause.evidence:
            named.setdefault(evidence.test, set()).add(clause.id)
    failing = [e.test for c in report.clauses if c.verdict is Verdict.FAIL for e in c.evidence]
    broke = [t.test for c in report.clauses for t in c.tests if t.outcome is Outcome.ERROR]
    failures = [
        Failure(test, frozenset(named.get(test, ()))) for test in dict.fromkeys(failing + broke)
    ]
    if returncode == ExitStatus.SUITE_BROKE and not broke:
        failures.append(Failure(SUITE_BROKE, frozenset()))
    return tuple(failures)


def _pytest_args(args: tuple[str, ...], report_dir: Path) -> list[str]:
    return ["conformance", "-p", "no:cacheprovider", "-q", "--report-dir", str(report_dir), *args]


def _command(args: tuple[str, ...], report_dir: Path) -> list[str]:
    return [sys.executable, "-m", "pytest", *_pytest_args(args, report_dir)]


def environment(env: dict[str, str] | None) -> dict[str, str]:
    """This process's environment with `env` over it, as a suite run gets it."""
    merged = {**os.environ, **(env or {})}
    # pytest rewrites the asserts of every module of a plugin's distribution (all of
    # Hypothesis and schemathesis); without a bytecode cache that is ~3 s per run.
    merged.pop("PYTHONDONTWRITEBYTECODE", None)
    return merged


def start_suite(
    *args: str, report_dir: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """The suite started as `run_suite` runs it, for a caller that interrupts it or
    measures it; its output (stdout and stderr) is the caller's to read."""
    return subprocess.Popen(
        _command(args, report_dir),
        cwd=ROOT,
        env=environment(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def run_suite(
    *args: str, report_dir: Path, env: dict[str, str] | None = None, timeout: float = 900
) -> SuiteRun:
    started = time.monotonic()
    done = subprocess.run(
        _command(args, report_dir),
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=environment(env),
        timeout=timeout,
        check=False,
    )
    return _read_back(report_dir, done.returncode, done.stdout + done.stderr, started)


def run_suite_in_process(
    *args: str, report_dir: Path, env: dict[str, str] | None = None, timeout: float = 900
) -> SuiteRun:
    """The suite run by `pytest.main` in this process, for a caller that runs it many
    times (the kill matrix, the project's own tests): imports are paid once. With `env`,
    the run sees this process's environment with `env` over it, as `run_suite`'s does,
    and the environment is put back after it."""
    started = time.monotonic()
    environ = None if env is None else environment(env)
    done = pytest_in_process(_pytest_args(args, report_dir), environ, timeout=timeout)
    return _read_back(report_dir, done.returncode, done.stdout + done.stderr, started)


def pytest_in_process(
    args: list[str],
    env: dict[str, str] | None = None,
    cwd: Path = ROOT,
    timeout: float = 900,
) -> subprocess.CompletedProcess[str]:
    """`python -m pytest ARGS` run by `pytest.main` in this process, in `cwd`, with
    exactly the environment `env` (this process's, when None), without pytest-xdist: its
    exit status and what it printed on stdout and stderr, as `subprocess.run` gives them.
    What the run changes of the process's state is put back: the environment, the working
    directory, and Hypothesis' profile, which the suite loads globally. Its wait is
    bounded as a subprocess' is: a run still going after `timeout` seconds ends this
    process, with every thread's stack on stderr, instead of hanging it."""
    profile = settings.get_current_profile_name()
    saved = dict(os.environ)
    out, err = io.StringIO(), io.StringIO()
    watchdog = threading.Timer(timeout, _abort, (args, timeout))
    watchdog.daemon = True
    watchdog.start()
    try:
        if env is not None:
            os.environ.clear()
            os.environ.update(env)
        with (
            contextlib.chdir(cwd),
            contextlib.redirect_stdout(out),
            contextlib.redirect_stderr(err),
        ):
            code = pytest.main([*args, "-p", "no:xdist"], plugins=[_SUITE_TESTS])
    finally:
        watchdog.cancel()
        if env is not None:
            os.environ.clear()
            os.environ.update(saved)
        settings.load_profile(profile)
    return subprocess.CompletedProcess(args, int(code), out.getvalue(), err.getvalue())


class _ProfileOfTheTests:
    """A plugin of every run in this process: Hypothesis takes a test's settings from
    the profile loaded when its module is imported, so the suite's test modules, which
    an earlier run imported, are imported again by a run of another profile, as in a
    process of its own."""

    def __init__(self) -> None:
        self.imported_under: settings | None = None

    @pytest.hookimpl(tryfirst=True)
    def pytest_collection(self) -> None:
        # After the suite loaded the run's profile (at configure, or a cassette's at
        # session start), before the test modules are imported.
        if settings.default is self.imported_under:
            return
        for name in [n for n in sys.modules if n.startswith(SUITE_TESTS)]:
            del sys.modules[name]
        self.imported_under = settings.default


_SUITE_TESTS = _ProfileOfTheTests()


def _abort(args: list[str], timeout: float) -> None:
    stream = sys.__stderr__ or sys.stderr
    print(f"pytest {' '.join(args)}: still running after {timeout}s", file=stream, flush=True)
    faulthandler.dump_traceback(file=stream, all_threads=True)
    os._exit(70)


def _read_back(report_dir: Path, returncode: int, output: str, started: float) -> SuiteRun:
    seconds = time.monotonic() - started
    path = report_dir / "conformance.json"
    report = load_report(path) if path.exists() else None
    summary_path = report_dir / "run.json"
    summary = json.loads(summary_path.read_text()) if summary_path.exists() else {}
    return SuiteRun(
        returncode,
        output,
        report,
        summary.get("requests"),
        summary.get("requests_before_first_failure"),
        seconds,
    )
