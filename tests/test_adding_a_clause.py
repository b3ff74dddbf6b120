"""Adding a clause takes the files docs/layout.md lists, and nothing else: in a copy of
the tree, two clauses are added by editing exactly those files (one the emulator keeps,
one it breaks), and a suite run against the emulator judges both."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from power.runner import ROOT

PACKAGES = ("contract", "conformance", "strategies", "reports", "emulator")
HOLDS, BROKEN = "ADDED-SID-IS-TEXT", "ADDED-SID-IS-SHOUTED"

# What each file of the docs' row gets, appended before `anchor`.
EDITS = {
    "contract/terms.py": (
        "\n]\n\nCLAUSES: tuple[Clause, ...]",
        f"""
    Clause("{HOLDS}", Family.SCHEMA, _M, "The sid is a string."),
    Clause("{BROKEN}", Family.SCHEMA, _M, "The sid is in upper case."),
""",
    ),
    "conformance/checks/response.py": (
        None,
        """

def sid_is_text(c: Created) -> bool:
    if not isinstance(c.body.get("sid"), str):
        raise Violation("a string sid", repr(c.body.get("sid")), c.exchange)
    return True


def sid_is_shouted(c: Created) -> bool:
    sid = str(c.body.get("sid"))
    if sid != sid.upper():
        raise Violation("a sid in upper case", sid, c.exchange)
    return True
""",
    ),
    "conformance/clauses/registry.py": (
        '    _test("SCHEMA-JSON", _C, r.response_is_json_object),\n',
        f"""    _test("{HOLDS}", _C, r.sid_is_text),
    _test("{BROKEN}", _C, r.sid_is_shouted),
""",
    ),
}


def _documented_files() -> list[str]:
    """The files of the 'a clause' row of docs/layout.md's table, in its order."""
    page = (ROOT / "docs" / "layout.md").read_text()
    row = next(line for line in page.splitlines() if line.startswith("| a clause"))
    files = re.findall(r"`([\w/.<>-]+\.py)`", row)
    count = int(row.rstrip(" |").rsplit("|", 1)[1])
    assert len(files) == count, row
    return files


def _edit(tree: Path, documented: str, anchor: str | None, text: str) -> None:
    path = tree / documented.replace("<family>", "response")
    source = path.read_text()
    if anchor is None:
        path.write_text(source + text)
        return
    assert source.count(anchor) == 1, (documented, anchor)
    at = source.index(anchor) + (len(anchor) if anchor.endswith("\n") else 0)
    path.write_text(source[:at] + text + source[at:])


def test_a_clause_added_by_the_documented_files_is_judged(tmp_path: Path) -> None:
    documented = _documented_files()
    assert [f.replace("<family>", "response") for f in documented] == list(EDITS)
    tree = tmp_path / "tree"
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tree)
    for path in documented:
        anchor, text = EDITS[path.replace("<family>", "response")]
        _edit(tree, path, anchor, text)

    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(tree)}
    suite = [sys.executable, "-m", "pytest", "conformance", "-p", "no:cacheprovider", "-q"]
    run = subprocess.run(
        [*suite, "--report-dir", str(out), "--clause", HOLDS, "--clause", BROKEN],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    output = run.stdout[-3000:] + run.stderr[-2000:]
    clauses = {c["id"]: c for c in json.loads((out / "conformance.json").read_text())["clauses"]}
    assert clauses[HOLDS]["verdict"] == "pass", output
    assert clauses[HOLDS]["judged"] > 0
    assert clauses[BROKEN]["verdict"] == "fail", output
    assert run.returncode == 1, output  # a broken MUST fails the run
