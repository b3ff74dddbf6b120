"""The one Jinja2 environment of the HTML reports (templates in reports/templates/):
every value is escaped unless a template marks it safe, and an undefined name is an
error, not an empty string, so a renamed field cannot silently drop from a report.

Jinja2 rather than f-strings: the pages hold markup, CSS and SVG together, and a
template keeps their structure readable and escapes by default where an f-string
must remember to. It costs nothing to install: pytest-html depends on it."""

from __future__ import annotations

import re
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

from reports.report import Report, Result, Statistics, Verdict
from reports.verdicts import FIRST_LOOK_ALONE

TEMPLATES = Path(__file__).with_name("templates")

# Shared by the run's report and the comparison.
VERDICT_COLOURS = {
    Verdict.PASS: "#1a7f37",
    Verdict.FAIL: "#cf222e",
    Verdict.INCONCLUSIVE: "#9a6700",
    Verdict.NOT_TESTED: "#6e7781",
    Verdict.EXPECTED_DEVIATION: "#8250df",
}
RESULT_COLOURS = {
    Result.SUCCESS: VERDICT_COLOURS[Verdict.PASS],
    Result.PARTIAL: VERDICT_COLOURS[Verdict.INCONCLUSIVE],
    Result.FAILURE: VERDICT_COLOURS[Verdict.FAIL],
}


def score(stats: Statistics, none: str = "-") -> str:
    """passed/tested, and how many testable clauses were not judged: a budgeted run's
    42/42 is not a complete one's."""
    unjudged = stats.testable - stats.tested
    if stats.score is None:
        return f"none of {stats.testable} judged" if stats.testable else none
    judged = f"{stats.passed}/{stats.tested} ({stats.score:.0%})"
    return f"{judged}, {unjudged} of {stats.testable} not judged" if unjudged else judged


def _reason(note: str) -> str:
    """A clause's note cut to its reason: the budget, once, for all it stopped."""
    budget = re.search(r"the request budget of \d+ is spent", note)
    if budget:
        return budget.group(0)
    return re.split(r" \(|; ", note, maxsplit=1)[0] or "nothing judged"


def unjudged(report: Report) -> str:
    """Why testable clauses were not judged (or, passed on the first look alone, not
    wholly), each reason once with how many it stopped ("" when all were judged)."""
    reasons = Counter(
        _reason(c.note) if c.note != FIRST_LOOK_ALONE else "passed on the first look alone"
        for c in report.clauses
        if c.testable
        and (c.verdict in (Verdict.INCONCLUSIVE, Verdict.NOT_TESTED) or c.note == FIRST_LOOK_ALONE)
    )
    return "; ".join(f"{n} clause{'s' if n > 1 else ''}: {why}" for why, n in reasons.most_common())


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["score"] = score
    env.filters["unjudged"] = unjudged
    env.globals["verdict_colours"] = {str(v): c for v, c in VERDICT_COLOURS.items()}
    env.globals["result_colours"] = {str(r): c for r, c in RESULT_COLOURS.items()}
    return env


def render(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)
