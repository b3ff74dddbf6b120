"""What the report folder says of a run that a configuration error stopped before any
clause was judged (exit 4): that error, in each report a dashboard or a CI job reads,
and no report of an earlier run beside it.

`conformance.json` and `.md` hold a judged run; this one judged nothing, so they are
removed, not left saying an earlier run's result. `conformance.html` and `junit.xml`
say the error (JUnit as one errored test, which every CI reads as a failed job), and
`run.json` gives it as `configuration_error`.

A differential run (`--differential`, conformance/differential/) stopped so compared
nothing: its `differential.json` and `.md` are removed, its `differential.html` and
`differential-junit.xml` say the error. It writes no `run.json`: a contract run's, in a
folder the two share, is that run's own (the JUnit file is the machine's reading)."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from xml.etree import ElementTree

JUDGED_REPORTS = ("conformance.json", "conformance.md")
COMPARED_REPORTS = ("differential.json", "differential.md")


@dataclass(frozen=True)
class Mode:
    """What a run of one mode calls itself, and the reports of its that a stop removes."""

    name: str  # the page's title, and the JUnit suite's name
    nothing: str  # what it did not do
    before: str  # before what it stopped
    reports: tuple[str, ...]
    run_json: bool


CONTRACT = Mode(
    "conformance", "nothing was judged", "before any clause was judged", JUDGED_REPORTS, True
)
DIFFERENTIAL = Mode(
    "differential",
    "nothing was compared",
    "before any exchange was compared",
    COMPARED_REPORTS,
    False,
)

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{mode}: configuration error</title>
<style>body{{font-family:sans-serif;margin:2em}}.banner{{background:#fde2e1;border-left:6px
solid #b3261e;padding:1em}}code{{white-space:pre-wrap}}</style></head>
<body><div class="banner"><h1>{mode}: configuration error, {nothing}</h1>
<p>The run stopped {before} (exit status 4), on a mistake of its
configuration, not of the target:</p><p><code>{message}</code></p>
<p>Target: <code>{target}</code></p></div></body></html>
"""


def _junit(message: str, name: str) -> bytes:
    suites = ElementTree.Element("testsuites")
    suite = ElementTree.SubElement(
        suites,
        "testsuite",
        name=name,
        tests="1",
        errors="1",
        failures="0",
        skipped="0",
    )
    case = ElementTree.SubElement(suite, "testcase", classname=name, name="configuration")
    error = ElementTree.SubElement(case, "error", message=message, type="configuration error")
    error.text = message
    return ElementTree.tostring(suites, encoding="utf-8", xml_declaration=True)


def write_configuration_error(
    directory: Path,
    message: str,
    *,
    target: str,
    html_path: str | None,
    xml_path: str | None,
    summary: Mapping[str, object] | None = None,
    mode: Mode = CONTRACT,
) -> list[Path]:
    """Write the reports of a run stopped by `message`; the paths written."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in mode.reports:
        (directory / name).unlink(missing_ok=True)
    written = []
    if mode.run_json:
        run = directory / "run.json"
        facts = {"target": target, **(summary or {}), "configuration_error": message}
        run.write_text(json.dumps(facts, indent=2) + "\n")
        written.append(run)
    if html_path:
        page = _PAGE.format(
            message=html.escape(message),
            target=html.escape(target),
            mode=mode.name,
            nothing=mode.nothing,
            before=mode.before,
        )
        Path(html_path).parent.mkdir(parents=True, exist_ok=True)
        Path(html_path).write_text(page)
        written.append(Path(html_path))
    if xml_path:
        Path(xml_path).parent.mkdir(parents=True, exist_ok=True)
        Path(xml_path).write_bytes(_junit(message, mode.name))
        written.append(Path(xml_path))
    return written
