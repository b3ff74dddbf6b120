"""Against hostile and broken targets the run ends in bounded time and memory, Ctrl-C
works, no secret reaches any output, nothing vacuous passes, and the clean-up is done
or listed."""

from __future__ import annotations

import asyncio
import base64
import json
import resource
import signal
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from conformance.client.secrets import Scrubber
from conformance.client.wire import NoAnswer, Wire
from contract.exchange import Received
from emulator.hostile import (
    ENV,
    SID,
    TOKEN,
    Behaviour,
    Silence,
    call_create_answers,
    drip,
    echo_credentials,
    hostile,
    huge,
    invalid_utf8,
    is_create,
    nested,
    on_creates,
    queued_calls,
)
from power.runner import SuiteRun, run_suite, run_suite_in_process, start_suite

# One try per request and a short deadline: a hostile target costs seconds, not minutes.
QUICK = ("--retries", "0", "--request-timeout", "2", "--coverage-strength", "1")


def _through(behaviour: Behaviour, tmp_path: Path, *args: str, process: bool = False) -> SuiteRun:
    """A run against this hostile target, in this process unless `process`."""
    run_it = run_suite if process else run_suite_in_process
    with hostile(behaviour) as target:
        run = run_it(
            "--base-url", target.base_url, *args, report_dir=tmp_path, env=ENV, timeout=300
        )
        calls = [c.status for c in target.emulator.store.calls.values()]
    assert calls == ["completed"] * len(calls), f"calls left running: {calls}"
    assert "Traceback" not in run.output and "INTERNALERROR" not in run.output, run.output[-3000:]
    return run


def _report(tmp_path: Path) -> dict[str, Any]:
    return json.loads((tmp_path / "conformance.json").read_text())


def _passed(tmp_path: Path) -> set[str]:
    return {c["id"] for c in _report(tmp_path)["clauses"] if c["verdict"] == "pass"}


# -- the wire, alone ---------------------------------------------------------------


def _dripping(request: httpx.Request) -> httpx.Response:
    async def forever() -> Any:
        while True:
            await asyncio.sleep(0.05)
            yield b" "

    return httpx.Response(200, content=forever())


def test_one_deadline_bounds_the_whole_answer_not_each_read() -> None:
    wire = Wire(timeout=0.5, transport=httpx.MockTransport(_dripping))
    try:
        started = time.monotonic()
        with pytest.raises(NoAnswer, match=r"no complete answer within 0\.5s"):
            wire.request("GET", "http://t.test/", content=None, headers={}, auth=None)
        assert time.monotonic() - started < 10  # a hang would never get here
    finally:
        wire.close()


def test_a_body_past_the_bound_is_cut_and_marked() -> None:
    transport = httpx.MockTransport(lambda r: httpx.Response(200, content=b"x" * 5000))
    wire = Wire(timeout=5, max_body=1024, transport=transport)
    try:
        answer = wire.request("GET", "http://t.test/", content=None, headers={}, auth=None)
    finally:
        wire.close()
    assert answer.oversized and len(answer.body) == 1024


@pytest.mark.parametrize(
    ("text", "utf8", "why"),
    [
        ("[" * 100_000 + "]" * 100_000, True, "nests deeper than 64 levels"),
        ('{"sid": "caf\ufffd"}', False, "not valid UTF-8"),
    ],
)
def test_an_unreadable_body_is_a_reason_not_a_crash(text: str, utf8: bool, why: str) -> None:
    received = Received(200, "application/json", text, utf8=utf8)
    assert received.json is None and why in received.unreadable()


def test_every_spelling_of_the_credentials_is_masked() -> None:
    scrub = Scrubber.for_credentials(SID, TOKEN)
    pair = f"{SID}:{TOKEN}"
    spellings = [TOKEN, pair, base64.b64encode(pair.encode()).decode(), f"Basic {pair}"]
    spellings += [base64.b64encode(TOKEN.encode()).decode().rstrip("=")]
    for text in spellings:
        assert TOKEN not in scrub(f"<{text}>") and "REDACTED" in scrub(f"<{text}>")


# -- whole runs against hostile targets ------------------------------------------------


def test_a_dripping_create_ends_the_run_in_bounded_time(tmp_path: Path) -> None:
    run = _through(on_creates(lambda: drip(0.2)), tmp_path, *QUICK)
    assert run.returncode == 1
    assert "VALID-ACCEPTED" not in _passed(tmp_path)
    assert "no complete answer within 2s" in (tmp_path / "conformance.json").read_text()
    assert "the target stopped answering" in (tmp_path / "conformance.json").read_text()


