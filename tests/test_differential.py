"""Differential conformance (conformance/differential/), on loopback: the faithful
emulator recorded twice is the reference (tests/conftest.py, "clean" and "clean-again");
the candidates are the same emulator (no difference, run after run), the emulator with
faults (each difference field by field) and the emulator's variants, which answer
otherwise where the contract is silent (a success of the contract, differences here)."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from conformance.differential.accepted import load_accepted
from conformance.differential.compare import Comparator, Mapping, order_across
from conformance.differential.reference import Answer, load_reference, same_plan
from contract.failures import ConfigurationError
from emulator import Account, RunningEmulator, start
from power.runner import ROOT, SuiteRun, run_suite, run_suite_in_process, start_suite
from reports.differential import (
    AGREE,
    DIFFER,
    NOISE,
    SAME,
    Difference,
    DifferentialReport,
    report_errors,
)

CASSETTE = "cassette"


def _references(suite_runs: dict[str, tuple[SuiteRun, Path]]) -> list[str]:
    return [str(suite_runs[name][1] / CASSETTE) for name in ("clean", "clean-again")]


def _differential(*args: str, report_dir: Path) -> tuple[SuiteRun, dict[str, Any]]:
    run = run_suite(*args, report_dir=report_dir)
    path = report_dir / "differential.json"
    assert path.exists(), run.output[-3000:]
    data = json.loads(path.read_text())
    assert report_errors(data) == [], report_errors(data)[:3]
    assert not (report_dir / "conformance.json").exists()  # no clause judged
    # The budget: never more requests than the reference's run sent.
    assert data["candidate_requests"] <= data["reference_requests"]
    return run, data


def _differences(data: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(d["kind"], d["field"]): d for d in data["differences"]}


def _args(refs: list[str]) -> list[str]:
    return [a for r in refs for a in ("--differential", r)]


def test_the_reference_against_itself_differs_in_nothing_run_after_run(
    suite_runs: dict[str, tuple[SuiteRun, Path]], tmp_path: Path
) -> None:
    refs = _references(suite_runs)
    reference, _ = suite_runs["clean"]
    # Two recordings; then one alone, whose noise is only its identifiers and times.
    for n, given in enumerate((refs, refs[1:])):
        run, data = _differential(*_args(given), report_dir=tmp_path / str(n))
        assert run.returncode == 0, run.output[-3000:]
        assert data["result"] == SAME
        assert data["differences"] == []
        assert data["compared"] == data["exchanges"] > 200
        assert data["totals"]["agree"] > data["totals"]["noise"] > 0
        # As many requests as the reference's run: its probe and every exchange.
        assert data["candidate_requests"] == data["reference_requests"] == reference.requests
        assert "status callback" in data["by_kind"]
    md = (tmp_path / "0" / "differential.md").read_text()
    assert md.startswith("# Differential conformance\n\n**same: 0 fields differ")
    html = (tmp_path / "0" / "differential.html").read_text()
    assert '<section id="differential">' in html and "<svg" in html


def test_a_faulty_candidate_is_reported_field_by_field(
    suite_runs: dict[str, tuple[SuiteRun, Path]], tmp_path: Path
) -> None:
    faults = ("channels-integer", "callback-sent-twice", "dates-iso-8601")
    args = [a for f in faults for a in ("--emulator-fault", f)]
    run, data = _differential(*_args(_references(suite_runs)), *args, report_dir=tmp_path)
    assert run.returncode == 1, run.output[-3000:]
    assert data["result"] == "different"
    found = _differences(data)
    create = "POST /Accounts/{AccountSid}/Calls/{CallSid}/Recordings.json → 200"
    channels = found[(create, "channels")]  # a string in the reference, an integer here
    assert (channels["reference"], channels["candidate"]) in (('"1"', "1"), ('"2"', "2"))
    assert channels["count"] > 10
    assert channels["curl"].startswith("curl -sS -X POST http://127.0.0.1:")
    assert "$SIGNALWIRE_API_TOKEN" in channels["curl"]  # read from the environment
    # A date is noise while it is a date: an ISO 8601 one is a difference.
    dated = found[(create, "date_created")]
    assert dated["reference"].endswith(' +0000"') and "T" in dated["candidate"]
    twice = found[("status callback", "deliveries")]
    assert (twice["reference"], twice["candidate"]) == ("2", "3")
    events = found[("status callback", "events in order of arrival")]
    assert events["candidate"].endswith('completed → completed"')
    # Nothing else: the fields the faults leave alone agree or are noise.
    assert {f for _, f in found} <= {
        "channels",
        "date_created",
        "recordings[*].channels",
        "recordings[*].date_created",
        "deliveries",
        "events in order of arrival",
        "#3 method",
        "#3 URL path",
        "#3 content type",
        "#3 parameter order",
    } | {f"#3 {p}" for p in _callback_parameters()}


def _callback_parameters() -> set[str]:
    from contract.terms import CALLBACK_FIELDS

    return {*CALLBACK_FIELDS, "kind"}


def test_a_variant_where_the_contract_is_silent_differs_and_accepted_ones_pass(
    suite_runs: dict[str, tuple[SuiteRun, Path]],
    tmp_path: Path,
    rendered_dom: Callable[[Path], str],
) -> None:
    # The contract is silent: the suite passes the emulator with every variant.
    contract_run, _ = suite_runs["variants"]
    assert contract_run.report is not None and contract_run.report.result == "success"
    accepted = ROOT / "expectations" / "differences" / "error-dialect.toml"
    variants = [
        a
        for v in ("error-dialect", "media-url-field", "callback-parameters-reversed")
        for a in ("--emulator-variant", v)
    ]
    refs = _args(_references(suite_runs))
    run, data = _differential(
        *refs, *variants, "--accepted-differences", str(accepted), report_dir=tmp_path / "out"
    )
    assert run.returncode == 1, run.output[-3000:]  # media_url and the order still differ
    found = _differences(data)
    refused = "POST /Accounts/{AccountSid}/Calls/{CallSid}/Recordings.json → 400"
    code, message = found[(refused, "code")], found[(refused, "message")]
    assert int(code["candidate"]) == int(code["reference"]) + 70000
    assert json.loads(message["candidate"]) == "Request failed: " + json.loads(message["reference"])
    assert all(found[(refused, f)]["accepted"] for f in ("code", "message", "more_info"))
    assert code["accepted"].startswith("Our error codes are our own")
    created = "POST /Accounts/{AccountSid}/Calls/{CallSid}/Recordings.json → 200"
    extra = found[(created, "media_url")]
    assert extra["reference"] == "<absent>" and extra["accepted"] is None
    order = found[("status callback", "#1 parameter order")]
    assert json.loads(order["candidate"])[-1] == "AccountSid" != json.loads(order["reference"])[-1]
    assert data["totals"]["accepted"] > 0 and data["accepted_file"] == str(accepted)
    md = (tmp_path / "out" / "differential.md").read_text()
    assert "| accepted |" in md
    # What fails the run reads first: the differences not accepted head their table.
    section = md.split("## Differences\n")[1].strip().split("\n\n")[0]
    table = section.splitlines()[2:]
    reasons = [row.split("|")[-2].strip() for row in table]  # the last column
    assert reasons[0] == "" and reasons[-1] != "" and reasons == sorted(reasons, key=bool), reasons
    assert "(in " in data_headline(md) and " not accepted)" in data_headline(md)
    # The HTML opens on the result, before pytest-html's page, with its picture.
    dom = rendered_dom(tmp_path / "out" / "differential.html")
    assert re.search(r'<body[^>]*>\s*<section id="differential">', dom), dom[:2000]
    assert "<strong>different: " in dom and "<svg" in dom.split('id="differential"')[1]


def data_headline(md: str) -> str:
    return md.split("**")[1]


def test_the_budget_holds_and_what_it_leaves_out_is_not_compared(
    suite_runs: dict[str, tuple[SuiteRun, Path]], tmp_path: Path
) -> None:
    refs = _args(_references(suite_runs)[:1])
    run, data = _differential(*refs, "--max-requests", "40", report_dir=tmp_path)
    assert run.returncode == 1, run.output[-3000:]
    assert data["result"] == "incomplete"
    assert data["candidate_requests"] == 40
    assert data["compared"] == 39  # the probe was the first request
    assert len(data["not_compared"]) == data["exchanges"] - 39
    assert "budget of 40 is spent" in data["not_compared"][0]


def test_a_reference_that_is_not_there_is_one_line(tmp_path: Path) -> None:
    run = run_suite("--differential", str(tmp_path / "nothing"), report_dir=tmp_path / "out")
    assert run.returncode == 4
    assert "--differential" in run.output and "Traceback" not in run.output


def test_one_recording_given_twice_is_one_line(
    suite_runs: dict[str, tuple[SuiteRun, Path]], tmp_path: Path
) -> None:
    first = _references(suite_runs)[0]
    run = run_suite("--differential", first, "--differential", first + "/", report_dir=tmp_path)
    assert run.returncode == 4
    assert f"--differential {first} is given twice" in run.output
    assert "Traceback" not in run.output


def test_accepted_differences_without_a_differential_run_is_one_line(tmp_path: Path) -> None:
    accepted = ROOT / "expectations" / "differences" / "error-dialect.toml"
    run = run_suite_in_process("--accepted-differences", str(accepted), report_dir=tmp_path)
    assert run.returncode == 4
    assert "--accepted-differences applies to a differential run" in run.output
    assert "Traceback" not in run.output


def test_two_recordings_of_different_plans_are_refused(
    suite_runs: dict[str, tuple[SuiteRun, Path]],
) -> None:
    first, second = map(Path, _references(suite_runs))
    a, b = load_reference(first), load_reference(second)
    same_plan(a, b)
    with pytest.raises(ConfigurationError, match="not two recordings of one plan"):
        same_plan(a, replace(b, exchanges=b.exchanges[1:]))
    shuffled = (b.exchanges[1], b.exchanges[0], *b.exchanges[2:])
    with pytest.raises(ConfigurationError, match="exchange 0 is POST"):
        same_plan(a, replace(b, exchanges=shuffled))


SID_A, SID_B, SID_C = (f"{n}" * 8 + "-1111-4111-8111-" + f"{n}" * 12 for n in "abc")


def test_a_sid_is_mapped_once_and_a_reused_one_differs() -> None:
    comparator = Comparator(Mapping())
    first = comparator.answer("0", _answer({"sid": SID_A}), _answer({"sid": SID_C}))
    assert [r.outcome for r in first if r.field == "sid"] == ["agree"]
    # Another reference SID answered with the candidate's same one: a SID reused.
    second = comparator.answer("1", _answer({"sid": SID_B}), _answer({"sid": SID_C}))
    assert [r.outcome for r in second if r.field == "sid"] == [DIFFER]
    # A date is noise; a date in another format, or a string for an integer, is not.
    date = "Mon, 07 Dec 2026 20:46:44 +0000"
    results = comparator.answer(
        "2",
        _answer({"date_created": date, "duration": 0}),
        _answer({"date_created": "Tue, 08 Dec 2026 10:00:00 +0000", "duration": "0"}),
    )
    outcomes = {r.field: r.outcome for r in results}
    assert outcomes["date_created"] == NOISE and outcomes["duration"] == DIFFER
    iso = comparator.answer(
        "3", _answer({"date_created": date}), _answer({"date_created": "2026-12-08T10:00:00Z"})
    )
    assert {r.field: r.outcome for r in iso}["date_created"] == DIFFER


def _answer(body: dict[str, Any]) -> Answer:
    return Answer(200, "application/json", json.dumps(body))


def test_accepted_differences_are_read_strictly(tmp_path: Path) -> None:
    path = tmp_path / "accepted.toml"
    path.write_text('[[accepted]]\nkind = "*"\nfeild = "message"\nreason = "x"\n')
    with pytest.raises(ConfigurationError, match="--accepted-differences"):
        load_accepted(path)
    path.write_text('[[accepted]]\nkind = "* → 400"\nfield = "message"\nreason = "ours"\n')
    accepted = load_accepted(path)
    assert accepted.reason("POST /x → 400", "message") == "ours"
    assert accepted.reason("POST /x → 404", "message") is None
    # Every difference accepted: the result is the same as none.
    report = DifferentialReport([], "t", 2, 2, 1, 1)
    report.differences = [Difference("k", "f", "1", "2", 1, 0, "curl x", "ours")]
    assert report.result == SAME
    report.differences.append(Difference("k", "g", "1", "2", 1, 0, "curl x"))
    assert report.result == "different"


# -- what a stopped run leaves on the candidate: nothing running -----------------------

CANDIDATE_SID, CANDIDATE_TOKEN = "7d1c3c55-6b1a-4f43-9d0e-2f5a8b3c4d11", "candidate-token"
CANDIDATE_ENV = {"SIGNALWIRE_PROJECT_ID": CANDIDATE_SID, "SIGNALWIRE_API_TOKEN": CANDIDATE_TOKEN}


@pytest.fixture
def candidate() -> Iterator[RunningEmulator]:
    """An emulator the run's candidate, outliving the run: what is left on it is seen."""
    running = start(accounts=(Account(CANDIDATE_SID, CANDIDATE_TOKEN),))
    yield running
    running.stop()


