"""How a run ends: its exit status, and the last lines it prints.

| status | meaning |
| --- | --- |
| 0 | the result meets the bar `--fail-on` sets (by default: success); with
      --expectations, the result against the declared deviations |
| 1 | the result is below that bar |
| 2 | interrupted (Ctrl-C), clean-up done |
| 3 | the suite itself broke (a test errored for a reason not the target's) |
| 4 | configuration error: a bad option, wrong credentials or base URL, an unreachable
      target, no call to record; nothing was judged |
| 6 | clean-up incomplete: a recording or call the suite started may still be running
      (on a live account, money); overrides every other status but 4 |
"""

from __future__ import annotations

from enum import IntEnum, StrEnum

from contract.terms import CLAUSE, Severity
from reports.report import Report, Result, Statistics, Verdict


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


def exit_status(
    report: Report, fail_on: str, left: list[str], pytest_status: int, broke: bool
) -> ExitStatus:
    if left:
        return ExitStatus.CLEANUP_INCOMPLETE
    if pytest_status == ExitStatus.INTERRUPTED:
        return ExitStatus.INTERRUPTED
    if broke or pytest_status == ExitStatus.SUITE_BROKE:
        return ExitStatus.SUITE_BROKE
    # With declared expectations, the run is held to them (the CI use of a vendor's file).
    result, bar = (report.expectations or report).result, FailOn(fail_on)
    below = (bar is FailOn.PARTIAL and result is not Result.SUCCESS) or (
        bar is FailOn.MUST and result is Result.FAILURE
    )
    return ExitStatus.BELOW_BAR if below else ExitStatus.OK


def _score(stats: Statistics) -> str:
    return f"{stats.passed}/{stats.tested} passed" if stats.tested else "none tested"


def closing_lines(
    report: Report, left: list[str], status: ExitStatus, fail_on: str, paths: list[str]
) -> list[str]:
    stats = report.statistics
    by = stats.by_severity
    lines = [
        f"result: {report.result} (MUST {_score(by[Severity.MUST])}, "
        f"SHOULD {_score(by[Severity.SHOULD])}; {stats.fail} failed, {stats.inconclusive} "
        f"inconclusive, {stats.not_tested} not tested, {stats.expected_deviation} expected "
        "deviations)",
    ]
    # Clauses only what the user has can judge (the signing key), not tested without it.
    lines += [
        f"{c.id}: not tested: {c.note}"
        for c in report.clauses
        if c.verdict is Verdict.NOT_TESTED and not c.testable and CLAUSE[c.id].testable
    ]
    if report.expectations:
        lines.append(f"against the declared expectations: {report.expectations.result}")
    lines.append(
        f"clean-up: INCOMPLETE, {len(left)} left running (listed above): act on them"
        if left
        else "clean-up: complete"
    )
    lines.append("reports: " + ", ".join(paths))
    why = {
        ExitStatus.OK: f"the result meets --fail-on {fail_on}",
        ExitStatus.BELOW_BAR: f"the result is below --fail-on {fail_on}",
        ExitStatus.INTERRUPTED: "interrupted",
        ExitStatus.SUITE_BROKE: "the suite itself broke (see the errors above)",
        ExitStatus.CLEANUP_INCOMPLETE: "clean-up incomplete",
    }[status]
    lines.append(f"exit status {int(status)}: {why}")
    return lines
