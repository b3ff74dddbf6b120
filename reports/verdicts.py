"""From test results to clause verdicts: the report of a run (reports/report.py), the data
of `conformance.json` that every other rendering (HTML summary, Markdown, comparison) reads.

A clause fails when any test reports a violation of it. It passes only on evidence:
every test that enforces it passed, and together they judged at least one exchange.
It is inconclusive when its tests could not judge the target (transport trouble, an
exhausted budget, nothing to judge) or one of them failed or broke without naming it,
and not tested when no test of it ran or no client can observe it. A failure of a clause the
implementation declared in its expectations is an expected deviation.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field

from contract.exchange import Exchange
from contract.expectations import Expectations, expected_deviations
from contract.failures import Violation
from contract.terms import CLAUSES, CONTRACT_VERSION, OPERATION, Clause, Family, Severity
from reports.report import (
    FORMAT,
    ClauseDeviation,
    ClauseVerdict,
    Evidence,
    ExchangeRequest,
    ExchangeResponse,
    ExpectationsResult,
    Hypothesis,
    Implementation,
    Outcome,
    Report,
    Reproduce,
    Result,
    RunStatistics,
    Statistics,
    TestResult,
    Verdict,
)

EVIDENCE_PER_CLAUSE = 3
BODY_LIMIT = 4000


@dataclass
class TestRecord:
    __test__ = False  # not a test class, whatever pytest makes of its name

    nodeid: str
    clause: str | None  # the clause the test enforces, if it names one
    look: str | None = None  # the clause a look's test judges (its passes wait for the whole)
    outcome: Outcome = Outcome.PASSED
    violations: list[Violation] = field(default_factory=list)
    why: str = ""  # for inconclusive and error
    judged: int = 0  # exchanges the test judged

    def absorb(self, outcome: Outcome, violations: Iterable[Violation], why: str) -> None:
        """Fold in one phase (setup, call, teardown): the worst outcome stands."""
        rank = [Outcome.PASSED, Outcome.INCONCLUSIVE, Outcome.ERROR, Outcome.FAILED]
        if rank.index(outcome) > rank.index(self.outcome):
            self.outcome, self.why = outcome, why
        self.violations += violations


@dataclass(frozen=True)
class RunContext:
    implementation: Implementation
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
    # Shell lines that start the embedded emulator again (conformance/run/replay.py), so the
    # evidence's curl lines work after the run; None for a target that outlives it.
    replay: str | None = None
    pytest: str = "pytest"  # how the command that reproduces one test starts
    # Clauses this run cannot judge for want of what only the user has (the signing key),
    # each with why: not tested, and, like the clauses no client can observe, not counted.
    unjudgeable: Mapping[str, str] = field(default_factory=dict)

    def testable(self, clause: Clause) -> bool:
        return clause.testable and clause.id not in self.unjudgeable


def _verdict(clause: Clause, tests: list[TestRecord], violated: bool, ctx: RunContext) -> Verdict:
    if violated:
        expected = expected_deviations(ctx.expectations, [clause.id])
        return Verdict.EXPECTED_DEVIATION if expected else Verdict.FAIL
    if not ctx.testable(clause):
        return Verdict.NOT_TESTED
    if not tests:
        return Verdict.NOT_TESTED
    if all(t.outcome is Outcome.PASSED for t in tests) and sum(t.judged for t in tests) > 0:
        return Verdict.PASS
    return Verdict.INCONCLUSIVE


def _note(clause: Clause, tests: list[TestRecord], verdict: Verdict, ctx: RunContext) -> str:
    if not clause.testable:
        return clause.reason
    if clause.id in ctx.unjudgeable and verdict is Verdict.NOT_TESTED:
        return ctx.unjudgeable[clause.id]
    if verdict is Verdict.NOT_TESTED:
        return "no test of this clause ran"
    unsure = [t.why or f"{t.nodeid} {t.outcome}" for t in tests if t.outcome is not Outcome.PASSED]
    if verdict is Verdict.INCONCLUSIVE and not unsure:
        unsure = ["its tests judged no exchange"]
    return "; ".join(dict.fromkeys(unsure))[:1000]


def _request(exchange: Exchange) -> ExchangeRequest:
    sent = exchange.request
    return ExchangeRequest(
        method=sent.method,
        url=sent.url,
        form=sent.form,
        auth=sent.auth,
        headers=sent.headers,
        curl=sent.as_curl(),
    )


def _response(exchange: Exchange) -> ExchangeResponse:
    received = exchange.response
    body = received.text
    return ExchangeResponse(
        status=received.status,
        content_type=received.content_type,
        body=body[:BODY_LIMIT] + "..." if len(body) > BODY_LIMIT else body,
        utf8=received.utf8,
        oversized=received.oversized,
    )


def _evidence(test: TestRecord, violation: Violation, ctx: RunContext) -> Evidence:
    exchange = violation.exchange
    request = _request(exchange) if exchange else None
    return Evidence(
        test=test.nodeid,
        expected=violation.expected,
        actual=violation.actual,
        request=request,
        response=_response(exchange) if exchange else None,
        reproduce=Reproduce(
            request=request.curl if request else None,
            emulator=ctx.replay if request else None,
            check=f'{ctx.pytest} "{test.nodeid}" {ctx.options}'.strip(),
        ),
    )


def _stats(clauses: list[ClauseVerdict]) -> Statistics:
    counts = Counter(c.verdict for c in clauses)
    testable = [c for c in clauses if c.testable]
    tested = sum(
        1 for c in testable if c.verdict in (Verdict.PASS, Verdict.FAIL, Verdict.EXPECTED_DEVIATION)
    )
    return Statistics(
        clauses=len(clauses),
        testable=len(testable),
        tested=tested,
        passed=counts[Verdict.PASS],
        fail=counts[Verdict.FAIL],
        inconclusive=counts[Verdict.INCONCLUSIVE],
        not_tested=counts[Verdict.NOT_TESTED],
        expected_deviation=counts[Verdict.EXPECTED_DEVIATION],
        score=round(counts[Verdict.PASS] / tested, 4) if tested else None,
    )


def _run_stats(clauses: list[ClauseVerdict]) -> RunStatistics:
    by_family = {f: [c for c in clauses if c.family is f] for f in Family}
    return RunStatistics(
        **asdict(_stats(clauses)),
        by_severity={s: _stats([c for c in clauses if c.severity is s]) for s in Severity},
        by_family={f: _stats(found) for f, found in by_family.items() if found},
    )


def result_of(clauses: Iterable[ClauseVerdict], deviations_pass: bool) -> Result:
    """success, partial or failure, over these clauses (all of a run, or those asked for)."""
    clauses = list(clauses)
    failing = {Verdict.FAIL} | (set() if deviations_pass else {Verdict.EXPECTED_DEVIATION})
    if any(c.verdict in failing and c.severity is Severity.MUST for c in clauses):
        return Result.FAILURE
    unsure = {Verdict.INCONCLUSIVE, Verdict.NOT_TESTED}
    if any(c.verdict in failing for c in clauses) or any(
        c.verdict in unsure or c.note == FIRST_LOOK_ALONE for c in clauses if c.testable
    ):
        return Result.PARTIAL
    return Result.SUCCESS


FIRST_LOOK_ALONE = (
    "judged by the first look alone: the run ended before its whole-run tests "
    "(interrupted, or stopped at a failure), so this pass rests on partial evidence"
)


def _clause_verdict(clause: Clause, records: list[TestRecord], ctx: RunContext) -> ClauseVerdict:
    tests = [t for t in records if t.clause == clause.id]
    found = [(t, v) for t in records for v in t.violations if v.clause_id == clause.id]
    # A look's passes wait for the whole; a run that ended before it (Ctrl-C, -x) keeps
    # what the looks judged, said to be that, rather than reporting nothing.
    looked = not tests and [t for t in records if t.look == clause.id]
    tests = tests or list(looked or ())
    verdict = _verdict(clause, tests, bool(found), ctx)
    alone = looked and verdict is Verdict.PASS
    note = FIRST_LOOK_ALONE if alone else _note(clause, tests, verdict, ctx)
    declared = ctx.expectations.declared(clause.id) if ctx.expectations else None
    return ClauseVerdict(
        id=clause.id,
        family=clause.family,
        severity=clause.severity,
        source=clause.source,
        sentence=clause.sentence,
        testable=ctx.testable(clause),
        verdict=verdict,
        judged=sum(t.judged for t in tests),
        tests=tuple(TestResult(t.nodeid, t.outcome, t.judged) for t in tests),
        evidence=tuple(_evidence(t, v, ctx) for t, v in found[:EVIDENCE_PER_CLAUSE]),
        deviation=(
            ClauseDeviation(declared.reason, declared.link, still_fails=bool(found))
            if declared
            else None
        ),
        note=note,
    )


def build_report(records: list[TestRecord], ctx: RunContext) -> Report:
    clauses = [_clause_verdict(clause, records, ctx) for clause in CLAUSES]
    expectations = None
    if ctx.expectations:
        expectations = ExpectationsResult(
            implementation=ctx.expectations.implementation,
            file=ctx.expectations.path,
            result=result_of(clauses, deviations_pass=True),
            no_longer_failing=tuple(
                c.id for c in clauses if c.deviation and not c.deviation.still_fails
            ),
        )
    return Report(
        format=FORMAT,
        implementation=ctx.implementation,
        target=ctx.target,
        operation=OPERATION,
        suite_version=ctx.suite_version,
        contract_version=CONTRACT_VERSION,
        profile=ctx.profile,
        hypothesis=Hypothesis(ctx.hypothesis_seed, ctx.derandomized),
        date=ctx.date,
        requests=ctx.requests,
        command=ctx.command,
        result=result_of(clauses, deviations_pass=False),
        expectations=expectations,
        statistics=_run_stats(clauses),
        clauses=tuple(clauses),
    )
