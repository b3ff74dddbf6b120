"""The reports of a run: every test's result gathered into clause verdicts, written as
conformance.json (validated against its schema) and conformance.md, and shown at the
head of the pytest-html report beside a clause column in its results table."""

from __future__ import annotations

import html
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from contract.failures import Violation
from contract.terms import CLAUSE
from reports.render import html_summary, markdown
from reports.report import Outcome, Report, report_json
from reports.schema import report_errors
from reports.verdicts import RunContext, TestRecord, build_report


def _clause_of(report: pytest.TestReport) -> tuple[str, str]:
    props = dict(report.user_properties)
    clause_id = str(props.get("violated") or props.get("clause") or "")
    clause = CLAUSE.get(clause_id)
    return clause_id, str(clause.severity) if clause else ""


@dataclass(frozen=True)
class PhaseFacts:
    """What the suite's hooks learned of one phase of a test beyond pytest's outcome,
    all the clause report reads of it: the clause it enforces (or the clause a look's
    test judges), what it judged, the violations it found, or why the target could not
    be judged."""

    clause: str | None = None  # from the setup phase
    look: str | None = None  # from the setup phase
    judged: int = 0  # from the call phase
    violations: tuple[Violation, ...] = ()
    inconclusive: str = ""


# Facts of the phase whose report is being made, by (nodeid, phase): pytest's reports
# carry no stash, and the clause report reads each as soon as pytest logs its report.
PHASE_FACTS = pytest.StashKey[dict[tuple[str, str], PhaseFacts]]()


def record_phase(config: pytest.Config, report: pytest.TestReport, facts: PhaseFacts) -> None:
    config.stash.setdefault(PHASE_FACTS, {})[(report.nodeid, report.when)] = facts


def _phase_facts(config: pytest.Config, report: pytest.TestReport) -> PhaseFacts:
    pending = config.stash.get(PHASE_FACTS, {})
    return pending.pop((report.nodeid, str(report.when)), PhaseFacts())


def _outcome(report: pytest.TestReport, facts: PhaseFacts) -> tuple[Outcome, str]:
    if facts.violations:
        return Outcome.FAILED, ""
    if facts.inconclusive:
        return Outcome.INCONCLUSIVE, facts.inconclusive
    if report.failed:
        lines = str(report.longrepr).strip().splitlines()
        return Outcome.ERROR, f"the suite broke in {report.when}: {lines[-1] if lines else '?'}"
    if report.skipped and not hasattr(report, "wasxfail"):
        return Outcome.INCONCLUSIVE, "skipped"
    return Outcome.PASSED, ""


# What the run was (target, implementation, command...), which the suite's fixtures
# know: they put it here, and the report reads it when it is written.
RUN_CONTEXT = pytest.StashKey[Callable[[], RunContext]]()
CLAUSE_REPORT = pytest.StashKey["ClauseReport"]()  # the run's one clause report
TITLE = "Create a Recording: conformance report"


class ClauseReport:
    def __init__(self, config: pytest.Config) -> None:
        self._config = config
        self._records: dict[str, TestRecord] = {}
        self._report: Report | None = None
        self._html: Any = None  # pytest-html's report, whose title names the implementation

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        record = self._records.setdefault(report.nodeid, TestRecord(report.nodeid, None))
        # The clause arrives with the setup phase, what was judged with the call.
        facts = _phase_facts(self._config, report)
        record.clause = record.clause or facts.clause
        record.look = record.look or facts.look
        record.judged = max(record.judged, facts.judged)
        outcome, why = _outcome(report, facts)
        record.absorb(outcome, facts.violations, why)

    @property
    def broke(self) -> bool:
        """Whether a test errored for a reason not the target's (the suite broke)."""
        return any(r.outcome is Outcome.ERROR for r in self._records.values())

    def report(self) -> Report:
        """Built once, after the run and its clean-up."""
        if self._report is None:
            context = self._config.stash[RUN_CONTEXT]()
            self._report = build_report(list(self._records.values()), context)
        return self._report

    def write(self, directory: Path) -> list[str]:
        """Write conformance.json and conformance.md; their paths."""
        report = self.report()
        data = report_json(report)
        paths = [directory / "conformance.json", directory / "conformance.md"]
        paths[0].write_text(json.dumps(data, indent=2) + "\n")
        paths[1].write_text(markdown(report))
        errors = report_errors(data)
        if errors:  # written all the same: nothing is lost
            print(f"conformance.json breaks its schema: {errors[0]}", file=sys.stderr)
        return [str(p) for p in paths]

    # -- pytest-html ----------------------------------------------------------

    def pytest_html_report_title(self, report: Any) -> None:
        # Named again once the run is over (below): the implementation is known by then.
        self._html = report
        report.title = TITLE

    def pytest_html_results_summary(
        self, prefix: list[str], summary: list[str], postfix: list[str], session: pytest.Session
    ) -> None:
        clause_report = self.report()
        if self._html is not None:
            self._html.title = f"{TITLE} of {clause_report.name}"
        prefix.append(html_summary(clause_report))

    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        cells.insert(1, "<th>Clause</th>")
        cells.insert(2, "<th>Severity</th>")

    def pytest_html_results_table_html(self, report: pytest.TestReport, data: list[str]) -> None:
        # A skip's longrepr is pytest's (path, line, reason) tuple: the reason is the sentence.
        longrepr = report.longrepr
        if report.skipped and isinstance(longrepr, tuple) and len(longrepr) == 3 and data:
            data[0] = html.escape(str(longrepr[2])) + "\n"

    def pytest_html_results_table_row(self, report: pytest.TestReport, cells: list[str]) -> None:
        clause_id, severity = _clause_of(report)
        cells.insert(1, f"<td>{html.escape(clause_id)}</td>")
        cells.insert(2, f"<td>{html.escape(severity)}</td>")
