"""How a run ends: its exit status, and the last lines it prints.

| status | meaning |
| --- | --- |
| 0 | the result meets the bar `--fail-on` sets (by default: success); with
      --expectations, the result against the declared deviations; with --clause, the
      result on the clauses asked for (the last line says which result it judged) |
| 1 | the result is below that bar |
| 2 | interrupted (Ctrl-C), clean-up done |
| 3 | the suite itself broke (a test errored for a reason not the target's) |
| 4 | configuration error: a bad option, wrong credentials or base URL, an unreachable
      target, no call to record; nothing was judged |
| 6 | clean-up incomplete: a recording or call the suite started may still be running
      (on a live account, money); overrides every other status but 4 |
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from contract.terms import CLAUSE, Severity
from reports.report import Report, Result, Statistics, Verdict
from reports.templating import unjudged
from reports.verdicts import FIRST_LOOK_ALONE, result_of


class ExitStatus(IntEnum):
    OK = 0
    BELOW_BAR = 1
    INTERRUPTED = 2
    SUITE_BROKE = 3
    CONFIGURATION_ERROR = 4
    CLEANUP_INCOMPLETE = 6


class FailOn(StrEnum):
    """The bar a run's result must meet for exit status 0."""

    PARTIAL = "partial"  # anything but success fails the run (the default)
    MUST = "must"  # only a MUST clause failing fails it (budgeted live runs are partial)
    NEVER = "never"  # report only: the result never fails the run


@dataclass(frozen=True)
class Judged:
    """The result the exit status holds to --fail-on, and what it is the result of."""

    result: Result
    of: str  # "the result", "the result against the declared expectations", ...

    def __str__(self) -> str:
        return f"{self.of} ({self.result})"


def judged_result(report: Report, asked: Sequence[str] = ()) -> Judged:
    """With declared expectations, the run is held to them (the CI use of a vendor's file);
    with --clause, to the clauses asked for alone: the others were not tested on purpose."""
    expected = report.expectations is not None
    if asked:
        clauses = [c for c in report.clauses if c.id in set(asked)]
        against = " against the declared expectations" if expected else ""
        of = f"the result on --clause {', '.join(sorted(set(asked)))}{against}"
        return Judged(result_of(clauses, deviations_pass=expected), of)
    if report.expectations is not None:
        return Judged(report.expectations.result, "the result against the declared expectations")
    return Judged(report.result, "the result")


def exit_status(
    report: Report,
    fail_on: str,
    left: list[str],
    pytest_status: int,
    broke: bool,
    asked: Sequence[str] = (),
) -> ExitStatus:
    if left:
        return ExitStatus.CLEANUP_INCOMPLETE
    if pytest_status == ExitStatus.INTERRUPTED:
        return ExitStatus.INTERRUPTED
    if broke or pytest_status == ExitStatus.SUITE_BROKE:
        return ExitStatus.SUITE_BROKE
    result, bar = judged_result(report, asked).result, FailOn(fail_on)
    below = (bar is FailOn.PARTIAL and result is not Result.SUCCESS) or (
        bar is FailOn.MUST and result is Result.FAILURE
    )
    return ExitStatus.BELOW_BAR if below else ExitStatus.OK


def _many(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def _score(stats: Statistics) -> str:
    unjudged = stats.testable - stats.tested
    if not stats.tested:
        return f"none of {stats.testable} judged" if stats.testable else "none tested"
    passed = f"{stats.passed}/{stats.tested} passed"
    return f"{passed} ({unjudged} of {stats.testable} not judged)" if unjudged else passed


def closing_lines(
    report: Report,
    left: list[str],
    status: ExitStatus,
    fail_on: str,
    paths: list[str],
    asked: Sequence[str] = (),
) -> list[str]:
    stats = report.statistics
    by = stats.by_severity
    lines = [
        f"result: {report.result} (MUST {_score(by[Severity.MUST])}, "
        f"SHOULD {_score(by[Severity.SHOULD])}; {stats.fail} failed, {stats.inconclusive} "
        f"inconclusive, {stats.not_tested} not tested, "
        f"{_many(stats.expected_deviation, 'expected deviation')})",
    ]
    alone = sum(1 for c in report.clauses if c.note == FIRST_LOOK_ALONE)
    if alone:
        lines.append(
            f"{alone} of the passes rest on the first look alone: the run ended before "
            "the whole judged them (partial evidence)"
        )
    why = unjudged(report)
    if why:
        lines.append(f"not judged, and why: {why}")
    # Clauses only what the user has can judge (the signing key), not tested without it.
    lines += [
        f"{c.id}: not tested: {c.note}"
        for c in report.clauses
        if c.verdict is Verdict.NOT_TESTED and not c.testable and CLAUSE[c.id].testable
    ]
    if report.expectations:
        lines.append(f"against the declared expectations: {report.expectations.result}")
    judged = judged_result(report, asked)
    if asked:
        lines.append(f"on the clauses asked for (--clause): {judged.result}")
    lines.append(
        f"clean-up: INCOMPLETE, {len(left)} left running (listed above): act on them"
        if left
        else "clean-up: complete"
    )
    lines.append("reports: " + ", ".join(paths))
    why = {
        ExitStatus.OK: f"{judged} meets --fail-on {fail_on}",
        ExitStatus.BELOW_BAR: f"{judged} is below --fail-on {fail_on}",
        ExitStatus.INTERRUPTED: f"interrupted, so {judged} is not held to --fail-on",
        ExitStatus.SUITE_BROKE: f"the suite itself broke (see the errors above), whatever "
        f"{judged} is",
        ExitStatus.CLEANUP_INCOMPLETE: f"clean-up incomplete, whatever {judged} and --fail-on say",
    }[status]
    lines.append(f"exit status {int(status)}: {why}")
    return lines
