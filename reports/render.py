"""Renderings of one conformance report: the summary, clause table and evidence that
head the HTML report, and a Markdown summary for a README or a pull request."""

from __future__ import annotations

from html import escape
from typing import Any

from reports.verdicts import Verdict

# Verdict colours, shared with the comparison matrix.
COLOURS = {
    Verdict.PASS: "#1a7f37",
    Verdict.FAIL: "#cf222e",
    Verdict.INCONCLUSIVE: "#9a6700",
    Verdict.NOT_TESTED: "#6e7781",
    Verdict.EXPECTED_DEVIATION: "#8250df",
}
STYLE = (
    "<style>.rc table{border-collapse:collapse;margin:.5em 0}"
    ".rc th,.rc td{border:1px solid #d0d7de;padding:3px 8px;text-align:left;vertical-align:top}"
    ".rc .verdict{font-weight:bold;color:#fff;border-radius:3px;padding:0 6px;white-space:nowrap}"
    ".rc pre{white-space:pre-wrap;background:#f6f8fa;padding:6px;margin:2px 0}</style>"
)


def implementation_name(report: dict[str, Any]) -> str:
    impl = report["implementation"]
    name = " ".join(x for x in (impl.get("project"), impl.get("version")) if x)
    return name or report["target"]


def score(stats: dict[str, Any]) -> str:
    if stats["score"] is None:
        return "-"
    return f"{stats['pass']}/{stats['tested']} ({stats['score']:.0%})"


def badge(verdict: str) -> str:
    colour = COLOURS[Verdict(verdict)]
    return f'<span class="verdict" style="background:{colour}">{escape(verdict)}</span>'


def _stats_rows(title: str, groups: dict[str, dict[str, Any]]) -> str:
    head = (
        f"<tr><th>{title}</th><th>score (passed/tested)</th><th>fail</th>"
        "<th>expected deviation</th><th>inconclusive</th><th>not tested</th></tr>"
    )
    rows = "".join(
        f"<tr><td>{escape(name)}</td><td>{score(s)}</td><td>{s['fail']}</td>"
        f"<td>{s['expected_deviation']}</td><td>{s['inconclusive']}</td>"
        f"<td>{s['not_tested']}</td></tr>"
        for name, s in groups.items()
    )
    return f"<table>{head}{rows}</table>"


def _evidence_html(clause: dict[str, Any]) -> str:
    items = []
    for ev in clause["evidence"]:
        response = ev["response"] or {}
        items.append(
            f"<p>expected: {escape(ev['expected'])}<br>actual: {escape(ev['actual'])}</p>"
            + (
                f"<pre>{escape(ev['request']['method'])} {escape(ev['request']['url'])}\n"
                f"form: {escape(str(ev['request']['form']))}</pre>"
                if ev["request"]
                else ""
            )
            + (
                f"<pre>HTTP {response['status']} ({escape(response['content_type'])})\n"
                f"{escape(response['body'])}</pre>"
                if response
                else ""
            )
            + (
                f"<p>reproduce the request:</p><pre>{escape(ev['reproduce']['request'])}</pre>"
                if ev["reproduce"]["request"]
                else ""
            )
            + f"<p>reproduce the check:</p><pre>{escape(ev['reproduce']['check'])}</pre>"
        )
    deviation = clause["deviation"]
    declared = (
        f"<p>declared deviation: {escape(deviation['reason'])} "
        f'(<a href="{escape(deviation["link"])}">{escape(deviation["link"])}</a>)</p>'
        if deviation
        else ""
    )
    return (
        f'<div class="evidence" id="evidence-{clause["id"]}">'
        f"<h3>{clause['id']} {badge(clause['verdict'])}</h3>"
        f"<p>contract: {escape(clause['sentence'])}</p>{declared}{''.join(items)}</div>"
    )


