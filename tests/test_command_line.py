"""Bad input stops the suite with one clear line, before any check runs."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.clauses.variations import VARIATIONS, event_probe_plan
from conformance.corpus.refusals import refusal_plan
from conformance.corpus.valid import plan_forms
from power.runner import ROOT, pytest_in_process


def _run(
    *args: str, env: dict[str, str] | None = None, process: bool = False
) -> subprocess.CompletedProcess[str]:
    """`pytest conformance ARGS`, without the environment's credentials: by `pytest.main`
    in this process (a configuration error costs no start of an interpreter), or, with
    `process`, as a user runs it, with all that the interpreter prints too."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SIGNALWIRE_")}
    args = ("conformance", "-p", "no:cacheprovider", *args)
    if not process:
        return pytest_in_process(list(args), {**clean, **(env or {})}, timeout=120)
    return subprocess.run(
        [sys.executable, "-m", "pytest", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**clean, **(env or {})},
        timeout=120,
        check=False,
    )


NAMED = [
    "--implementation-organization",
    "O",
    "--implementation-project",
    "P",
    "--implementation-version",
    "1",
]


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--base-url", "nope"], {}, "--base-url 'nope' is not an absolute http(s) URL"),
        (["--base-url", "ftp://host/x"], {}, "is not an absolute http(s) URL"),
        (["--base-url", "http://127.0.0.1:99999/x"], {}, "--base-url"),
        (["--base-url", "http://127.0.0.1:1/api"], {}, "needs credentials: set --project-id"),
        (
            ["--base-url", "http://127.0.0.1:1/api", "--project-id", "p"],
            {},
            "--api-token or SIGNALWIRE_API_TOKEN",
        ),
        (["--coverage-strength", "7"], {}, "--coverage-strength must be 1, 2 or 3"),
        (["--path-suffix", ".xml"], {}, "--path-suffix must be"),
        (["--request-timeout", "0"], {}, "--request-timeout must be positive"),
        (["--emulator-fault", "no-such"], {}, "unknown --emulator-fault no-such"),
        (["--max-requests", "3"], {}, "--max-requests must be at least 8"),
        (
            ["--implementation-project", "Mock"],
            {},
            "a named implementation also needs --implementation-organization, "
            "--implementation-version",
        ),
        (
            [*NAMED, "--implementation-contact", "nobody"],
            {},
            "--implementation-contact 'nobody' is neither an e-mail address nor an http(s) URL",
        ),
        ([*NAMED, "--implementation-url", "ftp://x"], {}, "is not an http(s) URL"),
        (["--expectations", "/nonexistent.toml"], {}, "--expectations /nonexistent.toml:"),
        (["--replay-cassette", "/nonexistent"], {}, "--replay-cassette /nonexistent: no recorded"),
        (
            ["--replay-cassette", "/x", "--record-cassette", "/y"],
            {},
            "--record-cassette and --replay-cassette exclude each other",
        ),
        (["--retries", "-1"], {}, "--retries must be at least 0"),
        (
            ["--base-url", "https://space.example.invalid/api/laml/2010-04-01"],
            {"SIGNALWIRE_PROJECT_ID": "p", "SIGNALWIRE_API_TOKEN": "t"},
            "target host space.example.invalid is not on loopback",
        ),
        (
            ["--emulator-fault", "trim-default-trims", "--base-url", "http://127.0.0.1:1/a"],
            {"SIGNALWIRE_PROJECT_ID": "p", "SIGNALWIRE_API_TOKEN": "t"},
            "embedded emulator only",
        ),
    ],
)
def test_bad_option_is_one_line_and_exit_4(
    args: list[str], env: dict[str, str], message: str
) -> None:
    done = _run(*args, env=env)
    assert done.returncode == 4
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("ERROR: ") and message in lines[0], done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_unreachable_target_is_one_line(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/api/laml/2010-04-01"
    env = {"SIGNALWIRE_PROJECT_ID": "p", "SIGNALWIRE_API_TOKEN": "t"}
    done = _run("--base-url", url, env=env, process=True)  # the one line is all it prints
    assert done.returncode == 4
    assert done.stderr.strip().startswith(f"ERROR: target {url} is unreachable: ConnectError")
    assert len(done.stderr.strip().splitlines()) == 1


def test_a_callback_port_in_use_is_one_line(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = _run("--callback-port", str(port), "--report-dir", str(tmp_path))
    assert done.returncode == 4, done.stdout[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and f"--callback-port 127.0.0.1:{port}:" in lines[0], done.stderr
    assert "Traceback" not in done.stdout + done.stderr


def test_credentials_come_from_the_environment(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}/api"
    done = _run("--base-url", url, env={"SIGNALWIRE_PROJECT_ID": "p", "SIGNALWIRE_API_TOKEN": "t"})
    assert "needs credentials" not in done.stderr


def test_remote_target_runs_only_with_the_opt_in() -> None:
    url = "https://space.example.invalid/api/laml/2010-04-01"
    env = {"SIGNALWIRE_PROJECT_ID": "p", "SIGNALWIRE_API_TOKEN": "t"}
    refused = _run("--base-url", url, env=env)
    assert "pass --allow-remote" in refused.stderr
    allowed = _run("--base-url", url, "--allow-remote", env=env)
    assert "--allow-remote" not in allowed.stderr and "unreachable" in allowed.stderr


def test_dry_run_lists_the_plan_and_sends_nothing() -> None:
    # A closed port: any request at all would fail the run, so a clean exit proves none.
    url = f"http://127.0.0.1:{_closed_port()}/api/laml/2010-04-01"
    env = {"SIGNALWIRE_PROJECT_ID": "p", "SIGNALWIRE_API_TOKEN": "t"}
    done = _run("--base-url", url, "--dry-run", "--max-requests", "40", env=env)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("dry run: nothing is sent")
    # Under a budget too, the default plan: the budget ends it midway.
    planned = len(plan_forms(2)) + len(refusal_plan("u", "o")) + len(event_probe_plan())
    planned += len(VARIATIONS)
    assert sum(line.startswith("  POST Recordings.json") for line in lines) == planned
    assert "of the covering plan (strength 2)" in done.stdout
    assert any(line.startswith("planned: ") for line in lines)
    assert "the budget of 40 ends here" in done.stdout


@pytest.mark.parametrize("option", ["--report-dir", "--record-cassette"])
def test_a_file_where_a_folder_goes_is_one_line(option: str, tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("")
    for where in (tmp_path / "a-file", tmp_path / "a-file" / "below"):
        reports = [] if option == "--report-dir" else ["--report-dir", str(tmp_path / "out")]
        done = _run(option, str(where), *reports)
        assert done.returncode == 4, done.stdout + done.stderr
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        assert len(lines) == 1, done.stderr
        assert lines[0].startswith(f"ERROR: {option} {where}: cannot be used as a folder")
        assert "Traceback" not in done.stdout + done.stderr
