"""Run the conformance suite as a user does (`pytest conformance ...`, in a
subprocess) and read back what it found from the reports it wrote: conformance.json,
through the report's typed loader, and run.json for the requests sent."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from conformance.run.exit_status import ExitStatus
from reports.report import Outcome, Report, Verdict
from reports.schema import load_report

ROOT = Path(__file__).resolve().parents[1]


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


def run_suite_in_process(*args: str, report_dir: Path) -> SuiteRun:
    """The suite run by `pytest.main` in this process, for a caller that runs it many
    times (the kill matrix): imports are paid once. Options only, no environment: the
    process is shared. Hypothesis' profile, which the suite loads globally, is put back."""
    import pytest
    from hypothesis import settings

    profile = settings.get_current_profile_name()
    output = io.StringIO()
    started = time.monotonic()
    try:
        with contextlib.chdir(ROOT), contextlib.redirect_stdout(output):
            code = pytest.main([*_pytest_args(args, report_dir), "-p", "no:xdist"])
    finally:
        settings.load_profile(profile)
    return _read_back(report_dir, int(code), output.getvalue(), started)


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
