"""The CI examples a team copies (examples/): each runs the suite with options it
accepts, which a dry run (it sends nothing) proves."""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import Any

import pytest

from power.runner import ROOT, pytest_in_process

yaml = pytest.importorskip("yaml")

EXAMPLES = ROOT / "examples"
LOOPBACK = "http://127.0.0.1:9/api/laml/2010-04-01"  # never reached: a dry run sends nothing


def _commands(document: dict[str, Any]) -> list[str]:
    """Every shell line a GitHub Actions step or a GitLab CI job runs."""
    lines: list[str] = []
    for job in document.get("jobs", {}).values():  # GitHub Actions
        lines += [step["run"] for step in job.get("steps", []) if "run" in step]
    for name, job in document.items():  # GitLab CI: a job is a top-level table with a script
        if name != "jobs" and isinstance(job, dict):
            lines += job.get("script", [])
    return lines


def _suite_options(document: dict[str, Any]) -> list[str]:
    runs = [c for c in _commands(document) if "pytest conformance" in c]
    assert len(runs) == 1, runs
    words = shlex.split(runs[0])
    return words[words.index("conformance") + 1 :]


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yml")), ids=lambda p: p.name)
def test_an_example_runs_the_suite_with_options_it_accepts(path: Path, tmp_path: Path) -> None:
    options = _suite_options(yaml.safe_load(path.read_text()))
    assert "--base-url" in options and "--report-dir" in options
    # The example's own target and report directory, swapped for harmless ones.
    options[options.index("--base-url") + 1] = LOOPBACK
    options[options.index("--report-dir") + 1] = str(tmp_path)
    # A differential run's references and accepted differences, swapped for small ones.
    for i, word in enumerate(options[:-1]):
        if word == "--differential":
            options[i + 1] = str(_tiny_reference(tmp_path / f"reference-{i}"))
        elif word == "--accepted-differences":
            options[i + 1] = str(ROOT / "expectations" / "differences" / "error-dialect.toml")
    env = {**os.environ, "SIGNALWIRE_PROJECT_ID": "AC-dummy", "SIGNALWIRE_API_TOKEN": "dummy"}
    command = ["conformance", "-p", "no:cacheprovider", "--dry-run", *options]
    done = pytest_in_process(command, env, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert "no request was sent" in done.stdout + done.stderr


def _tiny_reference(directory: Path) -> Path:
    """A recording of one exchange (conformance/client/cassette.py's files), enough to dry-run."""
    from conformance.client.cassette import EXCHANGES, RecordedRun

    directory.mkdir(exist_ok=True)
    RecordedRun(LOOPBACK, "AC-dummy", {}, "", "", 5, "").save(directory)
    interaction = {
        "request": {"method": "GET", "uri": f"{LOOPBACK}/Accounts/AC-dummy/Calls/x.json"},
        "response": {"status": {"code": 200}, "headers": {}, "body": {"string": "{}"}},
    }
    (directory / EXCHANGES).write_text(yaml.safe_dump({"interactions": [interaction]}))
    return directory


def test_the_github_example_takes_secrets_and_uploads_both_reports() -> None:
    document = yaml.safe_load((EXAMPLES / "github-actions.yml").read_text())
    steps = document["jobs"]["conformance"]["steps"]
    suite = next(s for s in steps if "pytest conformance" in s.get("run", ""))
    assert suite["env"] == {
        name: f"${{{{ secrets.{name} }}}}"
        for name in ("SIGNALWIRE_PROJECT_ID", "SIGNALWIRE_API_TOKEN")
    }
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact"))
    assert upload["if"] == "always()"
    for report in ("junit.xml", "conformance.html"):
        assert f"reports/out/{report}" in upload["with"]["path"]
