"""Renderings of one conformance report: the banner, picture, clause table and evidence
that head the HTML report, and a Markdown summary for a README or a pull request."""

from __future__ import annotations

from reports.chart import family_chart
from reports.report import Report, Verdict
from reports.templating import render, score, unjudged
from reports.verdicts import FIRST_LOOK_ALONE


def html_summary(report: Report) -> str:
    """Banner, verdicts per family, clause table and evidence: readable without the
    suite's source (templates/summary.html.j2)."""
    chart = family_chart([report.statistics.by_family], [report.name])
    return render("summary.html.j2", report=report, chart=chart)


REPLAY_NOTE = (
    "The embedded emulator that answered ended with the run (its port, account and call "
    "were made up for it). To replay a curl below, start the same one first, in the same "
    "shell (faults, port, account, the call in progress; the token a throwaway both read "
    "from the environment):"
)


UNJUDGED = (Verdict.INCONCLUSIVE, Verdict.NOT_TESTED)


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(report: Report) -> str:
    stats = report.statistics
    lines = [
        f"# Conformance of {report.name}",
        "",
        f"**{report.result}** against the contract (version {report.contract_version}) "
        f"of `{report.operation}`: {stats.tested} of {stats.testable} testable clauses "
        f"tested, {stats.passed} passed, {stats.fail} failed, "
        f"{stats.expected_deviation} expected deviation{_s(stats.expected_deviation)}, "
        f"{stats.inconclusive} "
        f"inconclusive. {report.requests} requests to `{report.target}` on "
        f"{report.date} (suite {report.suite_version}, profile {report.profile}).",
        "",
    ]
    why = unjudged(report)
    if why:
        lines += [f"Not judged, and why: {why}; each clause's note below says more.", ""]
    e = report.expectations
    if e:
        lines += [
            f"Against the declared expectations of {e.implementation}: **{e.result}**"
            + (
                f" (no longer failing: {', '.join(e.no_longer_failing)})"
                if e.no_longer_failing
                else ""
            )
            + ".",
            "",
        ]
    lines += ["| | score | fail | inconclusive | not tested |", "| --- | --- | --- | --- | --- |"]
    groups = [*stats.by_severity.items(), *stats.by_family.items()]
    lines += [
        f"| {name} | {score(s)} | {s.fail} | {s.inconclusive} | {s.not_tested} |"
        for name, s in groups
    ]
    lines += [
        "",
        "| clause | severity | verdict | judged | the contract says | why not judged |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| `{c.id}` | {c.severity} | {c.verdict} | {c.judged} | {_md(c.sentence)} | "
        f"{_md(c.note) if c.verdict in UNJUDGED or c.note == FIRST_LOOK_ALONE else ''} |"
        for c in report.clauses
    ]
    failing = [c for c in report.clauses if c.evidence]
    if failing:
        lines += ["", "## Failures"]
    replay = next((e.reproduce.emulator for c in failing for e in c.evidence), None)
    if replay:  # the same lines for every curl of the run
        lines += ["", REPLAY_NOTE, "", "```sh", replay, "```"]
    for c in failing:
        ev = c.evidence[0]
        lines += [
            "",
            f"### `{c.id}` ({c.verdict})",
            f"- expected: {_md(ev.expected)}",
            f"- actual: {_md(ev.actual)}",
        ]
        if ev.reproduce.request:
            lines += ["", "```sh", ev.reproduce.request, "```"]
    lines += ["", f"Reproduce the run: `{report.command}`", ""]
    return "\n".join(lines)
