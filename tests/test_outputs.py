"""Every output tells the truth (issue 23): the last lines say what the exit status was
judged against, scores say what was not judged, and every command printed works as
printed."""

from __future__ import annotations

import json
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from xml.etree import ElementTree

import pytest

from contract.terms import Severity
from emulator import Account, start
from power.runner import ROOT, run_suite, start_suite
from reports.chart import LABEL_CHARS, _short
from reports.report import Result, Verdict
from reports.schema import load_report
from reports.verdicts import FIRST_LOOK_ALONE

SID, TOKEN = "5d0c8a43-5b1e-4e7a-9c1d-7f3e2a1b0c99", "outputs-token"


def _last_lines(output: str) -> list[str]:
    lines = output.strip().splitlines()
    return lines[lines.index(next(x for x in reversed(lines) if "conformance" in x and "=" in x)) :]


# 1. The exit line names the result it judged: with --expectations, the result against
# them, never a bare "the result" beside a result that does not meet the bar.
def test_the_exit_line_names_the_expectations_result_it_judged(tmp_path: Path) -> None:
    run = run_suite(
        "--emulator-fault",
        "created-201",
        "--expectations",
        "expectations/twilio-style-201.toml",
        "--clause",
        "SUCCESS-STATUS-200",
        "--clause",
        "VALID-ACCEPTED",
        report_dir=tmp_path,
    )
    last = _last_lines(run.output)
    assert run.returncode == 0, run.output[-3000:]
    assert last[-1] == (
        "exit status 0: the result on --clause SUCCESS-STATUS-200, VALID-ACCEPTED against "
        "the declared expectations (success) meets --fail-on partial"
    )
    whole = run_suite(
        "--emulator-fault",
        "created-201",
        "--expectations",
        "expectations/twilio-style-201.toml",
        report_dir=tmp_path / "whole",
    )
    last = _last_lines(whole.output)
    assert any(line.startswith("result: partial") for line in last), whole.output[-3000:]
    assert "against the declared expectations: success" in last
    assert last[-1] == (
        "exit status 0: the result against the declared expectations (success) meets "
        "--fail-on partial"
    )


# 2. --clause X: the exit status is X's verdict, not "partial" for the clauses not asked.
@pytest.mark.parametrize(
    ("fault", "status"), [((), 0), (("--emulator-fault", "trim-default-trims"), 1)]
)
def test_a_run_of_one_clause_exits_on_that_clause(
    fault: tuple[str, ...], status: int, tmp_path: Path
) -> None:
    run = run_suite("--clause", "DEFAULT-TRIM", *fault, report_dir=tmp_path)
    assert run.returncode == status, run.output[-3000:]
    assert run.report is not None and run.report.result.value != "success"  # the whole: partial
    verdict = "success" if status == 0 else "failure"
    bar = "meets" if status == 0 else "is below"
    assert _last_lines(run.output)[-1] == (
        f"exit status {status}: the result on --clause DEFAULT-TRIM ({verdict}) {bar} "
        "--fail-on partial"
    )


@pytest.mark.parametrize(
    ("clause", "why"),
    [("DEFAULT-TRACK", "no client can observe it"), ("BOGUS", "no such clause in the contract")],
)
def test_a_clause_no_test_can_judge_is_refused_with_one_line(
    clause: str, why: str, tmp_path: Path
) -> None:
    run = run_suite("--clause", clause, report_dir=tmp_path)
    assert run.returncode == 4, run.output[-3000:]
    assert f"--clause {clause}: {why}" in run.output
    assert "Traceback" not in run.output
    # Refused with the options, before anything is sent; the reports say why.
    ran = json.loads((tmp_path / "run.json").read_text())
    assert "requests" not in ran and why in ran["configuration_error"]


