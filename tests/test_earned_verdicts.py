"""Every verdict earned: nothing judged is never a pass, the user's mistakes are
configuration errors (not the target's failures), and the exit status says the result."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import _settings
from starlette.responses import Response

from contract.terms import API_VERSION
from emulator.hostile import ENV, SID, TOKEN, Behaviour, Seen, hostile, is_create
from power.runner import ROOT, SuiteRun, pytest_in_process, run_suite_in_process

SUITE = [sys.executable, "-m", "pytest", "conformance", "-p", "no:cacheprovider"]
# The variables by which Hypothesis knows it runs in CI, and then loads its `ci` profile,
# which the suite's `dev` inherits (derandomized) when it registers it. Private, and no
# public way: tests/test_adapters.py fails by name when a release renames it.
_CI_VARS = set(_settings._CI_VARS)


def _report(directory: Path) -> dict[str, Any]:
    return json.loads((directory / "conformance.json").read_text())


def _verdicts(directory: Path) -> dict[str, str]:
    return {c["id"]: c["verdict"] for c in _report(directory)["clauses"]}


def _through(behaviour: Behaviour, tmp_path: Path, *args: str) -> SuiteRun:
    with hostile(behaviour) as target:
        return run_suite_in_process(
            "--base-url", target.base_url, *args, report_dir=tmp_path, env=ENV
        )


def test_a_target_that_never_answers_a_create_passes_no_clause(tmp_path: Path) -> None:
    behaviour = Behaviour(answer=lambda s: Response(status_code=503) if is_create(s) else None)
    run = _through(behaviour, tmp_path, "--retries", "0", "--coverage-strength", "1")
    verdicts = _verdicts(tmp_path)
    assert [c for c, v in verdicts.items() if v == "pass"] == [], run.output[-3000:]
    assert verdicts["VALID-ACCEPTED"] == verdicts["SUCCESS-STATUS-200"] == "inconclusive"
    assert run.returncode == 1


def _no_callbacks(seen: Seen) -> list[tuple[str, str]]:
    # The target takes the callback URL, and never calls it: a dead port instead.
    return [
        (k, "http://127.0.0.1:9/cb" if k == "RecordingStatusCallback" else v) for k, v in seen.form
    ]


def test_a_target_that_sends_no_callback_passes_no_callback_clause(tmp_path: Path) -> None:
    run = _through(Behaviour(rewrite=_no_callbacks), tmp_path, "--callback-timeout", "1")
    report = _report(tmp_path)
    callbacks = {c["id"]: c for c in report["clauses"] if c["family"] == "callbacks"}
    assert all(c["verdict"] != "pass" for c in callbacks.values()), run.output[-3000:]
    assert callbacks["CALLBACK-EVENTS"]["verdict"] == "fail"  # the callbacks due never came
    for clause in ("CALLBACK-METHOD", "CALLBACK-DEFAULT-METHOD", "CALLBACK-PAYLOAD"):
        assert callbacks[clause]["verdict"] == "inconclusive"
        assert callbacks[clause]["judged"] == 0
        assert "anything to judge" in callbacks[clause]["note"]
    assert report["result"] == "failure" and run.returncode == 1


def _config_error(run: SuiteRun, tmp_path: Path) -> str:
    assert run.returncode == 4, run.output[-3000:]
    errors = [line for line in run.output.splitlines() if line.startswith("ERROR: ")]
    assert len(errors) == 1 and "Traceback" not in run.output, run.output[-3000:]
    assert not (tmp_path / "conformance.json").exists()  # nothing was judged
    return errors[0]


def test_a_wrong_token_is_a_configuration_error_not_the_targets_failure(tmp_path: Path) -> None:
    with hostile(Behaviour()) as target:
        env = {**ENV, "SIGNALWIRE_API_TOKEN": TOKEN + "-typo"}
        run = run_suite_in_process("--base-url", target.base_url, report_dir=tmp_path, env=env)
        sent = len(target.behaviour.seen)
    line = _config_error(run, tmp_path)
    assert "refused with HTTP 401: check the credentials" in line
    assert sent == 2  # the reachability probe and the call create, nothing more


def test_a_base_url_without_the_version_is_a_configuration_error(tmp_path: Path) -> None:
    with hostile(Behaviour()) as target:
        short = target.base_url.removesuffix(f"/{API_VERSION}")
        run = run_suite_in_process("--base-url", short, report_dir=tmp_path, env=ENV)
    line = _config_error(run, tmp_path)
    assert "HTTP 404" in line and "ends in the API version" in line


def test_an_unknown_given_call_is_a_configuration_error(tmp_path: Path) -> None:
    with hostile(Behaviour()) as target:
        run = run_suite_in_process(
            "--base-url", target.base_url, "--call-sid", SID, report_dir=tmp_path, env=ENV
        )
    assert "HTTP 404" in _config_error(run, tmp_path)


def test_every_request_counts_against_the_budget(tmp_path: Path) -> None:
    with hostile(Behaviour()) as target:
        run = run_suite_in_process(
            "--base-url",
            target.base_url,
            "--max-requests",
            "20",
            "--fail-on",
            "never",
            report_dir=tmp_path,
            env=ENV,
        )
        sent = len(target.behaviour.seen)
    assert run.returncode == 0, run.output[-3000:]
    assert sent == run.requests == _report(tmp_path)["requests"] <= 20


def _html_success(seen: Seen, answer: httpx.Response) -> Response:
    media = "text/html" if is_create(seen) and answer.is_success else None
    media = media or answer.headers.get("content-type")
    return Response(answer.content, status_code=answer.status_code, media_type=media)


def test_a_success_served_as_html_fails_the_generic_clause(tmp_path: Path) -> None:
    run = _through(Behaviour(alter=_html_success), tmp_path, "-k", "schemathesis or JSON")
    verdicts = _verdicts(tmp_path)
    assert verdicts["GENERIC-OPENAPI"] == verdicts["SCHEMA-JSON"] == "fail", run.output[-3000:]
    generic = next(c for c in _report(tmp_path)["clauses"] if c["id"] == "GENERIC-OPENAPI")
    assert "content_type_conformance" in generic["evidence"][0]["expected"]
    assert "Traceback" not in run.output and "ExceptionGroup" not in run.output


def test_a_failed_test_never_lets_its_clause_pass(tmp_path: Path) -> None:
    # 500 to invalid input: the negative schemathesis test fails on NO-SERVER-ERROR.
    run = run_suite_in_process(
        "--emulator-fault", "invalid-answers-500", "-k", "schemathesis", report_dir=tmp_path
    )
    assert _verdicts(tmp_path)["GENERIC-OPENAPI"] == "fail", run.output[-3000:]


# One SHOULD fault and one MUST fault, judged by a few tests only (the rest not tested).
FEW = ("-k", "SUCCESS-STATUS-200 or DEFAULT-TRIM")


@pytest.mark.parametrize(
    ("fault", "fail_on", "status"),
    [
        ("created-201", "partial", 1),
        ("created-201", "must", 0),
        ("trim-default-trims", "must", 1),
        ("trim-default-trims", "never", 0),
    ],
)
def test_the_exit_status_follows_fail_on(
    fault: str, fail_on: str, status: int, tmp_path: Path
) -> None:
    run = run_suite_in_process(
        "--emulator-fault", fault, "--fail-on", fail_on, *FEW, report_dir=tmp_path
    )
    assert run.returncode == status, run.output[-3000:]
    last = run.output.strip().splitlines()
    assert last[-1].startswith(f"exit status {status}: ")
    assert any(line.startswith("result: ") for line in last[-6:])


def _stops_fail(seen: Seen) -> Response | None:
    stop = seen.method == "POST" and "/Recordings/" in seen.path
    return Response(status_code=500) if stop else None


def _stops_and_call_end_fail(seen: Seen) -> Response | None:
    end = seen.method == "POST" and "/Calls/" in seen.path and "/Recordings" not in seen.path
    return Response(status_code=500) if end else _stops_fail(seen)


def test_a_clean_up_that_left_recordings_running_always_exits_non_zero(tmp_path: Path) -> None:
    behaviour = Behaviour(answer=_stops_and_call_end_fail)
    run = _through(behaviour, tmp_path, *FEW, "--fail-on", "never")
    assert run.returncode == 6, run.output[-3000:]
    assert "NOT CLEANED UP: recording" in run.output
    assert "clean-up: INCOMPLETE" in run.output


def test_recordings_whose_stop_failed_end_with_the_call_the_suite_ends(tmp_path: Path) -> None:
    run = _through(Behaviour(answer=_stops_fail), tmp_path, *FEW, "--fail-on", "never")
    assert run.returncode == 0, run.output[-3000:]
    assert re.search(
        r"stopped 0 \(and \d+ ended with their call\); calls created 1, ended 1", run.output
    )
    assert "NOT CLEANED UP" not in run.output


def _pytest(*args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k != "HYPOTHESIS_PROFILE"}
    return subprocess.run(
        [*SUITE, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=clean,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["-n", "2"], "-n (pytest-xdist) is not supported"),
        (["--hypothesis-profile", "lve"], "--hypothesis-profile 'lve' is not a Hypothesis"),
    ],
)
def test_an_unsupported_option_is_one_line(args: list[str], message: str) -> None:
    done = _pytest(*args)
    assert done.returncode == 4, done.stdout[-2000:] + done.stderr[-2000:]
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and message in lines[0], done.stderr
    assert "INTERNALERROR" not in done.stdout + done.stderr


def test_a_dry_run_needs_no_credentials_and_marks_the_budget() -> None:
    url = "https://space.example.invalid/api/laml/2010-04-01"
    args = ["--base-url", url, "--allow-remote", "--dry-run", "--max-requests", "30"]
    drop = ("SIGNALWIRE_", "HYPOTHESIS_PROFILE")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(drop)}
    done = pytest_in_process(["conformance", "-p", "no:cacheprovider", *args], clean)
    assert done.returncode == 0, done.stderr
    assert "the budget of 30 ends here" in done.stdout


def test_the_report_records_the_seed_that_replays_the_run(tmp_path: Path) -> None:
    # Outside CI (where every profile is derandomized): the dev profile draws at random.
    outside_ci = {k: v for k, v in os.environ.items() if k not in _CI_VARS}
    done = subprocess.run(
        [*SUITE, "-q", "--report-dir", str(tmp_path), "-k", "generated_valid"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**outside_ci, "HYPOTHESIS_PROFILE": "dev"},
        timeout=300,
        check=False,
    )
    report = _report(tmp_path)
    seed = report["hypothesis"]["seed"]
    assert seed and not report["hypothesis"]["derandomized"], done.stdout[-2000:]
    assert f"--hypothesis-seed {seed}" in report["command"]
