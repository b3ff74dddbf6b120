"""Adds the clause and severity of each result to the pytest-html table."""

from __future__ import annotations

import html
from typing import Any

import pytest

from conformance.contract import CLAUSE


def _clause_of(report: pytest.TestReport) -> tuple[str, str]:
    props = dict(report.user_properties)
    clause_id = str(props.get("violated") or props.get("clause") or "")
    clause = CLAUSE.get(clause_id)
    return clause_id, str(clause.severity) if clause else ""


class ClauseReport:
    def pytest_html_report_title(self, report: Any) -> None:
        report.title = "Create a Recording: conformance report"

    def pytest_html_results_table_header(self, cells: list[str]) -> None:
        cells.insert(1, "<th>Clause</th>")
        cells.insert(2, "<th>Severity</th>")

    def pytest_html_results_table_row(self, report: pytest.TestReport, cells: list[str]) -> None:
        clause_id, severity = _clause_of(report)
        cells.insert(1, f"<td>{html.escape(clause_id)}</td>")
        cells.insert(2, f"<td>{html.escape(severity)}</td>")
