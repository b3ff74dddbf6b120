"""Compare implementations: several conformance.json files in one matrix, clauses down
and implementations across, verdicts coloured, each failure linked to its evidence,
and a chart of the score per family.

    python -m reports.compare A/conformance.json B/conformance.json ... [--out DIR]

Writes DIR/comparison.html (self-contained) and DIR/comparison.md. Reports of
different contract versions do not compare: that stops with one line.
"""

from __future__ import annotations

import argparse
import json
import sys
from html import escape
from pathlib import Path
from typing import Any

from reports.render import COLOURS, STYLE, badge, implementation_name, score
from reports.schema import report_errors
from reports.verdicts import Verdict


class CompareError(Exception):
    """A report that cannot be compared: one line for the user."""


def load_reports(paths: list[Path]) -> list[dict[str, Any]]:
    reports = []
    for path in paths:
        try:
            report = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise CompareError(f"{path}: not a readable JSON report ({exc})") from None
        errors = report_errors(report)
        if errors:
            raise CompareError(f"{path}: not a conformance report: {errors[0]}")
        reports.append(report)
    versions = {r["contract_version"] for r in reports}
    if len(versions) > 1:
        raise CompareError(
            "the reports judge different contract versions ("
            + ", ".join(
                f"{p}: {r['contract_version']}" for p, r in zip(paths, reports, strict=True)
            )
            + "); compare reports of one version only"
        )
    return reports


def _by_id(reports: list[dict[str, Any]]) -> list[dict[str, dict[str, Any]]]:
    return [{c["id"]: c for c in r["clauses"]} for r in reports]


def _names(reports: list[dict[str, Any]]) -> list[str]:
    """Column titles, made unique where two reports name the same implementation."""
    names = [implementation_name(r) for r in reports]
    return [f"{n} ({i + 1})" if names.count(n) > 1 else n for i, n in enumerate(names)]


def _chart(reports: list[dict[str, Any]], names: list[str]) -> str:
    """Grouped bars: per family, each implementation's share of tested clauses passed."""
    families = list(reports[0]["statistics"]["by_family"])
    palette = ["#0969da", "#bf3989", "#1a7f37", "#9a6700", "#8250df", "#cf222e"]
    bar, gap, height = 14, 18, 120
    group = bar * len(reports) + gap
    width = 40 + group * len(families)
    parts = [
        f'<svg id="family-chart" xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height + 90}" role="img" aria-label="score per family">'
    ]
    for f_index, family in enumerate(families):
        x0 = 40 + f_index * group
        for r_index, report in enumerate(reports):
            s = (report["statistics"]["by_family"].get(family) or {}).get("score") or 0
            h = round(s * height)
            x = x0 + r_index * bar
            parts.append(
                f'<rect x="{x}" y="{10 + height - h}" width="{bar - 2}" height="{h}" '
                f'fill="{palette[r_index % len(palette)]}"><title>{escape(names[r_index])}: '
                f"{family} {s:.0%}</title></rect>"
            )
        parts.append(
            f'<text x="{x0}" y="{height + 24}" font-size="11" '
            f'transform="rotate(30 {x0} {height + 24})">{escape(family)}</text>'
        )
    parts += [
        f'<text x="0" y="{10 + height}" font-size="10">0%</text>',
        '<text x="0" y="16" font-size="10">100%</text>',
        "</svg>",
    ]
    legend = " ".join(
        f'<span style="color:{palette[i % len(palette)]}">&#9632;</span> {escape(n)}'
        for i, n in enumerate(names)
    )
    return "".join(parts) + f"<p>{legend}</p>"