def _nothing_left_running(emulator: RunningEmulator, output: str) -> None:
    recordings = list(emulator.store.recordings.values())
    assert recordings, output[-3000:]
    assert [r.sid for r in recordings if r.status != "completed"] == [], output[-3000:]
    calls = list(emulator.store.calls.values())
    assert calls and all(c.status == "completed" for c in calls), output[-3000:]


def test_a_budget_that_cuts_the_run_between_a_create_and_its_stop_leaves_nothing_running(
    suite_runs: dict[str, tuple[SuiteRun, Path]], tmp_path: Path, candidate: RunningEmulator
) -> None:
    # The probe, the call's create, three recordings each created and stopped, a fourth
    # create: without its stop and the call's end kept back from the budget, both stay
    # running (the budget's least, 8, would cut the run between a create and its stop too).
    refs = _args(_references(suite_runs)[:1])
    run = run_suite(
        *refs,
        *("--base-url", candidate.base_url, "--max-requests", "9"),
        report_dir=tmp_path,
        env=CANDIDATE_ENV,
    )
    assert run.returncode == 1, run.output[-3000:]  # incomplete
    _nothing_left_running(candidate, run.output)
    data = json.loads((tmp_path / "differential.json").read_text())
    assert report_errors(data) == []
    assert data["candidate_requests"] == 9  # the clean-up's request counted, within it
    assert data["cleanup"][0] == "recordings started 3, stopped 3; calls created 1, ended 1"
    assert "clean-up: complete" in run.output


