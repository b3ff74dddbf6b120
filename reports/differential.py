"""The differential report: how a candidate answered the requests of a reference run,
field by field (conformance/differential/ builds it). Written as differential.json
(versioned, validated against reports/differential.schema.json) and rendered as the head
of the Markdown and HTML reports: the fields that agree, differ or are noise per kind of
exchange, with a picture, then every difference with a curl that shows it.

It judges no clause: the contract's verdicts are the conformance report's alone."""

from __future__ import annotations

import html
import json
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import resources
from typing import Any

from jsonschema import Draft202012Validator

FORMAT = 1
SCHEMA_FILE = "differential.schema.json"
# What became of one field of one exchange.
AGREE, DIFFER, NOISE, ACCEPTED = "agree", "differ", "noise", "accepted"
OUTCOMES = (AGREE, NOISE, ACCEPTED, DIFFER)  # left to right in the picture
COLOURS = {AGREE: "#2e7d32", NOISE: "#9e9e9e", ACCEPTED: "#f9a825", DIFFER: "#c62828"}
# The run's result: nothing to say, a difference not accepted, or not all compared.
SAME, DIFFERENT, INCOMPLETE = "same", "different", "incomplete"


@dataclass
class Tally:
    agree: int = 0
    differ: int = 0
    noise: int = 0
    accepted: int = 0

    def add(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    @property
    def total(self) -> int:
        return self.agree + self.differ + self.noise + self.accepted


@dataclass
class Difference:
    kind: str  # of exchange: "POST /Accounts/{AccountSid}/... → 400", "status callback"
    field: str
    reference: str  # as JSON, or a word in angle brackets: <absent>
    candidate: str
    count: int  # exchanges of this kind where this field differs
    exchange: int  # the first one's index in the reference's order (from 0)
    curl: str  # the candidate's request of the first one, credentials from the environment
    accepted: str | None = None  # the reason the accepted-differences file gives


@dataclass
class DifferentialReport:
    references: list[str]
    candidate: str  # the target, as the run names it
    reference_requests: int
    candidate_requests: int
    exchanges: int  # the reference's, in its order
    compared: int  # of them sent to the candidate and compared
    not_compared: list[str] = field(default_factory=list)  # why each one was not
    by_kind: dict[str, Tally] = field(default_factory=dict)
    differences: list[Difference] = field(default_factory=list)
    noise: list[str] = field(default_factory=list)  # how noise was learned, in a few lines
    accepted_file: str | None = None
    # What ended the run before the reference's last request: Ctrl-C, or -x (None: nothing).
    stopped_by: str | None = None
    # The clean-up's lines (conformance/run/calls.py): what the run started on the candidate,
    # what it stopped and ended, and NOT CLEANED UP lines for what it could not.
    cleanup: list[str] = field(default_factory=list)
    # The shell lines that start the embedded emulator again, as the run had it (its port,
    # account, calls, faults and variants), for the curls to reach; None for another target.
    replay: str | None = None
    date: str = ""
    command: str = ""
    format: int = FORMAT

    @property
    def totals(self) -> Tally:
        total = Tally()
        for tally in self.by_kind.values():
            for outcome in OUTCOMES:
                setattr(total, outcome, getattr(total, outcome) + getattr(tally, outcome))
        return total

    @property
    def result(self) -> str:
        if any(d.accepted is None for d in self.differences):
            return DIFFERENT
        return INCOMPLETE if self.not_compared else SAME

    @property
    def headline(self) -> str:
        t = self.totals
        ways = sum(1 for d in self.differences if d.accepted is None)
        listed = f" (in {ways} difference{_s(ways)} not accepted)" if ways else ""
        return (
            f"{self.result}: {t.differ} field{_s(t.differ)} differ{listed}, {t.accepted} accepted, "
            f"{t.noise} noise, {t.agree} agree, over {self.compared} of {self.exchanges} "
            f"exchanges of the reference ({self.candidate_requests} requests sent, the "
            f"reference's run sent {self.reference_requests})"
        )


def _s(n: int) -> str:
    return "" if n == 1 else "s"


def report_json(report: DifferentialReport) -> dict[str, Any]:
    data = asdict(report)
    data["result"] = report.result
    data["totals"] = asdict(report.totals)
    return data


@cache
def _validator() -> Draft202012Validator:
    text = resources.files("reports").joinpath(SCHEMA_FILE).read_text()
    return Draft202012Validator(json.loads(text))


def report_errors(data: dict[str, Any]) -> list[str]:
    """Where differential.json breaks its schema (none: it is valid)."""
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in _validator().iter_errors(data)]


