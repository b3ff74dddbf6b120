"""Compare implementations: several conformance.json files in one matrix, clauses down
and implementations across, verdicts coloured, each failure linked to its evidence,
and the picture of verdicts per family the run's own report draws (reports/chart.py).

    python -m reports.compare A/conformance.json B/conformance.json ... [--out DIR]

Writes DIR/comparison.html (self-contained) and DIR/comparison.md. Reports of
different contract versions do not compare: that stops with one line.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from reports.chart import family_chart
from reports.report import ClauseVerdict, Report, Verdict
from reports.schema import UnreadableReport, load_report
from reports.templating import render, score


class CompareError(Exception):
    """A report that cannot be compared: one line for the user."""


def load_reports(paths: list[Path]) -> list[Report]:
    try:
        reports = [load_report(path) for path in paths]
    except UnreadableReport as exc:
        raise CompareError(str(exc)) from None
    versions = {r.contract_version for r in reports}
    if len(versions) > 1:
        raise CompareError(
            "the reports judge different contract versions ("
            + ", ".join(f"{p}: {r.contract_version}" for p, r in zip(paths, reports, strict=True))
            + "); compare reports of one version only"
        )
    return reports


def _by_id(reports: list[Report]) -> list[dict[str, ClauseVerdict]]:
    return [{c.id: c for c in r.clauses} for r in reports]


def _names(reports: list[Report]) -> list[str]:
    """Column titles, made unique where two reports name the same implementation."""
    names = [r.name for r in reports]
    return [f"{n} ({i + 1})" if names.count(n) > 1 else n for i, n in enumerate(names)]


def comparison_html(reports: list[Report]) -> str:
    names = _names(reports)
    return render(
        "comparison.html.j2",
        reports=reports,
        names=names,
        by_id=_by_id(reports),
        chart=family_chart([r.statistics.by_family for r in reports], names),
    )


def comparison_markdown(reports: list[Report]) -> str:
    names = _names(reports)
    lines = [
        "# Create a Recording: conformance comparison",
        "",
        f"Contract version {reports[0].contract_version}.",
        "",
        "| implementation | result | score |",
        "| --- | --- | --- |",
    ]
    lines += [
        f"| {n} | **{r.result}** | {score(r.statistics)} |"
        for n, r in zip(names, reports, strict=True)
    ]
    lines += ["", "| family | " + " | ".join(names) + " |", "| --- |" + " --- |" * len(names)]
    for family in reports[0].statistics.by_family:
        found = [r.statistics.by_family.get(family) for r in reports]
        scores = [score(s) if s is not None else "-" for s in found]
        lines.append(f"| {family} | " + " | ".join(scores) + " |")
    lines += ["", "| clause | severity | " + " | ".join(names) + " |"]
    lines += ["| --- | --- |" + " --- |" * len(names)]
    for clause in reports[0].clauses:
        verdicts = []
        for clauses in _by_id(reports):
            verdict = str(clauses[clause.id].verdict) if clause.id in clauses else "-"
            verdicts.append(f"**{verdict}**" if verdict == Verdict.FAIL else verdict)
        lines.append(f"| `{clause.id}` | {clause.severity} | " + " | ".join(verdicts) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reports.compare",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "reports", nargs="+", type=Path, help="conformance.json files (two or more)"
    )
    parser.add_argument("--out", type=Path, default=Path("reports/out/comparison"))
    args = parser.parse_args(argv)
    if len(args.reports) < 2:
        parser.error("give two reports or more: one run's own conformance.html shows it alone")
    try:
        reports = load_reports(args.reports)
    except CompareError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "comparison.html").write_text(comparison_html(reports))
    (args.out / "comparison.md").write_text(comparison_markdown(reports))
    print(f"compared {len(reports)} reports: {args.out}/comparison.html and comparison.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