# 3. A budgeted run's scores say what was not judged, and every format says why.
def test_a_budgeted_runs_scores_say_what_was_not_judged_and_why(tmp_path: Path) -> None:
    run = run_suite("--max-requests", "30", "--hypothesis-profile", "live", report_dir=tmp_path)
    assert run.report is not None, run.output[-3000:]
    must = run.report.statistics.by_severity[Severity.MUST]
    unjudged = must.testable - must.tested
    assert unjudged > 0 and must.passed == must.tested  # all judged passed, not all judged
    score = f"{must.passed}/{must.tested}"
    last = _last_lines(run.output)
    assert f"MUST {score} passed ({unjudged} of {must.testable} not judged)" in last[1]
    assert "not judged, and why: " in last[2] and "the request budget of 30 is spent" in last[2]
    md = (tmp_path / "conformance.md").read_text()
    assert f"| MUST | {score} (100%), {unjudged} of {must.testable} not judged |" in md
    assert "why not judged |" in md
    rows = [r for r in md.splitlines() if r.startswith("| `") and "| inconclusive |" in r]
    assert rows and all("the request budget of 30 is spent" in r for r in rows)
    page = (tmp_path / "conformance.html").read_text()
    assert f"MUST {score} (100%), {unjudged} of {must.testable} not judged" in page
    assert 'id="conformance-unjudged">Not judged, and why: ' in page


