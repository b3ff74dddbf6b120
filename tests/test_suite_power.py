"""The suite's power: zero failures on the faithful emulator, and each deliberately
broken variant caught, naming the clause it breaks, both in-process (the embedded
emulator) and over real HTTP (an emulator started separately)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from emulator.faults import FAULTS
from tests.suite_runner import ROOT, run_suite

SID, TOKEN = "0c2c3f9e-5a1b-4c8d-9e7f-123456789abc", "power-test-token"


def test_faithful_emulator_passes_with_zero_failures(tmp_path: Path) -> None:
    run = run_suite(report_dir=tmp_path)
    assert run.returncode == 0, run.output[-3000:]
    assert run.failed == {} and run.passed > 50


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_embedded_fault_is_caught_naming_its_clause(fault: str, tmp_path: Path) -> None:
    run = run_suite("--emulator-fault", fault, report_dir=tmp_path)
    assert run.returncode == 1, run.output[-3000:]
    assert FAULTS[fault].clause in run.violated, (run.failed, run.output[-3000:])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def separate_emulator(request: pytest.FixtureRequest) -> Iterator[str]:
    """`python -m emulator` in its own process; yields its base URL."""
    port = _free_port()
    faults = [a for f in getattr(request, "param", ()) for a in ("--fault", f)]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "emulator",
            "--port",
            str(port),
            "--account",
            f"{SID}:{TOKEN}",
            *faults,
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}/api/laml/2010-04-01"
    deadline = time.monotonic() + 20
    while True:
        try:
            httpx.get(base, timeout=1)
            break
        except httpx.TransportError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(  # noqa: B904 - the transport error is not the news
                    f"emulator did not start: {proc.stdout.read() if proc.stdout else ''}"
                )
            time.sleep(0.1)
    yield base
    proc.terminate()
    proc.wait(timeout=10)


@pytest.mark.parametrize(
    "separate_emulator", [(f,) for f in sorted(FAULTS)], indirect=True, ids=sorted(FAULTS)
)
def test_separate_fault_is_caught_over_real_http(
    separate_emulator: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    fault = request.node.callspec.id
    run = run_suite(
        "--base-url",
        separate_emulator,
        report_dir=tmp_path,
        env={"SIGNALWIRE_PROJECT_ID": SID, "SIGNALWIRE_API_TOKEN": TOKEN},
    )
    assert FAULTS[fault].clause in run.violated, (run.failed, run.output[-3000:])


def test_separate_faithful_emulator_passes_over_real_http(
    separate_emulator: str, tmp_path: Path
) -> None:
    run = run_suite(
        "--base-url",
        separate_emulator,
        report_dir=tmp_path,
        env={"SIGNALWIRE_PROJECT_ID": SID, "SIGNALWIRE_API_TOKEN": TOKEN},
    )
    assert run.returncode == 0 and run.failed == {}, run.output[-3000:]
