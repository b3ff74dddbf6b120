"""The API token and the signing key never appear in anything a run prints or writes:
terminal, HTML, JUnit, JSON reports, logs and cassettes."""

from __future__ import annotations

import base64
from pathlib import Path

from conformance.client.secrets import MASK, Scrubber
from contract.exchange import redacted_command
from emulator import Account, start
from power.runner import SuiteRun, run_suite, run_suite_in_process

SID, CANARY = "3e5d2a11-8c4b-4f7a-9d2e-6b1c0f9a8e77", "canary-9f1c2b7e4d-token"
KEY_CANARY = "canary-5e8a0d3c71-signing-key"


def _canary_run(
    tmp_path: Path, account: Account, faults: tuple[str, ...], *args: str, process: bool = False
) -> tuple[SuiteRun, list[Path]]:
    """A run against the emulator with these faults (so that failures with their evidence
    are rendered too), recording a cassette and a DEBUG log; what it wrote, checked to
    hold every kind of file. In this process, unless `process`: a process of its own
    prints all that the interpreter prints too, from its start to its exit."""
    emulator = start(accounts=(account,), faults=faults)
    try:
        run = (run_suite if process else run_suite_in_process)(
            "--base-url",
            emulator.base_url,
            *args,
            "--record-cassette",
            str(tmp_path / "cassette"),
            "--log-file",
            str(tmp_path / "suite.log"),
            "--log-file-level",
            "DEBUG",
            report_dir=tmp_path / "reports",
            env={"SIGNALWIRE_PROJECT_ID": SID, "SIGNALWIRE_API_TOKEN": CANARY},
        )
    finally:
        emulator.stop()
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {"conformance.html", "junit.xml", "exchanges.yaml", "suite.log"} <= {
        p.name for p in written
    }
    assert "HTTP Request" in (tmp_path / "suite.log").read_text()  # a real, non-empty log
    return run, written


def test_a_canary_token_appears_in_no_output_and_no_file(tmp_path: Path) -> None:
    faults = ("trim-default-trims", "error-as-plain-text")
    run, written = _canary_run(tmp_path, Account(SID, CANARY), faults)
    # A plain-text error body breaks GENERIC-OPENAPI too (schemathesis' content type check).
    assert run.violated == {"DEFAULT-TRIM", "ERROR-SHAPE", "GENERIC-OPENAPI"}, run.output[-3000:]
    assert CANARY not in run.output
    assert [p for p in written if CANARY.encode() in p.read_bytes()] == []


def test_a_canary_signing_key_appears_in_no_output_and_no_file(tmp_path: Path) -> None:
    # Given on the command line (the report's reproduce command must not repeat it) and
    # judged: a signature fault.
    account = Account(SID, CANARY, KEY_CANARY)
    faults = ("signature-params-unsorted", "trim-default-trims")
    # A process of its own (both secrets are looked for in all it prints).
    run, written = _canary_run(tmp_path, account, faults, "--signing-key", KEY_CANARY, process=True)
    assert run.violated == {"CALLBACK-SIGNATURE", "DEFAULT-TRIM"}, run.output[-3000:]
    assert run.report is not None and "$SIGNALWIRE_SIGNING_KEY" in run.report.command
    for secret in (KEY_CANARY, CANARY):
        assert secret not in run.output
        assert [p for p in written if secret.encode() in p.read_bytes()] == []


def test_the_reproducing_command_reads_the_token_from_the_environment() -> None:
    args = ["conformance", "--api-token", CANARY, f"--api-token={CANARY}", "--retries", "2"]
    assert redacted_command(args, CANARY) == (
        'conformance --api-token "$SIGNALWIRE_API_TOKEN" '
        '--api-token="$SIGNALWIRE_API_TOKEN" --retries 2'
    )


def test_the_reproducing_command_reads_the_signing_key_from_the_environment() -> None:
    args = ["conformance", "--signing-key", KEY_CANARY, f"--signing-key={KEY_CANARY}", "-x"]
    assert redacted_command(args, CANARY, KEY_CANARY) == (
        'conformance --signing-key "$SIGNALWIRE_SIGNING_KEY" '
        '--signing-key="$SIGNALWIRE_SIGNING_KEY" -x'
    )


def test_the_scrubber_masks_the_signing_key_in_every_spelling() -> None:
    scrub = Scrubber.for_credentials(SID, CANARY, keys=(KEY_CANARY,))
    encoded = base64.b64encode(KEY_CANARY.encode()).decode()
    assert scrub(f"key={KEY_CANARY} b64={encoded}") == f"key={MASK} b64={MASK}"
