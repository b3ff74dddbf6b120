"""Run the conformance suite as a user does (`pytest conformance ...`, in a
subprocess) and read back what it found from the reports it wrote."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Failure:
    test: str
    clauses: frozenset[str]  # violated, as the failure said
    requests: int | None  # requests the run had sent when it failed


@dataclass(frozen=True)
class SuiteRun:
    returncode: int
    output: str
    failures: tuple[Failure, ...]
    passed: int
    requests: int | None  # all the run sent
    seconds: float
    failed: dict[str, set[str]] = field(default_factory=dict)

    @property
    def violated(self) -> set[str]:
        return {c for f in self.failures for c in f.clauses}

    @property
    def requests_before_first_failure(self) -> int | None:
        counts = [f.requests for f in self.failures if f.requests is not None]
        return min(counts) if counts else None


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
    failures: list[Failure] = []
    passed = 0
    junit = report_dir / "junit.xml"
    if junit.exists():
        for case in ET.parse(junit).iter("testcase"):
            props = [(p.get("name"), p.get("value")) for p in case.iter("property")]
            if case.find("failure") is not None or case.find("error") is not None:
                count = next((v for k, v in props if k == "requests"), None)
                failures.append(
                    Failure(
                        case.get("name", ""),
                        frozenset(str(v) for k, v in props if k == "violated"),
                        int(count) if count is not None else None,
                    )
                )
            elif case.find("skipped") is None:
                passed += 1
    summary = report_dir / "run.json"
    requests = json.loads(summary.read_text()).get("requests") if summary.exists() else None
    return SuiteRun(
        returncode,
        output,
        tuple(failures),
        passed,
        requests,
        seconds,
        {f.test: set(f.clauses) for f in failures},
    )