def write_json(report: DifferentialReport) -> str:
    return json.dumps(report_json(report), indent=2, ensure_ascii=False) + "\n"


# -- the picture --------------------------------------------------------------

LABEL_WIDTH, BAR_WIDTH, TEXT_WIDTH, ROW = 400, 260, 220, 22
LABEL_CHARS = 62


ACCOUNT_PREFIX = "/Accounts/{AccountSid}"  # in every path: left out of the picture's labels


def _label(kind: str) -> str:
    """A kind as short as it reads: without the account's prefix, and cut at its start
    (its end, the status, tells two kinds of one path apart)."""
    label = kind.replace(ACCOUNT_PREFIX, "", 1)
    return label if len(label) <= LABEL_CHARS else "…" + label[-(LABEL_CHARS - 1) :]


def chart(report: DifferentialReport) -> str:
    """One bar per kind of exchange, its fields split into agree, noise, accepted and
    differ (an SVG of its own, no script, readable without the page's styles)."""
    kinds = list(report.by_kind.items())
    height = ROW * (len(kinds) + 1) + 8
    width = LABEL_WIDTH + BAR_WIDTH + TEXT_WIDTH
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" '
        'font-size="12">',
        "<title>Fields per kind of exchange: agree, noise, accepted, differ</title>",
    ]
    for n, outcome in enumerate(OUTCOMES):  # the legend
        lx = LABEL_WIDTH + 80 * n
        parts.append(
            f'<rect x="{lx}" y="4" width="10" height="10" fill="{COLOURS[outcome]}"/>'
            f'<text x="{lx + 14}" y="13">{outcome}</text>'
        )
    for row, (kind, tally) in enumerate(kinds, start=1):
        y = ROW * row + 4
        label = _label(kind)
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + 13}" text-anchor="end">'
            f"<title>{html.escape(kind)}</title>{html.escape(label)}</text>"
        )
        x = float(LABEL_WIDTH)
        for outcome in OUTCOMES:
            count = getattr(tally, outcome)
            if not count:
                continue
            w = BAR_WIDTH * count / tally.total
            parts.append(
                f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="16" '
                f'fill="{COLOURS[outcome]}"><title>{count} {outcome}</title></rect>'
            )
            x += w
        parts.append(
            f'<text x="{LABEL_WIDTH + BAR_WIDTH + 6}" y="{y + 13}">'
            f"{tally.differ} differ, "
            + (f"{tally.accepted} accepted, " if tally.accepted else "")
            + f"{tally.noise} noise, {tally.agree} agree</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


# -- Markdown and HTML ---------------------------------------------------------


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _first_unaccepted(differences: list[Difference]) -> list[Difference]:
    """The differences that fail the run first, then the accepted ones (each in order)."""
    return sorted(differences, key=lambda d: d.accepted is not None)


def markdown(report: DifferentialReport) -> str:
    lines = [
        "# Differential conformance",
        "",
        f"**{report.headline}.** Candidate `{report.candidate}` against the reference "
        + ", ".join(f"`{r}`" for r in report.references)
        + f" on {report.date}.",
        "",
        "## Fields per kind of exchange",
        "",
        "| kind of exchange | agree | noise | accepted | differ |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {_md(k)} | {t.agree} | {t.noise} | {t.accepted} | {t.differ} |"
        for k, t in report.by_kind.items()
    ]
    lines += ["", "How noise was told from differences:", ""]
    lines += [*[f"- {line}" for line in report.noise], ""]
    if report.stopped_by:
        lines += [f"Stopped before the reference's last request: {_md(report.stopped_by)}.", ""]
    if report.cleanup:
        lines += ["Clean-up on the candidate:", "", *[f"- {_md(c)}" for c in report.cleanup], ""]
    if report.not_compared:
        lines += ["Not compared:", "", *[f"- {_md(w)}" for w in report.not_compared], ""]
    if report.differences:
        lines += [
            "## Differences",
            "",
            "| kind of exchange | field | reference | candidate | how often | accepted |",
            "| --- | --- | --- | --- | ---: | --- |",
        ]
        lines += [
            f"| {_md(d.kind)} | `{_md(d.field)}` | `{_md(d.reference)}` | "
            f"`{_md(d.candidate)}` | {d.count} | {_md(d.accepted or '')} |"
            for d in _first_unaccepted(report.differences)
        ]
        lines += ["", "Each one's first occurrence, sent to the candidate:", ""]
        for d in _first_unaccepted(report.differences):
            lines += [f"- {_md(d.kind)}, `{_md(d.field)}`:", "", "  ```sh", f"  {d.curl}", "  ```"]
        if report.replay:
            lines += ["", REPLAY, "", "```sh", report.replay, "```"]
    return "\n".join(lines) + "\n"


REPLAY = (
    "The embedded emulator ended with the run: these lines start the same one again (a "
    "throwaway token, conformance/run/replay.py says why), for the curls above to reach it:"
)
# Scoped to the section: pytest-html's own styles grey and cramp a plain table.
STYLE = (
    "<style>#differential{color:#111}#differential table{border-collapse:collapse;"
    "margin:8px 0}#differential th,#differential td{border:1px solid #ddd;padding:3px 8px;"
    "color:#111;text-align:left;vertical-align:top}#differential td.n{text-align:right}"
    "#differential pre{white-space:pre-wrap;word-break:break-all;margin:0}"
    "#differential h2{font-size:1.1em;margin:16px 0 4px}</style>"
)


def html_section(report: DifferentialReport) -> str:
    """A banner with the result, the picture, the table per kind and the differences."""
    e = html.escape
    colour = {SAME: COLOURS[AGREE], DIFFERENT: COLOURS[DIFFER], INCOMPLETE: COLOURS[ACCEPTED]}
    rows = "".join(
        f'<tr><td>{e(k)}</td><td class="n">{t.agree}</td><td class="n">{t.noise}</td>'
        f'<td class="n">{t.accepted}</td><td class="n">{t.differ}</td></tr>'
        for k, t in report.by_kind.items()
    )
    differences = "".join(
        f"<tr><td>{e(d.kind)}</td><td><code>{e(d.field)}</code></td>"
        f"<td><code>{e(d.reference)}</code></td><td><code>{e(d.candidate)}</code></td>"
        f'<td class="n">{d.count}</td><td>{e(d.accepted or "")}</td></tr>'
        f'<tr><td colspan="6"><pre>{e(d.curl)}</pre></td></tr>'
        for d in _first_unaccepted(report.differences)
    )
    missing = "".join(f"<li>{e(w)}</li>" for w in report.not_compared)
    noise = "".join(f"<li>{e(line)}</li>" for line in report.noise)
    stopped = f"<p>Stopped before the reference's last request: {e(report.stopped_by or '')}.</p>"
    cleanup = "".join(f"<li>{e(line)}</li>" for line in report.cleanup)
    return (
        f'<section id="differential">{STYLE}'
        f'<div style="border-left:8px solid {colour[report.result]};padding:8px 12px;'
        'background:#f5f5f5;color:#111;font-size:1.2em">'
        f"<strong>{e(report.headline)}</strong><br>"
        f"<small>candidate {e(report.candidate)}; reference "
        f"{e(', '.join(report.references))}</small></div>"
        f"<figure>{chart(report)}</figure>"
        "<h2>Fields per kind of exchange</h2>"
        "<table><thead><tr><th>kind of exchange</th><th>agree</th><th>noise</th>"
        f"<th>accepted</th><th>differ</th></tr></thead><tbody>{rows}</tbody></table>"
        f"<p>How noise was told from differences:</p><ul>{noise}</ul>"
        + (stopped if report.stopped_by else "")
        + (f"<p>Clean-up on the candidate:</p><ul>{cleanup}</ul>" if cleanup else "")
        + (f"<p>Not compared:</p><ul>{missing}</ul>" if missing else "")
        + (
            "<h2>Differences</h2><p>Each with its first occurrence, sent to the candidate, "
            "below it.</p>"
            "<table><thead><tr><th>kind of exchange</th><th>field</th><th>reference</th>"
            "<th>candidate</th><th>how often</th><th>accepted</th></tr></thead>"
            f"<tbody>{differences}</tbody></table>"
            if differences
            else ""
        )
        + (
            f"<p>{e(REPLAY)}</p><pre>{e(report.replay)}</pre>"
            if differences and report.replay
            else ""
        )
        + "</section>"
        # pytest-html puts it after its Environment section (reports/templates/summary.html.j2
        # says why it moves): the report opens on its result.
        + "<script>document.body.insertBefore(document.getElementById('differential'), "
        "document.body.firstChild);</script>"
    )