def test_x_stops_at_the_first_difference_and_cleans_up(
    suite_runs: dict[str, tuple[SuiteRun, Path]], tmp_path: Path
) -> None:
    # The first recording's create differs (channels an integer): -x stops the run there,
    # before the reference's stop of it; the clean-up stops it.
    candidate_with_fault = start(
        accounts=(Account(CANDIDATE_SID, CANDIDATE_TOKEN),), faults=("channels-integer",)
    )
    try:
        refs = _args(_references(suite_runs)[:1])
        run = run_suite(
            *refs,
            *("--base-url", candidate_with_fault.base_url, "-x"),
            report_dir=tmp_path,
            env=CANDIDATE_ENV,
        )
        assert run.returncode == 1, run.output[-3000:]
        _nothing_left_running(candidate_with_fault, run.output)
    finally:
        candidate_with_fault.stop()
    data = json.loads((tmp_path / "differential.json").read_text())
    assert data["compared"] == 2 and data["stopped_by"].startswith("-x/--maxfail 1")
    assert data["cleanup"][0] == "recordings started 1, stopped 1; calls created 1, ended 1"
    assert data["result"] == "different"


def test_ctrl_c_midway_stops_what_the_run_started_and_reports_what_it_compared(
    suite_runs: dict[str, tuple[SuiteRun, Path]], tmp_path: Path, candidate: RunningEmulator
) -> None:
    refs = _args(_references(suite_runs)[:1])
    proc = start_suite(
        *refs, "--base-url", candidate.base_url, report_dir=tmp_path, env=CANDIDATE_ENV
    )
    deadline = time.monotonic() + 60
    while len(candidate.store.recordings) < 20 and proc.poll() is None:
        assert time.monotonic() < deadline, "the run started no recordings"
        time.sleep(0.005)
    proc.send_signal(signal.SIGINT)
    output = proc.communicate(timeout=60)[0].decode()
    assert proc.returncode == 2, output[-3000:]
    _nothing_left_running(candidate, output)
    data = json.loads((tmp_path / "differential.json").read_text())
    assert report_errors(data) == []
    assert data["stopped_by"] == "interrupted (Ctrl-C)" and data["result"] == "incomplete"
    assert 0 < data["compared"] < data["exchanges"]
    assert "calls created 1, ended 1" in data["cleanup"][0]


