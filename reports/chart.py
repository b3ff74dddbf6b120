"""The picture of verdicts per family, one implementation for the run's report (one
bar per family) and the comparison (one bar per family and implementation): the
geometry here, the drawing in templates/chart.svg.j2.

A bar spans a family's tested clauses, split into passed, expected deviations and
failed, so its green share is the family's score. A family none of whose clauses was
judged has no score: it is drawn as a dashed "no data" box, never as a 0% bar, which
would read as every clause failed."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from contract.terms import Family
from reports.report import Statistics, Verdict

TESTED = (Verdict.PASS, Verdict.EXPECTED_DEVIATION, Verdict.FAIL)  # left to right
UNTESTED = (Verdict.INCONCLUSIVE, Verdict.NOT_TESTED)
LABEL_WIDTH, BAR_WIDTH, TEXT_WIDTH = 180, 260, 300
ROW, HEADING = 22, 20
LABEL_CHARS = 26


@dataclass(frozen=True)
class Segment:
    verdict: str
    count: int
    x: float
    width: float


@dataclass(frozen=True)
class Bar:
    family: str
    implementation: str  # in full; the label may be shortened
    label: str
    y: int
    segments: tuple[Segment, ...]
    score: float | None
    text: str  # beside the bar: the score and what was not judged

    @property
    def no_data(self) -> bool:
        return self.score is None


@dataclass(frozen=True)
class Heading:
    text: str
    y: int


@dataclass(frozen=True)
class FamilyChart:
    headings: tuple[Heading, ...]
    bars: tuple[Bar, ...]
    height: int
    label_width: int = LABEL_WIDTH
    bar_width: int = BAR_WIDTH
    row: int = ROW

    @property
    def width(self) -> int:
        return self.label_width + self.bar_width + TEXT_WIDTH


def _bar(family: str, name: str, label: str, y: int, stats: Statistics | None) -> Bar:
    # A family the report does not have (another contract's catalog) is no data too.
    if stats is None:
        stats = Statistics(0, 0, 0, 0, 0, 0, 0, 0, score=None)
    untested = ", ".join(
        f"{stats.count(v)} {v.value.replace('-', ' ')}" for v in UNTESTED if stats.count(v)
    )
    if stats.score is None:
        return Bar(family, name, label, y, (), None, f"not judged: {untested or 'no clauses'}")
    segments, x = [], float(LABEL_WIDTH)
    for verdict in TESTED:
        count = stats.count(verdict)
        if count:
            width = BAR_WIDTH * count / stats.tested
            segments.append(Segment(str(verdict), count, round(x, 2), round(width, 2)))
            x += width
    text = f"{stats.passed}/{stats.tested} passed ({stats.score:.0%})"
    text += f"; {untested}" if untested else ""
    return Bar(family, name, label, y, tuple(segments), stats.score, text)


def _short(number: int, name: str) -> str:
    """Numbered as in the comparison's results table; shortened in the middle, where
    names of one implementation's versions or faults differ least."""
    label = f"{number}. {name}"
    if len(label) <= LABEL_CHARS:
        return label
    # Cut between words (after a space or a hyphen), never inside one, where it can:
    # the longest head and tail that fit, the most even of those.
    pieces = re.split(r"(?<=[ -])", label)
    fits = [
        (len("".join(pieces[:i] + pieces[j:])), -abs(i - (len(pieces) - j)), i, j)
        for i in range(1, len(pieces))
        for j in range(i + 1, len(pieces))
        if len("".join(pieces[:i] + pieces[j:])) <= LABEL_CHARS - 1
    ]
    if not fits:  # a word longer than the label: cut it, there is no other way
        half = LABEL_CHARS // 2 - 1
        return label[:half] + "…" + label[-(LABEL_CHARS - half - 1) :]
    _, _, i, j = max(fits)
    return "".join(pieces[:i]).rstrip() + "…" + "".join(pieces[j:]).lstrip()


def family_chart(by_family: list[Mapping[Family, Statistics]], names: list[str]) -> FamilyChart:
    """One bar per family for one report (its statistics by family); per family, a
    heading and one bar per implementation for several (families in the first's order)."""
    families = list(dict.fromkeys(f for stats in by_family for f in stats))
    headings, bars, y = [], [], 0
    for family in families:
        if len(by_family) > 1:
            headings.append(Heading(family, y))
            y += HEADING
        for number, (report, name) in enumerate(zip(by_family, names, strict=True), 1):
            stats = report.get(family)
            label = family if len(by_family) == 1 else _short(number, name)
            bars.append(_bar(family, name, label, y, stats))
            y += ROW
    return FamilyChart(tuple(headings), tuple(bars), y + 4)