def comparison_html(reports: list[dict[str, Any]]) -> str:
    names = _names(reports)
    head = "".join(f"<th>{escape(n)}</th>" for n in names)
    rows = []
    by_id = _by_id(reports)
    for clause in reports[0]["clauses"]:
        cells = []
        for r_index, clauses in enumerate(by_id):
            entry = clauses.get(clause["id"])
            if entry is None:
                cells.append("<td>-</td>")
                continue
            cell = badge(entry["verdict"])
            if entry["evidence"]:
                cell = f'<a href="#ev-{r_index}-{entry["id"]}">{cell}</a>'
            cells.append(f"<td>{cell}</td>")
        rows.append(
            f"<tr><td>{clause['id']}</td><td>{clause['severity']}</td>"
            f"<td>{clause['family']}</td>{''.join(cells)}</tr>"
        )
    results = "".join(
        f"<tr><td>{escape(n)}</td><td><b>{r['result']}</b></td>"
        f"<td>{score(r['statistics'])}</td><td>{escape(r['target'])}</td>"
        f"<td>{escape(r['date'])}</td></tr>"
        for n, r in zip(names, reports, strict=True)
    )
    evidence = []
    for r_index, report in enumerate(reports):
        for clause in report["clauses"]:
            for ev in clause["evidence"][:1]:
                evidence.append(
                    f'<div id="ev-{r_index}-{clause["id"]}"><h3>{escape(names[r_index])}: '
                    f"{clause['id']} {badge(clause['verdict'])}</h3>"
                    f"<p>contract: {escape(clause['sentence'])}</p>"
                    f"<p>expected: {escape(ev['expected'])}<br>actual: {escape(ev['actual'])}</p>"
                    + (
                        f"<pre>{escape(ev['reproduce']['request'])}</pre>"
                        if ev["reproduce"]["request"]
                        else ""
                    )
                    + "</div>"
                )
    legend = " ".join(badge(v) for v in COLOURS)
    return (
        "<!DOCTYPE html><html><head><meta charset='utf-8'>"
        "<title>Create a Recording: conformance comparison</title>"
        f"{STYLE}</head><body class='rc'><div class='rc'>"
        f"<h1>Create a Recording: conformance comparison</h1>"
        f"<p>Contract version {reports[0]['contract_version']} of "
        f"<code>{escape(reports[0]['operation'])}</code>. {legend}</p>"
        "<table id='results'><tr><th>implementation</th><th>result</th><th>score</th>"
        f"<th>target</th><th>date</th></tr>{results}</table>"
        f"<h2>Score per family</h2>{_chart(reports, names)}"
        f"<h2>Clauses</h2><table id='matrix'><tr><th>clause</th><th>severity</th>"
        f"<th>family</th>{head}</tr>{''.join(rows)}</table>"
        + ("<h2>Evidence</h2>" + "".join(evidence) if evidence else "")
        + "</div></body></html>"
    )


def comparison_markdown(reports: list[dict[str, Any]]) -> str:
    names = _names(reports)
    lines = [
        "# Create a Recording: conformance comparison",
        "",
        f"Contract version {reports[0]['contract_version']}.",
        "",
        "| implementation | result | score |",
        "| --- | --- | --- |",
    ]
    lines += [
        f"| {n} | **{r['result']}** | {score(r['statistics'])} |"
        for n, r in zip(names, reports, strict=True)
    ]
    lines += ["", "| family | " + " | ".join(names) + " |", "| --- |" + " --- |" * len(names)]
    for family in reports[0]["statistics"]["by_family"]:
        scores = [
            score(r["statistics"]["by_family"][family])
            if family in r["statistics"]["by_family"]
            else "-"
            for r in reports
        ]
        lines.append(f"| {family} | " + " | ".join(scores) + " |")
    lines += ["", "| clause | severity | " + " | ".join(names) + " |"]
    lines += ["| --- | --- |" + " --- |" * len(names)]
    for clause in reports[0]["clauses"]:
        verdicts = []
        for clauses in _by_id(reports):
            verdict = clauses[clause["id"]]["verdict"] if clause["id"] in clauses else "-"
            verdicts.append(f"**{verdict}**" if verdict == Verdict.FAIL else verdict)
        lines.append(f"| `{clause['id']}` | {clause['severity']} | " + " | ".join(verdicts) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reports.compare",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("reports", nargs="+", type=Path, help="conformance.json files")
    parser.add_argument("--out", type=Path, default=Path("reports/out/comparison"))
    args = parser.parse_args(argv)
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
