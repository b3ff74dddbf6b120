"""The reports a run writes (HTML, JUnit, conformance.json, Markdown), judged by their
content, and the comparison of several of them; the HTML looked at in Chromium."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from contract.terms import CLAUSES, SIGNATURE, Family
from power.runner import ROOT, SuiteRun
from reports.chart import family_chart
from reports.compare import main as compare
from reports.report import Statistics, report_json
from reports.schema import load_report, report_errors

FAULTS = ("trim-default-trims", "callback-sent-twice")  # of the faulted run
FAULTED_CLAUSES = {"DEFAULT-TRIM", "CALLBACK-EVENTS", "CALLBACK-DEFAULT-EVENT"}


@pytest.fixture
def runs(suite_runs: dict[str, tuple[SuiteRun, Path]]) -> dict[str, tuple[SuiteRun, Path]]:
    """clean: the faithful emulator, judged also against expectations it no longer
    needs; faulted: two faults; deviant: a declared deviation that does fail; budgeted:
    too few requests to reach every family (tests/conftest.py, SUITE_RUNS)."""
    return suite_runs


def _report(runs: dict[str, tuple[SuiteRun, Path]], name: str) -> dict[str, Any]:
    return json.loads((runs[name][1] / "conformance.json").read_text())


def _verdicts(report: dict[str, Any], verdict: str) -> set[str]:
    return {c["id"] for c in report["clauses"] if c["verdict"] == verdict}


def test_every_report_validates_against_the_shipped_schema(runs: dict[str, Any]) -> None:
    for name in runs:
        assert report_errors(_report(runs, name)) == [], name
        # ...and reads back as the typed report, whose JSON is the file's.
        loaded = load_report(runs[name][1] / "conformance.json")
        assert report_json(loaded) == _report(runs, name), name


def test_faithful_emulator_passes_every_testable_clause(runs: dict[str, Any]) -> None:
    report = _report(runs, "clean")
    assert report["result"] == "success"
    assert "= replay =" not in runs["clean"][0].output  # nothing failed: nothing to replay
    # The signatures need the signing key, which this run was not given: not tested.
    testable = {c.id for c in CLAUSES if c.testable} - {SIGNATURE.id}
    assert _verdicts(report, "pass") == testable
    assert _verdicts(report, "not-tested") == {c.id for c in CLAUSES if not c.testable} | {
        SIGNATURE.id
    }
    assert report["statistics"]["tested"] == report["statistics"]["testable"] == len(testable)
    assert report["implementation"]["project"] == "reference emulator"


def test_failing_clauses_are_exactly_the_faulted_ones_with_evidence(
    runs: dict[str, Any],
) -> None:
    report = _report(runs, "faulted")
    assert report["result"] == "failure"
    # The terminal says how to bring the embedded emulator back for its curl lines.
    replay = runs["faulted"][0].output.split("= replay =")[-1]
    assert " -m emulator --port" in replay and "--fault trim-default-trims" in replay
    assert _verdicts(report, "fail") == FAULTED_CLAUSES
    trim = next(c for c in report["clauses"] if c["id"] == "DEFAULT-TRIM")
    evidence = trim["evidence"][0]
    assert evidence["actual"] == "trim == 'trim-silence'"
    assert evidence["reproduce"]["request"].startswith("curl ")
    assert ' -m pytest "conformance/' in evidence["reproduce"]["check"]  # no bare pytest
    assert "--emulator-fault trim-default-trims" in evidence["reproduce"]["check"]
    assert report["statistics"]["by_family"]["callbacks"]["fail"] == 2
    assert report["statistics"]["by_severity"]["MUST"]["fail"] == 3


def test_declared_deviation_is_expected_and_judged_both_ways(runs: dict[str, Any]) -> None:
    run, _ = runs["deviant"]
    report = _report(runs, "deviant")
    # Shown, not skipped silently: the deviating clause test, at its first look and whole.
    assert run.returncode == 0 and "2 xfailed" in run.output
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
    assert text.count(" -m emulator --port") == 1  # once: the same for every curl


def test_html_report_has_clause_columns_summary_and_evidence_without_token(
    runs: dict[str, Any],
) -> None:
    run, directory = runs["faulted"]
    html = (directory / "conformance.html").read_text()
    assert "<th>Clause</th>" in html and "<th>Severity</th>" in html
    assert 'id="conformance-summary"' in html and 'id="evidence-DEFAULT-TRIM"' in html
    assert "$SIGNALWIRE_API_TOKEN" in html  # the reproducer reads the token from the env
    assert 'class="replay-commands"' in html and "The embedded emulator that answered" in html
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


def test_chromium_renders_the_summary_clause_table_and_results(
    runs: dict[str, Any], tmp_path: Path, rendered_dom: Callable[[Path], str]
) -> None:
    dom = rendered_dom(runs["faulted"][1] / "conformance.html")
    assert 'id="conformance-summary"' in dom and "against the contract" in dom
    assert dom.count('<tr id="clause-') == len(CLAUSES)
    # pytest-html builds its results table in script: rendered, it lists the failures.
    results = dom.split('id="results-table"')[1]
    assert "test_clause_holds_on_covering_plan[whole-DEFAULT-TRIM]" in results


# Run in the page once it has loaded (pytest-html's script included): where things
# are drawn, in what colour, and what the chart shows, read back from the DOM dump.
PROBE = """<script>
window.addEventListener("load", () => setTimeout(() => {
  const top = (selector) => {
    const found = document.querySelector(selector);
    return found ? found.getBoundingClientRect().top + window.scrollY : null;
  };
  const result = document.getElementById("conformance-result");
  const bars = [...document.querySelectorAll("#family-chart g.bar")].map((g) => ({
    family: g.dataset.family,
    noData: g.classList.contains("no-data"),
    label: (g.querySelector("text.no-data") || {}).textContent || null,
    filled: [...g.querySelectorAll("rect")]
      .filter((r) => r.getAttribute("fill") !== "none")
      .reduce((sum, r) => sum + r.getBBox().width, 0),
    drawn: g.getBBox().width,
  }));
  document.body.dataset.probe = JSON.stringify({
    first: document.body.firstElementChild.id,
    colour: result ? getComputedStyle(result).color : null,
    tops: Object.fromEntries(["#conformance-banner", "#family-chart", "#clause-table",
      "#evidence", "#environment", "#results-table"].map((s) => [s, top(s)])),
    bars,
  });
}, 0));
</script>"""


def _probe(page: Path, tmp_path: Path, rendered_dom: Callable[[Path], str]) -> dict[str, Any]:
    probed = tmp_path / page.name
    probed.write_text(page.read_text().replace("</body>", PROBE + "</body>"))
    dom = rendered_dom(probed)
    found = re.search(r'data-probe="([^"]*)"', dom)
    assert found, dom[-2000:]
    return json.loads(html.unescape(found.group(1)))


def _no_data(report: dict[str, Any]) -> set[str]:
    return {f for f, s in report["statistics"]["by_family"].items() if s["score"] is None}


def test_chromium_opens_the_report_on_a_banner_in_the_result_colour(
    runs: dict[str, Any], tmp_path: Path, rendered_dom: Callable[[Path], str]
) -> None:
    probe = _probe(runs["faulted"][1] / "conformance.html", tmp_path, rendered_dom)
    assert probe["first"] == "conformance-summary"  # before all of pytest-html's page
    assert probe["colour"] == "rgb(207, 34, 46)"  # failure, in red
    tops = probe["tops"]
    order = ["#conformance-banner", "#family-chart", "#clause-table", "#evidence"]
    order += ["#environment", "#results-table"]
    assert [tops[s] for s in order] == sorted(tops[s] for s in order), tops
    callbacks = next(b for b in probe["bars"] if b["family"] == "callbacks")
    assert not callbacks["noData"] and callbacks["filled"] == pytest.approx(260, abs=1)


def test_chromium_draws_a_family_with_no_score_as_no_data_not_a_zero_bar(
    runs: dict[str, Any], tmp_path: Path, rendered_dom: Callable[[Path], str]
) -> None:
    report = _report(runs, "budgeted")
    assert report["result"] == "partial" and _no_data(report)  # the run reached too little
    probe = _probe(runs["budgeted"][1] / "conformance.html", tmp_path, rendered_dom)
    assert probe["colour"] == "rgb(154, 103, 0)"  # partial, in amber
    bars = {b["family"]: b for b in probe["bars"]}
    assert {f for f, b in bars.items() if b["noData"]} == _no_data(report)
    for family in _no_data(report):
        assert bars[family]["label"] == "no data" and bars[family]["filled"] == 0
        assert bars[family]["drawn"] > 260  # the dashed box and its text are drawn
    scored = set(bars) - _no_data(report)
    assert scored and all(bars[f]["filled"] == pytest.approx(260, abs=1) for f in scored)


def test_chromium_comparison_shares_the_chart_and_its_no_data(
    runs: dict[str, Any], tmp_path: Path, rendered_dom: Callable[[Path], str]
) -> None:
    paths = [str(runs[n][1] / "conformance.json") for n in ("faulted", "budgeted")]
    assert compare([*paths, "--out", str(tmp_path / "cmp")]) == 0
    probe = _probe(tmp_path / "cmp" / "comparison.html", tmp_path, rendered_dom)
    bars = probe["bars"]
    families = _report(runs, "faulted")["statistics"]["by_family"]
    assert len(bars) == 2 * len(families)  # per family, one bar per implementation
    budgeted = {b["family"] for b in bars[1::2] if b["noData"]}
    assert budgeted == _no_data(_report(runs, "budgeted"))
    assert not any(b["noData"] for b in bars[0::2])


def test_a_family_with_no_score_is_no_data_and_one_with_zero_is_a_red_bar() -> None:
    zero = {"tested": 2, "passed": 0, "fail": 2, "expected_deviation": 0}
    none = {"tested": 0, "passed": 0, "fail": 0, "expected_deviation": 0}
    counted = {"clauses": 3, "testable": 3}
    stats = {
        Family.AUTH: Statistics(**zero, **counted, inconclusive=0, not_tested=0, score=0.0),
        Family.CALLS: Statistics(**none, **counted, inconclusive=3, not_tested=0, score=None),
    }
    failed, unjudged = family_chart([stats], ["x"]).bars
    assert not failed.no_data and [(s.verdict, s.width) for s in failed.segments] == [("fail", 260)]
    assert failed.text == "0/2 passed (0%)"
    assert unjudged.no_data and unjudged.segments == ()
    assert unjudged.text == "not judged: 3 inconclusive"


def test_a_curl_line_of_an_embedded_run_works_against_the_emulator_its_evidence_starts(
    runs: dict[str, Any],
) -> None:
    """The evidence of a faulty embedded run names an emulator that is gone; the lines it
    gives start the same one, and its curl line then gets the answer the run got."""
    trim = next(c for c in _report(runs, "faulted")["clauses"] if c["id"] == "DEFAULT-TRIM")
    evidence = trim["evidence"][0]
    start, curl = evidence["reproduce"]["emulator"], evidence["reproduce"]["request"]
    assert all(f"--fault {f}" in start for f in FAULTS)
    port = urlsplit(evidence["request"]["url"]).port
    script = "\n".join(
        [
            start,
            "trap 'kill $! 2>/dev/null' EXIT",
            f"for _ in $(seq 100); do curl -s -o /dev/null http://127.0.0.1:{port}/ && break;"
            " sleep 0.1; done",
            curl + " -w '\\n%{http_code}'",
        ]
    )
    # `python` is this environment's, as it is for whoever runs the suite.
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=ROOT,
        env={**os.environ, "PATH": path},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    *_, body, status = done.stdout.splitlines()
    assert int(status) == evidence["response"]["status"] == 200
    volatile = ("sid", "date_created", "date_updated", "start_time", "uri", "subresource_uris")
    replayed, recorded = json.loads(body), json.loads(evidence["response"]["body"])
    assert replayed["trim"] == "trim-silence"  # the fault, as the run saw it
    for name in volatile:
        replayed.pop(name), recorded.pop(name)
    assert replayed == recorded