# -- a configuration error leaves the error, and no earlier differential report ---------


def _stale_differential(directory: Path) -> None:
    """The reports of an earlier differential run, which found its candidate the same."""
    directory.mkdir(parents=True, exist_ok=True)
    for name in ("differential.json", "differential.md", "differential.html"):
        (directory / name).write_text("stale: same\n")
    (directory / "differential-junit.xml").write_text("<testsuites>stale</testsuites>\n")


@pytest.mark.parametrize(
    ("case", "said"),
    [
        ("missing reference", "no recorded run there"),
        ("bad accepted file", "--accepted-differences"),
        ("an option beside it", "runs on its own: drop --clause"),
        ("no credentials", "needs credentials"),
    ],
)
def test_a_configuration_error_leaves_only_that_error_in_the_report_folder(
    suite_runs: dict[str, tuple[SuiteRun, Path]], tmp_path: Path, case: str, said: str
) -> None:
    reference = _references(suite_runs)[0]
    accepted = tmp_path / "accepted.toml"
    accepted.write_text('[[accepted]]\nkind = "*"\nfeild = "message"\nreason = "x"\n')
    args = {
        "missing reference": ["--differential", str(tmp_path / "nothing")],
        "bad accepted file": ["--differential", reference, "--accepted-differences", str(accepted)],
        "an option beside it": ["--differential", reference, "--clause", "SCHEMA-UUID"],
        "no credentials": ["--differential", reference, "--base-url", "http://127.0.0.1:9/api"],
    }[case]
    out = tmp_path / "out"
    _stale_differential(out)
    env = {"SIGNALWIRE_PROJECT_ID": "", "SIGNALWIRE_API_TOKEN": ""}
    run = run_suite(*args, report_dir=out, env=env)
    assert run.returncode == 4, run.output[-3000:]
    assert said in run.output and "Traceback" not in run.output
    assert sorted(p.name for p in out.iterdir()) == ["differential-junit.xml", "differential.html"]
    page = (out / "differential.html").read_text()
    assert "<title>differential: configuration error</title>" in page and said in page
    assert "stale" not in page
    junit = (out / "differential-junit.xml").read_text()
    assert 'errors="1"' in junit and said in junit and "stale" not in junit


