"""The report's types, its JSON and its schema agree: the shipped schema is the one the
types generate, a report built from test results is valid against it and reads back
as the same report, and expected deviations are decided in one place."""

from __future__ import annotations

import json
from types import MappingProxyType

import pytest

from contract.exchange import Auth, Exchange, Received, SentRequest
from contract.expectations import Deviation, Expectations, expected_deviations
from contract.failures import Violation
from reports.report import Implementation, Outcome, Report, Verdict, report_from_json, report_json
from reports.schema import SCHEMA_PATH, generated_schema, report_errors, schema_text
from reports.verdicts import RunContext, TestRecord, build_report

DECLARED = Deviation("SUCCESS-STATUS-200", "Answers 201, as Twilio does.", "https://example.com")
EXPECTATIONS = Expectations("Example", "vendor.toml", MappingProxyType({DECLARED.clause: DECLARED}))


def _exchange(status: int, body: str) -> Exchange:
    request = SentRequest(
        "POST", "http://127.0.0.1:1/Recordings.json", (("Trim", "x"),), Auth.TOKEN_CASE
    )
    return Exchange(request, Received(status, "application/json", body))


def _report(records: list[TestRecord], expectations: Expectations | None = EXPECTATIONS) -> Report:
    context = RunContext(
        implementation=Implementation("Org", "Mock", "2", contact=("a@example.com",)),
        target="http://127.0.0.1:1",
        suite_version="0.1.0",
        profile="ci",
        hypothesis_seed=None,
        derandomized=True,
        date="2026-11-27T12:00:00+00:00",
        requests=7,
        command="pytest conformance",
        options="",
        expectations=expectations,
        replay="python -m emulator --port 1 &",
    )
    return build_report(records, context)


def _records() -> list[TestRecord]:
    trim = TestRecord("t::trim", "DEFAULT-TRIM", judged=1)
    trim.absorb(
        Outcome.FAILED,
        [Violation("do-not-trim", "trim-silence", _exchange(200, "x" * 5000), "DEFAULT-TRIM")],
        "",
    )
    status = TestRecord("t::status", "SUCCESS-STATUS-200", judged=1)
    status.absorb(Outcome.FAILED, [Violation("200", "201", clause="SUCCESS-STATUS-200")], "")
    unsure = TestRecord("t::json", "SCHEMA-JSON")
    unsure.absorb(Outcome.INCONCLUSIVE, [], "the target stopped answering")
    passed = TestRecord("t::echo", "ECHO-TRIM", judged=3)
    return [trim, status, unsure, passed]


def test_the_shipped_schema_is_the_one_the_report_types_generate() -> None:
    # If this fails, the types changed: `python -m reports.schema` writes the file again.
    assert SCHEMA_PATH.read_text() == schema_text(generated_schema())


def test_a_built_report_is_valid_and_reads_back_as_the_same_report() -> None:
    report = _report(_records())
    data = json.loads(json.dumps(report_json(report)))
    assert report_errors(data) == []
    assert report_from_json(data) == report
    assert report_json(report_from_json(data)) == data


def test_the_json_keeps_the_published_keys_and_values() -> None:
    data = report_json(_report(_records()))
    assert list(data) == [
        "format",
        "implementation",
        "target",
        "operation",
        "suite_version",
        "contract_version",
        "profile",
        "hypothesis",
        "date",
        "requests",
        "command",
        "result",
        "expectations",
        "statistics",
        "clauses",
    ]
    assert data["implementation"]["contact"] == ["a@example.com"]
    stats = data["statistics"]
    assert list(stats)[:9] == [
        "clauses",
        "testable",
        "tested",
        "pass",
        "fail",
        "inconclusive",
        "not_tested",
        "expected_deviation",
        "score",
    ]
    assert stats["pass"] == 1 and stats["fail"] == 1 and stats["expected_deviation"] == 1
    assert set(stats["by_severity"]) == {"MUST", "SHOULD"}
    trim = next(c for c in data["clauses"] if c["id"] == "DEFAULT-TRIM")
    evidence = trim["evidence"][0]
    assert evidence["request"]["auth"] == "token-case-swapped"
    assert evidence["request"]["form"] == [["Trim", "x"]]
    assert evidence["response"]["body"] == "x" * 4000 + "..."  # bounded
    assert evidence["reproduce"]["emulator"] == "python -m emulator --port 1 &"
    assert data["expectations"] == {
        "implementation": "Example",
        "file": "vendor.toml",
        "result": "failure",  # DEFAULT-TRIM, a MUST, was not declared
        "no_longer_failing": [],
    }


def test_a_report_of_another_format_or_verdict_is_refused_by_the_schema() -> None:
    data = report_json(_report(_records()))
    assert report_errors({**data, "format": "something/else"})
    data["clauses"][0]["verdict"] = "passed-ish"
    assert report_errors(data)


@pytest.mark.parametrize(
    ("violated", "expected"),
    [
        (["SUCCESS-STATUS-200"], (DECLARED,)),
        (["SUCCESS-STATUS-200", "SUCCESS-STATUS-200"], (DECLARED,)),
        (["SUCCESS-STATUS-200", "DEFAULT-TRIM"], ()),  # one undeclared: a failure
        ([], ()),
    ],
)
def test_a_failure_is_an_expected_deviation_only_when_every_clause_is_declared(
    violated: list[str], expected: tuple[Deviation, ...]
) -> None:
    assert expected_deviations(EXPECTATIONS, violated) == expected
    assert expected_deviations(None, violated) == ()


def test_the_clause_verdict_follows_the_same_decision() -> None:
    verdicts = {c.id: c.verdict for c in _report(_records()).clauses}
    assert verdicts["SUCCESS-STATUS-200"] is Verdict.EXPECTED_DEVIATION
    assert verdicts["DEFAULT-TRIM"] is Verdict.FAIL
    assert verdicts["SCHEMA-JSON"] is Verdict.INCONCLUSIVE
    assert verdicts["ECHO-TRIM"] is Verdict.PASS
    without = {c.id: c.verdict for c in _report(_records(), expectations=None).clauses}
    assert without["SUCCESS-STATUS-200"] is Verdict.FAIL
