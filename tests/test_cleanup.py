"""Clean-up: every recording the suite starts is stopped and every call it created is
ended, even when checks fail, the target errors or the run is interrupted; given calls
are never ended; what could not be cleaned up is listed by SID."""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from conformance.client.budget import Budget
from conformance.client.target import Credentials, RetryPolicy, Target, TargetClient
from conformance.run.calls import Harness
from emulator import Account, RunningEmulator, start
from power.runner import run_suite_in_process, start_suite

SID, TOKEN = "0c4f0a57-7d5e-4b8f-9e0c-3a2d1f6b7c88", "cleanup-token"
ENV = {"SIGNALWIRE_PROJECT_ID": SID, "SIGNALWIRE_API_TOKEN": TOKEN}


@pytest.fixture
def emulator() -> Iterator[RunningEmulator]:
    running = start(accounts=(Account(SID, TOKEN),))
    yield running
    running.stop()


def _given_call(emulator: RunningEmulator) -> str:
    answer = httpx.post(
        f"{emulator.base_url}/Accounts/{SID}/Calls.json",
        data={"To": "+15550100001", "From": "+15550100002", "Url": "http://127.0.0.1:9/x"},
        auth=(SID, TOKEN),
    )
    return str(answer.json()["sid"])


def _interrupt_midway(emulator: RunningEmulator, tmp_path: Path, *args: str) -> str:
    """Start the suite, Ctrl-C it once it has started recordings, return its output."""
    proc = start_suite("--base-url", emulator.base_url, *args, report_dir=tmp_path, env=ENV)
    deadline = time.monotonic() + 60
    while len(emulator.store.recordings) < 30 and proc.poll() is None:
        assert time.monotonic() < deadline, "the suite started no recordings"
        time.sleep(0.01)
    proc.send_signal(signal.SIGINT)
    output = proc.communicate(timeout=60)[0].decode()
    assert "KeyboardInterrupt" in output, output[-3000:]
    return output


def test_interrupted_run_stops_every_recording_and_leaves_a_given_call(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    call = _given_call(emulator)
    output = _interrupt_midway(emulator, tmp_path, "--call-sid", call)
    recordings = emulator.store.recordings.values()
    assert recordings and all(r.status == "completed" for r in recordings), output[-3000:]
    assert emulator.store.calls[call].status == "in-progress"  # given: never ended
    assert "calls created 0, ended 0" in output


def test_interrupted_run_ends_the_call_it_created(
    emulator: RunningEmulator, tmp_path: Path
) -> None:
    output = _interrupt_midway(emulator, tmp_path)
    assert [c.status for c in emulator.store.calls.values()] == ["completed"]
    assert "calls created 1, ended 1" in output


def test_target_errors_and_failed_checks_still_clean_up(tmp_path: Path) -> None:
    # 500s to invalid input: checks fail and requests error, and the clean-up still runs.
    run = run_suite_in_process("--emulator-fault", "invalid-answers-500", report_dir=tmp_path)
    # schemathesis' drawn requests may or may not meet the fault (it depends on the seed)
    assert "NO-SERVER-ERROR" in run.violated
    assert run.violated <= {"NO-SERVER-ERROR", "GENERIC-OPENAPI"}
    counts = re.search(
        r"recordings started (\d+), stopped (\d+); calls created 1, ended 1", run.output
    )
    assert counts and counts.group(1) == counts.group(2) != "0", run.output[-3000:]


def test_what_could_not_be_cleaned_up_is_listed_by_sid() -> None:
    recording, call = "rec-0001", "call-0001"

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith(f"/Calls/{call}/Recordings.json"):
            return httpx.Response(200, json={"sid": recording})
        return httpx.Response(500, json={"status": 500})  # the stop and the call's end

    target = Target("http://target.test/api", Credentials("AC", "secret"))
    transport = httpx.MockTransport(answer)
    harness = Harness(TargetClient(target, transport, Budget(), RetryPolicy(attempts=1)))
    harness.create((), call_sid=call)
    harness.report.created_calls.append(call)
    report = harness.cleanup()
    assert report.lines()[1:] == [
        f"NOT CLEANED UP: recording {recording} on call {call}: stop answered HTTP 500",
        f"NOT CLEANED UP: call {call}: end answered HTTP 500",
    ]


def test_ctrl_c_during_a_create_waits_for_its_answer_so_the_recording_is_stopped() -> None:
    # The race a real Ctrl-C can hit: the target has started the recording, the
    # answer is not yet read. The interrupt must wait, or that recording leaks.
    stopped: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/Recordings.json"):
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while the target answers
            return httpx.Response(200, json={"sid": "rec-0002"})
        stopped.append(request.url.path)
        return httpx.Response(200, json={"status": "stopped"})

    target = Target("http://target.test/api", Credentials("AC", "secret"))
    transport = httpx.MockTransport(answer)
    harness = Harness(TargetClient(target, transport, Budget(), RetryPolicy(attempts=1)))
    with pytest.raises(KeyboardInterrupt):
        harness.create((), call_sid="call-0002")
    harness.cleanup()
    assert harness.report.stopped == ["rec-0002"] and len(stopped) == 1