# -- the embedded emulator started again: a difference's curl replayed after the run ----


def test_a_differences_curl_replays_against_the_embedded_emulator_started_again(
    suite_runs: dict[str, tuple[SuiteRun, Path]], tmp_path: Path
) -> None:
    refs = _args(_references(suite_runs)[:1])
    run, data = _differential(*refs, "--emulator-variant", "error-dialect", report_dir=tmp_path)
    assert run.returncode == 1, run.output[-3000:]
    replay = data["replay"]
    assert replay and "--variant error-dialect" in replay
    assert all(f"  {line}\n" in run.output for line in replay.splitlines())  # the terminal's
    refused = "POST /Accounts/{AccountSid}/Calls/{CallSid}/Recordings.json → 400"
    code = _differences(data)[(refused, "code")]
    port = re.search(r"--port (\d+)", replay)
    assert port, replay
    # Started again as printed, the emulator answers the curl as the run's candidate did.
    script = "\n".join(
        [
            "set -e",
            replay,
            "trap 'kill $!' EXIT",
            f"for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/{port.group(1)}) "
            "2>/dev/null && break; sleep 0.1; done",
            code["curl"],
        ]
    )
    done = subprocess.run(
        ["bash", "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    answer = json.loads(done.stdout.splitlines()[-1] if done.stdout.strip() else "{}")
    assert answer.get("code") == int(code["candidate"]) != int(code["reference"]), done.stdout


def test_the_emulators_command_line_takes_and_lists_variants() -> None:
    from emulator.variants import SUMMARIES

    def emulator(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "emulator", *args],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    listed = emulator("--list-variants")
    assert listed.returncode == 0
    assert [line.split()[0] for line in listed.stdout.splitlines()] == sorted(SUMMARIES)
    unknown = emulator("--variant", "error-dialec")
    assert unknown.returncode == 2
    assert (
        unknown.stderr.strip()
        .splitlines()[-1]
        .endswith(
            "--variant 'error-dialec': no such variant; did you mean error-dialect? "
            "--list-variants lists them"
        )
    )


# -- the order of arrival across callback URLs ------------------------------------------


def test_the_order_across_callback_urls_is_held_where_the_reference_is_stable() -> None:
    a, b, c = ((0, 1), "in-progress"), ((1, 1), "in-progress"), ((0, 2), "completed")
    ref = [a, b, c]  # two adjacent pairs across URLs: a then b, b then c
    outcomes = {
        str(label): r.outcome for label, r in order_across(ref, [a, b, c], [b, a, c])
    }  # the candidate swapped a and b
    assert outcomes == {"(1, 1)": DIFFER, "(0, 2)": AGREE}
    # The second recording had b before a: that order is timing, noise.
    unstable = order_across(ref, [b, a, c], [b, a, c])
    assert [r.outcome for _, r in unstable] == [NOISE, AGREE]
    # One recording: nothing is known stable.
    assert {r.outcome for _, r in order_across(ref, None, [b, a, c])} == {NOISE}
    swapped = order_across(ref, [a, b, c], [b, a, c])[0][1]
    assert (
        json.loads(swapped.reference) == "callback 0 #1 in-progress, then callback 1 #1 in-progress"
    )
    assert json.loads(swapped.other) == "callback 1 #1 in-progress, then callback 0 #1 in-progress"


def test_callbacks_in_another_order_across_urls_differ_only_there(
    suite_runs: dict[str, tuple[SuiteRun, Path]], tmp_path: Path
) -> None:
    # Each recording's completed callback late: its own URL's order is kept, but it comes
    # after the next recordings' in-progress ones. The contract is silent (the "variants"
    # suite run, with every variant, is a success: test above).
    late = ("--emulator-variant", "terminal-callbacks-late")
    refs = _references(suite_runs)
    run, data = _differential(*_args(refs), *late, report_dir=tmp_path / "two")
    assert run.returncode == 1, run.output[-3000:]
    found = _differences(data)
    assert set(found) == {("status callback", "order across URLs")}, sorted(found)
    order = found[("status callback", "order across URLs")]
    assert json.loads(order["reference"]).endswith("in-progress")
    assert json.loads(order["candidate"]).endswith("completed")
    # With one recording the order across URLs is not known to be stable: noise.
    run, data = _differential(*_args(refs[:1]), *late, report_dir=tmp_path / "one")
    assert run.returncode == 0 and data["result"] == SAME, run.output[-3000:]