def test_a_silent_target_ends_the_run_in_bounded_time(tmp_path: Path) -> None:
    run = _through(on_creates(Silence), tmp_path, *QUICK)
    assert run.returncode == 1 and _passed(tmp_path) == set(), run.output[-3000:]


def test_ctrl_c_interrupts_a_dripping_request_and_still_cleans_up(tmp_path: Path) -> None:
    behaviour = on_creates(lambda: drip(0.2))
    with hostile(behaviour) as target:
        # A long deadline: only the interrupt can end the request in time.
        slow = ("--retries", "0", "--request-timeout", "30", "--coverage-strength", "1")
        proc = start_suite("--base-url", target.base_url, *slow, report_dir=tmp_path, env=ENV)
        deadline = time.monotonic() + 60
        while not any(is_create(s) for s in behaviour.seen):
            assert time.monotonic() < deadline and proc.poll() is None, "no create was sent"
            time.sleep(0.05)
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        output = proc.communicate(timeout=20)[0].decode()  # not the 30 s the request may take
        calls = [c.status for c in target.emulator.store.calls.values()]
    assert proc.returncode == 2, output[-3000:]
    assert calls == ["completed"] and "calls created 1, ended 1" in output
    assert (tmp_path / "conformance.json").exists()


def test_credentials_echoed_by_the_target_reach_no_output(tmp_path: Path) -> None:
    reports, cassette = tmp_path / "reports", tmp_path / "cassette"
    with hostile(Behaviour(alter=echo_credentials)) as target:
        run = run_suite_in_process(
            "--base-url",
            target.base_url,
            "--record-cassette",
            str(cassette),
            "--log-file",
            str(tmp_path / "suite.log"),
            "--log-file-level",
            "DEBUG",
            *QUICK,
            report_dir=reports,
            env=ENV,
        )
    assert "ECHO-TRIM" in run.violated, run.output[-3000:]  # the echo is in the evidence
    pair = f"{SID}:{TOKEN}"
    secrets = [TOKEN, base64.b64encode(pair.encode()).decode()]
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {"conformance.json", "junit.xml", "exchanges.yaml", "suite.log"} <= {
        p.name for p in written
    }
    for secret in secrets:
        assert secret not in run.output
        assert [p.name for p in written if secret.encode() in p.read_bytes()] == []


def test_a_huge_answer_is_not_judged_and_memory_stays_bounded(tmp_path: Path) -> None:
    # In a process of its own: its peak memory is what is measured.
    huge_answer = on_creates(lambda: huge(200 * 1024 * 1024))
    run = _through(huge_answer, tmp_path, *QUICK, process=True)
    assert run.returncode == 1
    assert "larger than 1048576 bytes" in (tmp_path / "conformance.json").read_text()
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    assert peak_kib < 600 * 1024, f"a child process peaked at {peak_kib // 1024} MiB"


def test_json_nested_too_deep_is_a_verdict_not_a_crash(tmp_path: Path) -> None:
    run = _through(on_creates(lambda: nested(100_000)), tmp_path, *QUICK, "-k", "JSON")
    assert "SCHEMA-JSON" in run.violated, run.output[-3000:]
    assert "RecursionError" not in run.output


def test_invalid_utf8_in_a_json_body_fails_schema_json(tmp_path: Path) -> None:
    run = _through(Behaviour(alter=invalid_utf8), tmp_path, *QUICK, "-k", "JSON")
    assert "SCHEMA-JSON" in run.violated, run.output[-3000:]
    assert "not valid UTF-8" in (tmp_path / "conformance.json").read_text()


def test_a_call_create_without_a_sid_stops_the_run_and_is_listed(tmp_path: Path) -> None:
    behaviour = call_create_answers(201, {"status": "queued"})
    with hostile(behaviour) as target:
        run = run_suite_in_process("--base-url", target.base_url, report_dir=tmp_path, env=ENV)
        sent = len(behaviour.seen)
    assert run.returncode == 4, run.output[-3000:]
    errors = [line for line in run.output.splitlines() if line.startswith("ERROR: ")]
    assert errors == [
        "ERROR: could not create a call to record: the target answered HTTP 201; "
        "give an in-progress call with --call-sid"
    ]
    assert "NOT CLEANED UP: call create answered HTTP 201 without a sid" in run.output
    assert sent == 2  # the reachability probe and one call create: never retried per row


def test_a_call_that_never_gets_in_progress_is_ended_and_stops_the_run(tmp_path: Path) -> None:
    run = _through(Behaviour(alter=queued_calls), tmp_path, "--call-wait", "2")
    assert run.returncode == 4, run.output[-3000:]
    assert "is still 'queued' after 2s" in run.output
    assert "calls created 1, ended 1" in run.output
