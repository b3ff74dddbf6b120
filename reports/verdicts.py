"""From test results to clause verdicts: the data of `conformance.json`, the one report
every other rendering (HTML summary, Markdown, comparison) reads.

A clause fails when any test reports a violation of it. It passes only on evidence:
every test that enforces it passed, and together they judged at least one exchange.
It is inconclusive when its tests could not judge the target (transport trouble, an
exhausted budget, nothing to judge) or one of them failed or broke without naming it,
and not tested when no test of it ran or no client can observe it. A failure of a clause the
implementation declared in its expectations is an expected deviation.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from contract.expectations import Expectations
from contract.terms import CLAUSES, CONTRACT_VERSION, OPERATION, Clause, Family, Severity

FORMAT = "recording-conformance/conformance-report/v1"
EVIDENCE_PER_CLAUSE = 3
BODY_LIMIT = 4000


class Verdict(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    INCONCLUSIVE = "inconclusive"
    NOT_TESTED = "not-tested"
    EXPECTED_DEVIATION = "expected-deviation"


class Outcome(StrEnum):
    PASSED = "passed"
    FAILED = "failed"  # a contract violation
    INCONCLUSIVE = "inconclusive"  # the target could not be judged
    ERROR = "error"  # the suite itself broke: no verdict on the target


class Result(StrEnum):
    SUCCESS = "success"
    PARTIAL = "partial"
    FAILURE = "failure"


@dataclass
class TestRecord:
    nodeid: str
    clause: str | None  # the clause the test enforces, if it names one
    outcome: Outcome = Outcome.PASSED
    violations: list[dict[str, Any]] = field(default_factory=list)
    why: str = ""  # for inconclusive and error
    judged: int = 0  # exchanges the test judged

    def absorb(self, outcome: Outcome, violations: list[dict[str, Any]], why: str) -> None:
        """Fold in one phase (setup, call, teardown): the worst outcome stands."""
        rank = [Outcome.PASSED, Outcome.INCONCLUSIVE, Outcome.ERROR, Outcome.FAILED]
        if rank.index(outcome) > rank.index(self.outcome):
            self.outcome, self.why = outcome, why
        self.violations += violations


@dataclass(frozen=True)
class RunContext:
    implementation: dict[str, Any]
    target: str
    suite_version: str
    profile: str
    hypothesis_seed: str | None  # None: derandomized, or a recorded run's own
    derandomized: bool
    date: str
    requests: int
    command: str
    options: str  # the command's options alone, to reproduce one test
    expectations: Expectations | None = None
    # Shell lines that start the embedded emulator again (conformance/replay.py), so the
    # evidence's curl lines work after the run; None for a target that outlives it.
    replay: str | None = None


def _verdict(
    clause: Clause, tests: list[TestRecord], violations: list[dict[str, Any]], ctx: RunContext
) -> Verdict:
    if violations:
        declared = ctx.expectations and ctx.expectations.declared(clause.id)
        return Verdict.EXPECTED_DEVIATION if declared else Verdict.FAIL
    if not clause.testable:
        return Verdict.NOT_TESTED
    if not tests:
        return Verdict.NOT_TESTED
    if all(t.outcome is Outcome.PASSED for t in tests) and sum(t.judged for t in tests) > 0:
        return Verdict.PASS
    return Verdict.INCONCLUSIVE


def _note(clause: Clause, tests: list[TestRecord], verdict: Verdict) -> str:
    if not clause.testable:
        return clause.reason
    if verdict is Verdict.NOT_TESTED:
        return "no test of this clause ran"
    unsure = [t.why or f"{t.nodeid} {t.outcome}" for t in tests if t.outcome is not Outcome.PASSED]
    if verdict is Verdict.INCONCLUSIVE and not unsure:
        unsure = ["its tests judged no exchange"]
    return "; ".join(dict.fromkeys(unsure))[:1000]


def _evidence(test: TestRecord, violation: dict[str, Any], ctx: RunContext) -> dict[str, Any]:
    exchange = violation.get("exchange") or {}
    response = dict(exchange.get("response") or {})
    if len(response.get("body", "")) > BODY_LIMIT:
        response["body"] = response["body"][:BODY_LIMIT] + "..."
    request = exchange.get("request")
    return {
        "test": test.nodeid,
        "expected": violation["expected"],
        "actual": violation["actual"],
        "request": request,
        "response": response or None,
        "reproduce": {
            "request": request["curl"] if request else None,
            "emulator": ctx.replay if request else None,
            "check": f'pytest "{test.nodeid}" {ctx.options}'.strip(),
        },
    }


def _stats(clauses: list[dict[str, Any]]) -> dict[str, Any]:
    counts = Counter(c["verdict"] for c in clauses)
    testable = [c for c in clauses if c["testable"]]
    tested = sum(
        1
        for c in testable
        if c["verdict"] in (Verdict.PASS, Verdict.FAIL, Verdict.EXPECTED_DEVIATION)
    )
    return {
        "clauses": len(clauses),
        "testable": len(testable),
        "tested": tested,
        **{v.value.replace("-", "_"): counts.get(v, 0) for v in Verdict},
        "score": round(counts.get(Verdict.PASS, 0) / tested, 4) if tested else None,
    }


def _result(clauses: list[dict[str, Any]], deviations_pass: bool) -> Result:
    failing = {Verdict.FAIL} | (set() if deviations_pass else {Verdict.EXPECTED_DEVIATION})
    if any(c["verdict"] in failing and c["severity"] == Severity.MUST for c in clauses):
        return Result.FAILURE
    unsure = {Verdict.INCONCLUSIVE, Verdict.NOT_TESTED}
    if any(c["verdict"] in failing for c in clauses) or any(
        c["verdict"] in unsure for c in clauses if c["testable"]
    ):
        return Result.PARTIAL
    return Result.SUCCESS


def build_report(records: list[TestRecord], ctx: RunContext) -> dict[str, Any]:
    clauses: list[dict[str, Any]] = []
    for clause in CLAUSES:
        tests = [t for t in records if t.clause == clause.id]
        found = [(t, v) for t in records for v in t.violations if v["clause"] == clause.id]
        verdict = _verdict(clause, tests, [v for _, v in found], ctx)
        declared = ctx.expectations.declared(clause.id) if ctx.expectations else None
        clauses.append(
            {
                "id": clause.id,
                "family": str(clause.family),
                "severity": str(clause.severity),
                "source": str(clause.source),
                "sentence": clause.sentence,
                "testable": clause.testable,
                "verdict": str(verdict),
                "judged": sum(t.judged for t in tests),
                "tests": [
                    {"test": t.nodeid, "outcome": str(t.outcome), "judged": t.judged} for t in tests
                ],
                "evidence": [_evidence(t, v, ctx) for t, v in found[:EVIDENCE_PER_CLAUSE]],
                "deviation": (
                    {"reason": declared.reason, "link": declared.link, "still_fails": bool(found)}
                    if declared
                    else None
                ),
                "note": _note(clause, tests, verdict),
            }
        )
    expectations = None
    if ctx.expectations:
        expectations = {
            "implementation": ctx.expectations.implementation,
            "file": ctx.expectations.path,
            "result": str(_result(clauses, deviations_pass=True)),
            "no_longer_failing": [
                c["id"] for c in clauses if c["deviation"] and not c["deviation"]["still_fails"]
            ],
        }
    return {
        "format": FORMAT,
        "implementation": ctx.implementation,
        "target": ctx.target,
        "operation": OPERATION,
        "suite_version": ctx.suite_version,
        "contract_version": CONTRACT_VERSION,
        "profile": ctx.profile,
        "hypothesis": {"seed": ctx.hypothesis_seed, "derandomized": ctx.derandomized},
        "date": ctx.date,
        "requests": ctx.requests,
        "command": ctx.command,
        "result": str(_result(clauses, deviations_pass=False)),
        "expectations": expectations,
        "statistics": {
            **_stats(clauses),
            "by_severity": {
                str(s): _stats([c for c in clauses if c["severity"] == s]) for s in Severity
            },
            "by_family": {
                str(f): _stats([c for c in clauses if c["family"] == f])
                for f in Family
                if any(c["family"] == f for c in clauses)
            },
        },
        "clauses": clauses,
    }
