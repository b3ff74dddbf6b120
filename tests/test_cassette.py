"""Cassettes: a recorded run replays offline, sending nothing, to the same verdicts."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from power.runner import SuiteRun, run_suite


def _verdicts(report_dir: Path) -> dict[str, tuple[str, frozenset[str]]]:
    """Each test's outcome, and the clauses it reported violated."""
    out = {}
    for case in ET.parse(report_dir / "junit.xml").iter("testcase"):
        outcome = next(
            (k for k in ("failure", "error", "skipped") if case.find(k) is not None), "passed"
        )
        violated = frozenset(
            str(p.get("value")) for p in case.iter("property") if p.get("name") == "violated"
        )
        out[f"{case.get('classname')}::{case.get('name')}"] = (outcome, violated)
    return out


def test_replay_reproduces_the_recorded_verdicts_offline(
    suite_runs: dict[str, tuple[SuiteRun, Path]], tmp_path: Path
) -> None:
    # A response fault and a callback fault, recorded (tests/conftest.py, SUITE_RUNS):
    # replay needs the exchanges and the callbacks.
    recorded, directory = suite_runs["faulted"]
    expected = {"DEFAULT-TRIM", "CALLBACK-EVENTS", "CALLBACK-DEFAULT-EVENT"}
    assert recorded.violated == expected, recorded.output[-3000:]
    # The recording's embedded emulator is gone with its process: nothing could answer.
    cassette = directory / "cassette"
    replayed = run_suite("--replay-cassette", str(cassette), report_dir=tmp_path / "replayed")
    assert _verdicts(tmp_path / "replayed") == _verdicts(directory)
    assert replayed.requests == recorded.requests
