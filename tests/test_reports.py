"""The reports a run writes (HTML, JUnit, conformance.json, Markdown), judged by their
content, and the comparison of several of them; the HTML looked at in Chromium."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from conformance.contract import CLAUSES
from reports.compare import main as compare
from reports.runner import ROOT, SuiteRun, run_suite
from reports.schema import report_errors

EXPECTATIONS = str(ROOT / "expectations" / "twilio-style-201.toml")
FAULTS = ("trim-default-trims", "callback-sent-twice")
FAULTED_CLAUSES = {"DEFAULT-TRIM", "CALLBACK-EVENTS", "CALLBACK-DEFAULT-EVENT"}
NAMED = ("--implementation-organization", "Example Org", "--implementation-project", "Mock")


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[SuiteRun, Path]]:
    """clean: the faithful emulator, judged also against expectations it no longer
    needs; faulted: two faults; deviant: a declared deviation that does fail."""
    plans = {
        "clean": ("--expectations", EXPECTATIONS),
        "faulted": tuple(a for f in FAULTS for a in ("--emulator-fault", f)),
        "deviant": ("--emulator-fault", "created-201", "--expectations", EXPECTATIONS, *NAMED),
    }
    out = {}
    for name, args in plans.items():
        directory = tmp_path_factory.mktemp(name)
        out[name] = (
            run_suite(*args, "--implementation-version", "2", report_dir=directory)
            if name == "deviant"
            else run_suite(*args, report_dir=directory),
            directory,
        )
    return out


def _report(runs: dict[str, tuple[SuiteRun, Path]], name: str) -> dict[str, Any]:
    return json.loads((runs[name][1] / "conformance.json").read_text())


def _verdicts(report: dict[str, Any], verdict: str) -> set[str]:
    return {c["id"] for c in report["clauses"] if c["verdict"] == verdict}


def test_every_report_validates_against_the_shipped_schema(runs: dict[str, Any]) -> None:
    for name in runs:
        assert report_errors(_report(runs, name)) == [], name


def test_faithful_emulator_passes_every_testable_clause(runs: dict[str, Any]) -> None:
    report = _report(runs, "clean")
    assert report["result"] == "success"
    testable = {c.id for c in CLAUSES if c.testable}
    assert _verdicts(report, "pass") == testable
    assert _verdicts(report, "not-tested") == {c.id for c in CLAUSES if not c.testable}
    assert report["statistics"]["tested"] == report["statistics"]["testable"] == len(testable)
    assert report["implementation"]["project"] == "reference emulator"


def test_failing_clauses_are_exactly_the_faulted_ones_with_evidence(
    runs: dict[str, Any],
) -> None:
    report = _report(runs, "faulted")
    assert report["result"] == "failure"
    assert _verdicts(report, "fail") == FAULTED_CLAUSES
    trim = next(c for c in report["clauses"] if c["id"] == "DEFAULT-TRIM")
    evidence = trim["evidence"][0]
    assert evidence["actual"] == "trim == 'trim-silence'"
    assert evidence["reproduce"]["request"].startswith("curl ")
    assert evidence["reproduce"]["check"].startswith('pytest "conformance/')
    assert "--emulator-fault trim-default-trims" in evidence["reproduce"]["check"]
    assert report["statistics"]["by_family"]["callbacks"]["fail"] == 2
    assert report["statistics"]["by_severity"]["MUST"]["fail"] == 3


def test_declared_deviation_is_expected_and_judged_both_ways(runs: dict[str, Any]) -> None:
    run, _ = runs["deviant"]
    report = _report(runs, "deviant")
    assert run.returncode == 0 and "1 xfailed" in run.output  # shown, not skipped silently
    assert _verdicts(report, "expected-deviation") == {"SUCCESS-STATUS-200"}
    assert report["result"] == "partial"  # a SHOULD breached, against the contract
    assert report["expectations"]["result"] == "success"
    assert report["implementation"] == {
        "organization": "Example Org",
        "project": "Mock",
        "version": "2",
        "url": None,
        "contact": [],
    }


def test_a_declared_deviation_that_no_longer_fails_is_reported(runs: dict[str, Any]) -> None:
    report = _report(runs, "clean")
    assert report["expectations"]["no_longer_failing"] == ["SUCCESS-STATUS-200"]
    assert (
        "no longer failing: SUCCESS-STATUS-200" in (runs["clean"][1] / "conformance.md").read_text()
    )


def test_markdown_summary_names_result_scores_and_failures(runs: dict[str, Any]) -> None:
    text = (runs["faulted"][1] / "conformance.md").read_text()
    assert "**failure** against the contract" in text
    assert "| callbacks | 4/6 (67%) | 2 |" in text
    assert "### `DEFAULT-TRIM` (fail)" in text and "```sh\ncurl " in text


def test_html_report_has_clause_columns_summary_and_evidence_without_token(
    runs: dict[str, Any],
) -> None:
    run, directory = runs["faulted"]
    html = (directory / "conformance.html").read_text()
    assert "<th>Clause</th>" in html and "<th>Severity</th>" in html
    assert 'id="conformance-summary"' in html and 'id="evidence-DEFAULT-TRIM"' in html
    assert "$SIGNALWIRE_API_TOKEN" in html  # the reproducer reads the token from the env
    cases = list(ET.parse(directory / "junit.xml").iter("testcase"))
    failing = [c for c in cases if c.find("failure") is not None]
    assert failing and all(
        any(p.get("name") == "violated" for p in c.iter("property")) for c in failing
    )
    assert run.violated == FAULTED_CLAUSES
    assert "expected: trim == 'do-not-trim'" in run.output


def test_comparison_matrix_in_html_and_markdown(runs: dict[str, Any], tmp_path: Path) -> None:
    paths = [str(runs[n][1] / "conformance.json") for n in ("clean", "faulted", "deviant")]
    assert compare([*paths, "--out", str(tmp_path)]) == 0
    md = (tmp_path / "comparison.md").read_text()
    assert "| `DEFAULT-TRIM` | MUST | pass | **fail** | pass |" in md
    assert "| `SUCCESS-STATUS-200` | SHOULD | pass | pass | expected-deviation |" in md
    html = (tmp_path / "comparison.html").read_text()
    assert 'id="family-chart"' in html and 'href="#ev-1-DEFAULT-TRIM"' in html
    assert 'id="ev-1-DEFAULT-TRIM"' in html


def test_comparison_refuses_reports_of_different_contract_versions(
    runs: dict[str, Any], tmp_path: Path
) -> None:
    report = _report(runs, "clean")
    report["contract_version"] = "0.9.0"
    older = tmp_path / "older.json"
    older.write_text(json.dumps(report))
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "reports.compare",
            str(runs["faulted"][1] / "conformance.json"),
            str(older),
            "--out",
            str(tmp_path / "out"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "different contract versions" in done.stderr
    assert not (tmp_path / "out").exists()


def _rendered_dom(page: Path, tmp_path: Path) -> str:
    """The page as headless Chromium renders it, scripts run."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: .ci/run installs it")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    done = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'profile'}",
            "--virtual-time-budget=5000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_chromium_renders_the_summary_clause_table_and_results(
    runs: dict[str, Any], tmp_path: Path
) -> None:
    dom = _rendered_dom(runs["faulted"][1] / "conformance.html", tmp_path)
    assert 'id="conformance-summary"' in dom and "Result against the contract" in dom
    assert dom.count('<tr id="clause-') == len(CLAUSES)
    # pytest-html builds its results table in script: rendered, it lists the failures.
    assert "test_clause_holds_on_covering_plan[DEFAULT-TRIM]" in dom.split('id="results-table"')[1]