# 4. A faithful run skips nothing: a look's test of a clause the look plans no probe of is
# not run (deselected), and an inconclusive test shows its reason, not pytest's tuple.
def test_a_faithful_run_counts_no_skip_and_an_inconclusive_test_shows_a_sentence(
    tmp_path: Path,
) -> None:
    run = run_suite(report_dir=tmp_path / "faithful")
    assert run.returncode == 0, run.output[-3000:]
    assert " skipped" not in run.output and "deselected" in run.output
    suite = ElementTree.parse(tmp_path / "faithful" / "junit.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("skipped") == "0"
    budgeted = run_suite(
        "--max-requests", "30", "--hypothesis-profile", "live", report_dir=tmp_path / "budget"
    )
    page = (tmp_path / "budget" / "conformance.html").read_text()
    assert "inconclusive: the request budget of 30 is spent" in page, budgeted.output[-3000:]
    assert "test_validation.py&amp;#x27;, " not in page  # no (path, line, reason) tuple


# 5. A replay says it sent nothing, and names the implementation the recording named.
def test_a_replay_names_the_recorded_implementation_and_says_it_sent_nothing(
    tmp_path: Path,
) -> None:
    named = ["--implementation-organization", "Acme", "--implementation-project", "Emu"]
    cassette = str(tmp_path / "cassette")
    recorded = run_suite(
        *named,
        "--implementation-version",
        "2",
        "--record-cassette",
        cassette,
        "-k",
        "DEFAULT-TRIM",
        report_dir=tmp_path / "recorded",
    )
    assert (tmp_path / "recorded" / "conformance.json").is_file(), recorded.output[-3000:]
    replay = ("--replay-cassette", cassette, "-k", "DEFAULT-TRIM", "-v")  # -v: the header
    run = run_suite(*replay, report_dir=tmp_path / "r")
    assert run.report is not None, run.output[-3000:]
    assert run.report.name == "Emu 2"
    assert "conformance target: a cassette's replay (nothing is sent) of a run against http" in (
        run.output
    )
    assert "of at" not in run.output and "requests sent" not in run.output
    assert "replayed from the cassette, nothing sent: recordings started" in run.output
    assert "requests answered by the cassette: " in run.output
    page = (tmp_path / "r" / "conformance.html").read_text()
    assert '<h1 id="title">Create a Recording: conformance report of Emu 2</h1>' in page
    assert (tmp_path / "r" / "conformance.md").read_text().startswith("# Conformance of Emu 2\n")


# 6. Ctrl-C keeps what the first look judged: its passes, said to rest on it alone.
def test_an_interrupted_run_reports_what_its_first_look_judged(tmp_path: Path) -> None:
    running = start(accounts=(Account(SID, TOKEN),))
    try:
        env = {"SIGNALWIRE_PROJECT_ID": SID, "SIGNALWIRE_API_TOKEN": TOKEN}
        proc = start_suite("--base-url", running.base_url, report_dir=tmp_path, env=env)
        deadline = time.monotonic() + 60
        # The first look's nine rows and their probes are done; the whole's rows go out.
        while len(running.store.recordings) < 30 and proc.poll() is None:
            assert time.monotonic() < deadline, "the suite started no recordings"
            time.sleep(0.01)
        proc.send_signal(signal.SIGINT)
        output = proc.communicate(timeout=60)[0].decode()
    finally:
        running.stop()
    assert proc.returncode == 2, output[-3000:]
    report = load_report(tmp_path / "conformance.json")
    alone = [c for c in report.clauses if c.note == FIRST_LOOK_ALONE]
    assert alone, output[-3000:]
    assert all(c.verdict is Verdict.PASS and c.judged > 0 for c in alone)
    assert report.result is Result.PARTIAL  # what rests on the first look alone is partial
    assert f"{len(alone)} of the passes rest on the first look alone" in output
    assert _last_lines(output)[-1] == (
        "exit status 2: interrupted, so the result (partial) is not held to --fail-on"
    )
    md = (tmp_path / "conformance.md").read_text()
    assert (
        f"{len(alone)} clause{'s' if len(alone) > 1 else ''}: passed on the first look alone" in md
    )


def _emulator(*args: str, pipe: str = "") -> subprocess.CompletedProcess[str]:
    command = shlex.join([sys.executable, "-m", "emulator", *args]) + pipe
    return subprocess.run(
        ["bash", "-o", "pipefail", "-c", command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


# 7. The emulator's command line: one line for an unknown fault, a quiet `| head`, help
# for every option, and a busy port refused before it claims to serve.
def test_the_emulators_command_line_speaks_in_one_line(tmp_path: Path) -> None:
    unknown = _emulator("--fault", "created-20")
    assert unknown.returncode == 2
    error = unknown.stderr.strip().splitlines()[-1]
    assert error.endswith(
        "--fault 'created-20': no such fault; did you mean created-201, created-as-text? "
        "--list-faults lists them"
    )
    assert "trim-default-trims" not in unknown.stderr  # not every name on one line
    listed = _emulator("--list-faults", pipe=" | head -1")
    assert listed.returncode == 0 and "Traceback" not in listed.stderr, listed.stderr
    assert len(listed.stdout.splitlines()) == 1
    helped = _emulator("--help").stdout
    assert "--host HOST          the address it listens on" in helped
    assert "--port PORT          the port it listens on" in helped
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        refused = _emulator("--port", str(port))
    assert refused.returncode == 4
    assert refused.stdout == ""  # no "base URL" (nor account) of a server that is not
    assert refused.stderr.strip() == (
        f"python -m emulator: cannot listen on 127.0.0.1:{port}: in use"
    )


# 8. Every command printed works as printed: no bare `pytest` or `python`, which need an
# activated virtual environment; and `pytest conformance` elsewhere points to --pyargs.
def test_printed_commands_name_the_interpreter_and_a_stray_directory_points_to_pyargs(
    tmp_path: Path,
) -> None:
    run = run_suite(
        "--emulator-fault", "trim-default-trims", "-k", "DEFAULT-TRIM", report_dir=tmp_path
    )
    assert run.report is not None, run.output[-3000:]
    words = shlex.split(run.report.command)
    assert words[1:3] == ["-m", "pytest"] and (ROOT / words[0]).resolve().is_file()
    evidence = next(e for c in run.report.clauses for e in c.evidence)
    assert evidence.reproduce.check.startswith(f"{words[0]} -m pytest ")
    assert evidence.reproduce.emulator is not None
    start = evidence.reproduce.emulator.splitlines()[1]
    assert start.startswith(f"{words[0]} -m emulator --port ")
    md = (tmp_path / "conformance.md").read_text()
    assert f"Reproduce the run: `{words[0]} -m pytest conformance " in md
    elsewhere = subprocess.run(
        [sys.executable, "-m", "pytest", "conformance", "-p", "no:cacheprovider"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert elsewhere.returncode == 4
    assert f"no conformance in {tmp_path}: " in elsewhere.stderr
    assert elsewhere.stderr.strip().endswith("pytest --pyargs conformance")
    assert "file or directory not found" not in elsewhere.stderr


# 9. Small untruths: counts in the singular, every report listed, one report refused by
# compare, labels cut between words, the budget's floor told, a loopback target so named.
def test_small_untruths_are_gone(tmp_path: Path) -> None:
    running = start(accounts=(Account(SID, TOKEN),))
    try:
        env = {"SIGNALWIRE_PROJECT_ID": SID, "SIGNALWIRE_API_TOKEN": TOKEN}
        run = run_suite(
            *("--base-url", running.base_url, "-v", "-k", "SUCCESS-STATUS-200"),
            "--expectations",
            "expectations/twilio-style-201.toml",
            report_dir=tmp_path,
            env=env,
        )
    finally:
        running.stop()
    assert f"conformance target: target on loopback at {running.base_url}" in run.output
    assert "remote" not in run.output
    last = _last_lines(run.output)
    assert last[1].endswith(" not tested, 0 expected deviations)"), last
    reports = next(line for line in last if line.startswith("reports: "))
    assert reports.endswith(f"{tmp_path / 'junit.xml'}, {tmp_path / 'run.json'}")
    deviated = run_suite(
        *("--emulator-fault", "created-201", "--clause", "SUCCESS-STATUS-200"),
        *("--expectations", "expectations/twilio-style-201.toml"),
        report_dir=tmp_path / "deviated",
    )
    assert _last_lines(deviated.output)[1].endswith(" 1 expected deviation)"), deviated.output
    md = (tmp_path / "deviated" / "conformance.md").read_text()
    assert "1 expected deviation," in md and "1 expected deviations" not in md
    one = subprocess.run(
        [sys.executable, "-m", "reports.compare", str(tmp_path / "conformance.json")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert one.returncode == 2 and "give two reports or more" in one.stderr.splitlines()[-1]
    floor = run_suite("--max-requests", "7", report_dir=tmp_path / "floor")
    assert floor.returncode == 4 and "--max-requests must be at least 8, not 7" in floor.output
    helped = subprocess.run(
        [sys.executable, "-m", "pytest", "conformance", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    ).stdout
    assert "At least 8: fewer cannot start, judge and clean up one" in " ".join(helped.split())


@pytest.mark.parametrize(
    "name",
    [
        "reference emulator with fault trim-default-trims 0.1.0",
        "Acme SignalWire compatible gateway 2.3.4-rc1",
        "reference emulator with fault created-201 0.1.0",
    ],
)
def test_a_chart_label_is_cut_between_words(name: str) -> None:
    label = _short(2, name)
    head, tail = label.split("…")
    words = re.split(r"(?<=[ -])", f"2. {name}")
    assert len(label) <= LABEL_CHARS
    assert any("".join(words[:i]).rstrip() == head for i in range(1, len(words)))
    assert any("".join(words[j:]) == tail for j in range(1, len(words)))


DOCS = (
    "design",
    "layout",
    "extending",
    "mutation-testing",
    "benchmarks",
    "decisions",
    "differential",
)


def _sh_blocks(text: str) -> list[list[str]]:
    return [b.strip().splitlines() for b in re.findall(r"```sh\n(.*?)```", text, re.S)]


# 10. The README is a user's page: short, its quick start two commands that install the
# package and run the suite, then what the project's tests need (as .ci/run does), and
# the rest in docs/, linked, whose figures carry the command and the date.
def test_the_readme_is_a_users_page_and_the_rest_is_in_docs() -> None:
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 300
    for page in DOCS:
        assert f"](docs/{page}.md)" in readme and (ROOT / "docs" / f"{page}.md").is_file()
    first, second = _sh_blocks(readme)[0]
    assert first == (
        "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/pytest conformance"
    )
    assert second == ".venv/bin/pip install -e '.[dev]' && .venv/bin/pytest"
    ci = (ROOT / ".ci" / "run").read_text()
    assert "pip install --quiet --disable-pip-version-check -e '.[dev]'" in ci
    assert "\n.venv/bin/pytest\n" in ci
    commands = [line for block in _sh_blocks(readme) for line in block]
    # Every command runs as printed, no virtual environment activated (the CI example
    # runs in the job's own environment, and says so).
    bare = [c for c in commands if re.match(r"(python|pytest)\b", c) and "--base-url" not in c]
    assert bare == []


def test_the_figures_in_docs_carry_the_command_and_the_date() -> None:
    for page in ("benchmarks", "mutation-testing", "design"):
        lines = (ROOT / "docs" / f"{page}.md").read_text().splitlines()
        for i, line in enumerate(lines):
            if not line.lstrip().startswith("| ---") or "| clause" in lines[i - 1]:
                continue
            before = " ".join(lines[max(0, i - 16) : i])
            assert re.search(r"`\.venv/bin/python (benchmarks/|-m )", before), (page, i)
            assert re.search(r"20\d\d-\d\d-\d\d", before), (page, i)
