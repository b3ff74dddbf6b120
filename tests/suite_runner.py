"""Run the conformance suite as a user does (`pytest conformance ...`, in a
subprocess) and read back which clauses failed, from its JUnit report."""

from __future__ import annotations

import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class SuiteRun:
    returncode: int
    output: str
    failed: dict[str, set[str]]  # test id -> clauses it reported violated
    passed: int

    @property
    def violated(self) -> set[str]:
        return {c for clauses in self.failed.values() for c in clauses}


def run_suite(*args: str, report_dir: Path, env: dict[str, str] | None = None) -> SuiteRun:
    command = [
        sys.executable,
        "-m",
        "pytest",
        "conformance",
        "-p",
        "no:cacheprovider",
        "-q",
        "--report-dir",
        str(report_dir),
        *args,
    ]
    full_env = {**os.environ, **(env or {})}
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, env=full_env, timeout=600, check=False
    )
    failed: dict[str, set[str]] = {}
    passed = 0
    junit = report_dir / "junit.xml"
    if junit.exists():
        for case in ET.parse(junit).iter("testcase"):
            props = [(p.get("name"), p.get("value")) for p in case.iter("property")]
            if case.find("failure") is not None or case.find("error") is not None:
                failed[case.get("name", "")] = {str(v) for k, v in props if k == "violated"}
            elif case.find("skipped") is None:
                passed += 1
    return SuiteRun(done.returncode, done.stdout + done.stderr, failed, passed)
