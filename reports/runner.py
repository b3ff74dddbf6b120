"""Run the conformance suite as a user does (`pytest conformance ...`, in a
subprocess) and read back what it found from the reports it wrote."""

from __future__ import annotations

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


def _command(args: tuple[str, ...], report_dir: Path) -> list[str]:
    base = [sys.executable, "-m", "pytest", "conformance", "-p", "no:cacheprovider", "-q"]
    return [*base, "--report-dir", str(report_dir), *args]


def start_suite(
    *args: str, report_dir: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """The suite started as `run_suite` runs it, for a caller that interrupts it or
    measures it; its output (stdout and stderr) is the caller's to read."""
    return subprocess.Popen(
        _command(args, report_dir),
        cwd=ROOT,
        env={**os.environ, **(env or {})},
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
        env={**os.environ, **(env or {})},
        timeout=timeout,
        check=False,
    )
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
        done.returncode,
        done.stdout + done.stderr,
        tuple(failures),
        passed,
        requests,
        seconds,
        {f.test: set(f.clauses) for f in failures},
    )
