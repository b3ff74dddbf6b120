"""Mocks and partial implementations: with --no-call-check the user vouches for the call,
which is not fetched, the run judges what it can and every verdict is earned. The
credentials and the base URL are still proven where the target allows it, and what
cannot be is said in one line. A real mock (Mockoon serving the vendor's OpenAPI
excerpt) is run end to end."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest
from starlette.responses import JSONResponse, Response

from conformance.checks import Created
from conformance.checks.callbacks import Observed, callbacks_default_to_completed
from contract.exchange import Auth, Exchange, Received, SentRequest
from contract.terms import API_VERSION
from emulator.hostile import ENV, TOKEN, Behaviour, Seen, hostile, is_call_fetch
from power.mocks import free_port, serving
from power.runner import ROOT, SuiteRun, run_suite_in_process
from reports.schema import load_report

VOUCH = "--no-call-check"
# One SHOULD clause and one MUST clause, judged by a few tests: a short run.
FEW = ("-k", "SUCCESS-STATUS-200 or DEFAULT-TRIM", "--fail-on", "must")


def _errors(run: SuiteRun) -> list[str]:
    return [line for line in run.output.splitlines() if line.startswith("ERROR: ")]


def _config_error(run: SuiteRun, tmp_path: Path) -> str:
    assert run.returncode == 4, run.output[-3000:]
    errors = _errors(run)
    assert len(errors) == 1 and "Traceback" not in run.output, run.output[-3000:]
    assert not (tmp_path / "conformance.json").exists()  # nothing was judged
    return errors[0]


def _run_json(directory: Path) -> dict[str, Any]:
    return json.loads((directory / "run.json").read_text())


@pytest.mark.parametrize(
    ("args", "said"),
    [
        ((), "--no-call-check vouches for the calls given with --call-sid, and none is given"),
        (("--call-sid", "CA1"), "the embedded emulator makes its own"),
    ],
    ids=["without-a-call", "embedded-emulator"],
)
def test_no_call_check_where_it_means_nothing_is_one_line(
    args: tuple[str, ...], said: str, tmp_path: Path
) -> None:
    run = run_suite_in_process(VOUCH, *args, report_dir=tmp_path)
    assert said in _config_error(run, tmp_path)


def _completed_calls(seen: Seen) -> Response | None:
    # A mock's example call: whatever is asked, a call that has ended.
    if is_call_fetch(seen):
        return JSONResponse({"sid": seen.path.rsplit("/", 1)[-1], "status": "completed"})
    return None


def test_a_vouched_call_is_not_fetched_and_the_run_judges(tmp_path: Path) -> None:
    behaviour = Behaviour(answer=_completed_calls)
    with hostile(behaviour) as target:
        call = target.emulator.call_on(target.emulator.accounts[0])
        given = ("--base-url", target.base_url, "--call-sid", call)
        refused = run_suite_in_process(*given, *FEW, report_dir=tmp_path / "checked", env=ENV)
        before = len(behaviour.seen)
        run = run_suite_in_process(*given, VOUCH, *FEW, report_dir=tmp_path, env=ENV)
        sent = behaviour.seen[before:]
    # Without it the example call stops the run; with it, the call is not even fetched.
    assert "is not an in-progress call" in _config_error(refused, tmp_path / "checked")
    assert run.returncode == 0, run.output[-3000:]
    assert sent and not [s for s in sent if is_call_fetch(s)]
    assert "unproven" not in _run_json(tmp_path)  # the call's recording list proved both
    assert "--no-call-check:" not in run.output


def _no_call_api(seen: Seen) -> Response | None:
    """A partial implementation (as Prism serves the vendor's excerpt): no call API,
    and the list of a call's recordings not served, though the create is."""
    if is_call_fetch(seen):
        return JSONResponse({"status": 404}, status_code=404)
    if seen.method == "GET" and seen.path.endswith("/Recordings.json") and "/Calls/" in seen.path:
        return JSONResponse({"title": "no method matched"}, status_code=405)
    return None


def test_what_cannot_be_proven_is_said_in_one_line_and_the_run_goes_on(tmp_path: Path) -> None:
    with hostile(Behaviour(answer=_no_call_api)) as target:
        call = target.emulator.call_on(target.emulator.accounts[0])
        run = run_suite_in_process(
            *("--base-url", target.base_url, "--call-sid", call, VOUCH, *FEW),
            report_dir=tmp_path,
            env=ENV,
        )
    assert run.returncode == 0, run.output[-3000:]
    said = [line for line in run.output.splitlines() if line.startswith("--no-call-check:")]
    assert len(said) == 1, run.output[-3000:]
    assert "the base URL is proven but not the credentials" in said[0]
    assert "HTTP 405" in said[0] and "HTTP 401" in said[0]
    assert _run_json(tmp_path)["unproven"] == said[0]


def test_a_vouched_call_still_proves_the_credentials(tmp_path: Path) -> None:
    with hostile(Behaviour()) as target:
        call = target.emulator.call_on(target.emulator.accounts[0])
        env = {**ENV, "SIGNALWIRE_API_TOKEN": TOKEN + "-typo"}
        run = run_suite_in_process(
            "--base-url", target.base_url, "--call-sid", call, VOUCH, report_dir=tmp_path, env=env
        )
    line = _config_error(run, tmp_path)
    assert "refused with HTTP 401: check the credentials" in line


def test_a_vouched_call_still_proves_the_base_url(tmp_path: Path) -> None:
    with hostile(Behaviour()) as target:
        call = target.emulator.call_on(target.emulator.accounts[0])
        short = target.base_url.removesuffix(f"/{API_VERSION}")
        run = run_suite_in_process(
            "--base-url", short, "--call-sid", call, VOUCH, report_dir=tmp_path, env=ENV
        )
    line = _config_error(run, tmp_path)
    assert "HTTP 404" in line and "ends in the API version" in line


def test_no_callback_where_none_was_due_judges_nothing() -> None:
    # A recording that ended absent and asked only for completed: no callback is due,
    # and none came, which is also all that a target without callbacks does.
    url = "http://127.0.0.1:1/Accounts/a/Calls/c/Recordings.json"
    request = SentRequest("POST", url, (("RecordingStatusCallback", "http://h/cb"),), Auth.ACCOUNT)
    exchange = Exchange(request, Received(200, "application/json", '{"sid": "r"}'))
    observed = Observed(Created(exchange, "a", "c"), "absent", ())
    assert callbacks_default_to_completed(observed) is False


# -- a real mock --------------------------------------------------------------------

VENDOR_EXCERPT = ROOT.parent / "shared" / "vendor" / "signalwire-call-recordings.openapi.yaml"
# Mockoon's CLI, as .ci/run installs it with npm (MOCKOON_CLI names it), or on the PATH.
MOCKOON = os.environ.get("MOCKOON_CLI") or shutil.which("mockoon-cli")
# Uuids, as the vendor's excerpt types the path's AccountSid and CallSid.
MOCK_ENV = {
    "SIGNALWIRE_PROJECT_ID": "0b6a2a2e-61f1-4c8e-9a3b-3f0a8f0b6c11",
    "SIGNALWIRE_API_TOKEN": "mock-token-5e8d1f",
}
MOCK_CALL = "5d0c3f1e-2b7a-4f5e-8c1d-9e2f3a4b5c6d"


def _needs(what: str, there: bool) -> None:
    """Skipped on a developer's machine without it; in CI, which installs it, a failure."""
    if not there:
        if os.environ.get("CI"):
            pytest.fail(f"{what} is missing, and CI must run this test (.ci/run installs it)")
        pytest.skip(f"{what} is missing (docs/mocks.md says how to install it)")


def _mockoon(document: Path) -> contextlib.AbstractContextManager[str]:
    """Mockoon serving `document` on loopback: its base URL (the document's server path,
    which the vendor's excerpt gives as /api/laml/{version}), once it answers."""
    assert MOCKOON is not None
    port = free_port()
    served = ("-d", str(document), "-p", str(port), "-l", "127.0.0.1")
    argv = [MOCKOON, "start", *served, "--disable-log-to-file", "--disable-admin-api"]
    return serving(argv, f"http://127.0.0.1:{port}/api/laml/{API_VERSION}", None, wait=60)


def test_a_real_mock_of_the_vendors_document_is_judged_and_earns_every_verdict(
    tmp_path: Path,
) -> None:
    _needs(f"the vendor's OpenAPI excerpt ({VENDOR_EXCERPT})", VENDOR_EXCERPT.is_file())
    _needs("mockoon-cli (npm package @mockoon/cli)", MOCKOON is not None)
    with _mockoon(VENDOR_EXCERPT) as base:
        run = run_suite_in_process(
            *("--base-url", base, "--path-suffix=", "--call-sid", MOCK_CALL, VOUCH),
            report_dir=tmp_path,
            env=MOCK_ENV,
            timeout=600,
        )
    # Finished, not stopped at the door: judged, and not conformant.
    assert run.returncode == 1, run.output[-3000:]
    assert "Traceback" not in run.output and "INTERNALERROR" not in run.output
    report = load_report(tmp_path / "conformance.json")  # written, and valid by its schema
    assert run.report is not None and report.result.value == "failure"
    clauses = json.loads((tmp_path / "conformance.json").read_text())["clauses"]
    passed = [c for c in clauses if c["verdict"] == "pass"]
    assert passed, "a mock answers 2xx to valid creates: some clause is judged and holds"
    assert [c["id"] for c in passed if c["judged"] == 0] == []  # nothing passes on nothing
    # A mock sends no status callback: no callback clause passes.
    assert [c["id"] for c in passed if c["family"] == "callbacks"] == []
    # schemathesis finds the mock's answers out of the document: a finding, a failure.
    assert next(c for c in clauses if c["id"] == "GENERIC-OPENAPI")["verdict"] == "fail"
    # Mockoon checks no credentials, and serves no list of a call's recordings.
    said = [line for line in run.output.splitlines() if line.startswith("--no-call-check:")]
    assert said == [_run_json(tmp_path)["unproven"]], run.output[-3000:]
    assert "neither the base URL nor the credentials are proven" in said[0]
    assert MOCK_ENV["SIGNALWIRE_API_TOKEN"] not in run.output
