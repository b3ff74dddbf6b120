"""The JSON Schema of conformance.json: generated from the report's types
(reports/report.py), shipped as conformance.schema.json, and validation against it.

    python -m reports.schema    # writes conformance.schema.json again from the types

The shipped file is what a report is checked against, at the end of a run and before a
comparison; tests/test_report_schema.py keeps it equal to what the types generate."""

from __future__ import annotations

import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema

from reports.report import FORMAT, Report, report_from_json
from reports.typed_json import json_schema

SCHEMA_PATH = Path(__file__).with_name("conformance.schema.json")


def generated_schema() -> dict[str, Any]:
    return json_schema(
        Report,
        **{
            "$id": f"https://recording-conformance.invalid/schemas/{FORMAT.split('/', 1)[1]}",
            "title": "recording-conformance report of one run",
            "description": "How far one implementation of SignalWire's Compatibility API "
            "'Create a Recording' meets the contract, clause by clause, with evidence. "
            "Written by `pytest conformance` as conformance.json; no credentials anywhere.",
        },
    )


def schema_text(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2) + "\n"


@cache
def report_schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text())


def report_errors(report: Any) -> list[str]:
    """Every way `report` breaks the schema, one line each (none: it is valid)."""
    validator = jsonschema.Draft202012Validator(
        report_schema(), format_checker=jsonschema.FormatChecker()
    )
    return [
        f"{'/'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message}"
        for e in validator.iter_errors(report)
    ]


class UnreadableReport(Exception):
    """A file that is no conformance report: one line for the user."""


def load_report(path: Path) -> Report:
    """A conformance.json read back as a Report, once checked against the schema."""
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise UnreadableReport(f"{path}: not a readable JSON report ({exc})") from None
    errors = report_errors(data)
    if errors:
        raise UnreadableReport(f"{path}: not a conformance report: {errors[0]}")
    return report_from_json(data)


if __name__ == "__main__":
    SCHEMA_PATH.write_text(schema_text(generated_schema()))
    print(f"written {SCHEMA_PATH}", file=sys.stderr)
