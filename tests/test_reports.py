"""The reports a run writes: self-contained HTML and JUnit XML, in clauses, no secrets."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from reports.runner import run_suite


def test_failing_run_writes_clause_columns_and_evidence_without_token(tmp_path: Path) -> None:
    run = run_suite("--emulator-fault", "trim-default-trims", report_dir=tmp_path)
    html = (tmp_path / "conformance.html").read_text()
    assert "<th>Clause</th>" in html and "<th>Severity</th>" in html
    assert "DEFAULT-TRIM" in html and "reproduce: curl" in html
    assert "$SIGNALWIRE_API_TOKEN" in html  # the reproducer reads the token from the env
    cases = list(ET.parse(tmp_path / "junit.xml").iter("testcase"))
    failing = [c for c in cases if c.find("failure") is not None]
    assert failing and all(
        any(p.get("name") == "violated" for p in c.iter("property")) for c in failing
    )
    assert run.violated == {"DEFAULT-TRIM"}
    assert "expected: trim == 'do-not-trim'" in run.output