def html_summary(report: dict[str, Any]) -> str:
    """Summary, clause table and evidence: readable without the suite's source."""
    stats = report["statistics"]
    expectations = report["expectations"]
    against = (
        f"<p>Against the declared expectations of {escape(expectations['implementation'])}: "
        f"<b>{expectations['result']}</b>"
        + (
            "; declared deviations that no longer fail: "
            + ", ".join(expectations["no_longer_failing"])
            if expectations["no_longer_failing"]
            else ""
        )
        + "</p>"
        if expectations
        else ""
    )
    clause_rows = "".join(
        f'<tr id="clause-{c["id"]}"><td>'
        + (f'<a href="#evidence-{c["id"]}">{c["id"]}</a>' if c["evidence"] else c["id"])
        + f"</td><td>{c['family']}</td><td>{c['severity']}</td><td>{badge(c['verdict'])}</td>"
        f"<td>{c['judged']}</td><td>{escape(c['sentence'])}</td><td>{escape(c['note'])}</td></tr>"
        for c in report["clauses"]
    )
    failures = [c for c in report["clauses"] if c["evidence"]]
    return (
        f'{STYLE}<div class="rc" id="conformance-summary">'
        f"<h2>Conformance of {escape(implementation_name(report))}</h2>"
        f"<p>Result against the contract (version {report['contract_version']}): "
        f"<b>{report['result']}</b>. Clauses tested {stats['tested']} of {stats['testable']} "
        f"testable ({stats['clauses']} in all); passed {stats['pass']}. "
        f"Target {escape(report['target'])}, {report['requests']} requests, "
        f"profile {escape(report['profile'])}, {escape(report['date'])}.</p>{against}"
        f"<p>Reproduce the run: <code>{escape(report['command'])}</code></p>"
        + _stats_rows("severity", stats["by_severity"])
        + _stats_rows("family", stats["by_family"])
        + '<h2>Clauses</h2><table id="clause-table"><tr><th>clause</th><th>family</th>'
        "<th>severity</th><th>verdict</th><th>judged</th><th>the contract says</th>"
        "<th>note</th></tr>"
        + clause_rows
        + "</table>"
        + ("<h2>Evidence</h2>" + "".join(_evidence_html(c) for c in failures) if failures else "")
        + "</div>"
    )


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(report: dict[str, Any]) -> str:
    stats = report["statistics"]
    lines = [
        f"# Conformance of {implementation_name(report)}",
        "",
        f"**{report['result']}** against the contract (version {report['contract_version']}) "
        f"of `{report['operation']}`: {stats['tested']} of {stats['testable']} testable clauses "
        f"tested, {stats['pass']} passed, {stats['fail']} failed, "
        f"{stats['expected_deviation']} expected deviations, {stats['inconclusive']} "
        f"inconclusive. {report['requests']} requests to `{report['target']}` on "
        f"{report['date']} (suite {report['suite_version']}, profile {report['profile']}).",
        "",
    ]
    if report["expectations"]:
        e = report["expectations"]
        lines += [
            f"Against the declared expectations of {e['implementation']}: **{e['result']}**"
            + (
                f" (no longer failing: {', '.join(e['no_longer_failing'])})"
                if e["no_longer_failing"]
                else ""
            )
            + ".",
            "",
        ]
    lines += ["| | score | fail | inconclusive | not tested |", "| --- | --- | --- | --- | --- |"]
    groups = {**stats["by_severity"], **stats["by_family"]}
    lines += [
        f"| {name} | {score(s)} | {s['fail']} | {s['inconclusive']} | {s['not_tested']} |"
        for name, s in groups.items()
    ]
    lines += [
        "",
        "| clause | severity | verdict | judged | the contract says |",
        "| --- | --- | --- | --- | --- |",
    ]
    lines += [
        f"| `{c['id']}` | {c['severity']} | {c['verdict']} | {c['judged']} | {_md(c['sentence'])} |"
        for c in report["clauses"]
    ]
    failing = [c for c in report["clauses"] if c["evidence"]]
    if failing:
        lines += ["", "## Failures"]
    for c in failing:
        ev = c["evidence"][0]
        lines += [
            "",
            f"### `{c['id']}` ({c['verdict']})",
            f"- expected: {_md(ev['expected'])}",
            f"- actual: {_md(ev['actual'])}",
        ]
        if ev["reproduce"]["request"]:
            lines += ["", "```sh", ev["reproduce"]["request"], "```"]
    lines += ["", f"Reproduce the run: `{report['command']}`", ""]
    return "\n".join(lines)
