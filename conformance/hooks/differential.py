"""`pytest conformance --differential DIR [--differential DIR2]`: a mode of its own.

The contract's tests are not collected and no clause is judged: a differential run
writes no conformance.json (the contract's verdicts are a contract run's alone, in the
same report folder if wanted: the two runs' files do not overlap). It writes
differential.json, differential.md, differential.html and differential-junit.xml, and
exits 1 on a difference not accepted (--accepted-differences FILE) or an exchange not
compared, unless --fail-on never.

The target options name the candidate as for any run (none: the embedded emulator), and
the run starts as any run does: options checked, the target proven reachable (its
probe is one of the requests the budget counts)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from conformance.client.receiver import CallbackReceiver
from conformance.client.target import TargetClient
from conformance.differential.accepted import AcceptedDifferences, load_accepted
from conformance.differential.reference import OPTION, Reference, load_reference, same_plan
from conformance.differential.run import INTERRUPTED, Side, run_differential
from conformance.hooks.keys import CLEANUP, CLEANUP_LEFT, CLOSING, SESSION
from conformance.run.calls import Harness
from conformance.run.exit_status import ExitStatus
from conformance.run.options import session_from_options
from conformance.run.replay import interpreter, replay_commands
from contract.exchange import redacted_command
from contract.failures import ConfigurationError
from reports.differential import (
    SAME,
    DifferentialReport,
    html_section,
    markdown,
    report_errors,
    report_json,
    write_json,
)
from reports.stopped import DIFFERENTIAL, write_configuration_error

TITLE = "Create a Recording: differential report"
REPORT = pytest.StashKey[DifferentialReport]()
STOPPED_BY = pytest.StashKey[str]()  # the configuration error that stopped the run
MODE = pytest.StashKey["DifferentialMode"]()
# Options that make no sense beside it: said in one line, not ignored.
_EXCLUSIVE = ("record_cassette", "replay_cassette", "clause", "expectations")


def register(config: pytest.Config, report_dir: Path) -> None:
    """Called by the plugin for a run with --differential, before pytest-html and JUnit
    read their paths."""
    if not getattr(config.option, "htmlpath", None):
        config.option.htmlpath = str(report_dir / "differential.html")
        config.option.self_contained_html = True
    if not config.option.xmlpath:
        config.option.xmlpath = str(report_dir / "differential-junit.xml")
    mode = DifferentialMode()
    config.stash[MODE] = mode
    config.pluginmanager.register(mode, "differential")


class DifferentialMode:
    def __init__(self) -> None:
        self.references: list[Reference] = []
        self.accepted: AcceptedDifferences | None = None

    def pytest_configure(self, config: pytest.Config) -> None:
        if config.option.help or config.option.collectonly:
            return
        try:
            self._configure(config)
        except pytest.UsageError as exc:
            stopped(config, str(exc))
            raise

    def _configure(self, config: pytest.Config) -> None:
        given = [name for name in _EXCLUSIVE if config.getoption(name)]
        if given:
            option = "--" + given[0].replace("_", "-")
            raise pytest.UsageError(f"{OPTION} runs on its own: drop {option}")
        dirs = config.getoption("differential")
        try:
            if len(dirs) > 2:
                raise ConfigurationError(
                    f"{OPTION} takes one or two recordings of the reference, not {len(dirs)}"
                )
            base = config.invocation_params.dir
            if len(dirs) == 2 and Path(base, dirs[0]).resolve() == Path(base, dirs[1]).resolve():
                raise ConfigurationError(
                    f"{OPTION} {dirs[0]} is given twice: the noise is learned from two "
                    "recordings of the reference; give another, or this one alone"
                )
            self.references = [load_reference(Path(base, d)) for d in dirs]
            if len(self.references) == 2:
                same_plan(*self.references)
            accepted = config.getoption("accepted_differences")
            self.accepted = load_accepted(Path(base, accepted)) if accepted else None
            if config.getoption("dry_run"):
                session_from_options(config.getoption, connect=False).close()
        except ConfigurationError as exc:
            raise pytest.UsageError(str(exc)) from None
        if config.getoption("dry_run"):
            primary = self.references[0]
            print(
                f"differential: the {len(primary.exchanges)} requests of {primary.directory} "
                f"in its order, after the target's probe: at most {primary.requests} requests "
                f"(the reference's run sent {primary.requests}), then its "
                f"{len(primary.run.deliveries)} status callbacks compared"
            )
            pytest.exit("dry run: no request was sent", returncode=0)

    def pytest_ignore_collect(self, collection_path: Path, config: pytest.Config) -> bool | None:
        """The contract's tests are not collected: nothing of them is run or judged."""
        here = Path(__file__).resolve().parents[1]
        if collection_path.name.startswith("test_") and collection_path.parent == here:
            return True
        return None

    def pytest_runtestloop(self, session: pytest.Session) -> bool | None:
        config = session.config
        if SESSION not in config.stash or not self.references:
            return None
        suite = config.stash[SESSION]
        primary = self.references[0]
        # The budget: what the reference's run sent, its probe included; never more.
        limit = primary.requests
        if suite.budget.limit is not None:
            limit = min(limit, suite.budget.limit)
        suite.budget.limit = limit
        s = suite.settings
        receiver = CallbackReceiver(s.callback_url, tokens=primary.run.tokens, scrub=suite.scrubber)
        try:
            receiver.start(s.callback_host, s.callback_port)
        except (OSError, RuntimeError) as exc:
            message = (
                f"--callback-host/--callback-port {s.callback_host}:{s.callback_port}: the "
                f"callback receiver cannot listen there ({getattr(exc, 'strerror', None) or exc})"
            )
            config.stash[STOPPED_BY] = message  # said by the reports (finish_differential)
            raise pytest.UsageError(message) from None
        for _ in primary.run.tokens:  # the reference's own tokens, on the candidate's receiver
            receiver.new_url()
        target = suite.target
        candidate = Side(
            target.base_url,
            receiver.base_url,
            target.account_sid,
            target.calls.given,
            s.unknown_call_sid,
            s.other_account_sid,
            s.other_account_call_sid,
            tuple(primary.run.tokens),
        )
        client = TargetClient(
            target, budget=suite.budget, retry=s.retry, max_body=s.max_response_bytes
        )
        # What the candidate starts is cleaned up as in a contract run, whatever ends it.
        harness = Harness(client, s.call_wait)
        try:
            report = run_differential(
                self.references,
                client,
                receiver,
                candidate,
                lambda r, expected: r.wait(expected, s.callback_timeout, s.callback_grace),
                self.accepted,
                harness,
                config.option.maxfail,
            )
        finally:
            receiver.stop()
            cleaned = harness.cleanup()
            client.close()
            config.stash[CLEANUP] = [*cleaned.lines(), suite.budget.describe()]
            config.stash[CLEANUP_LEFT] = list(cleaned.left)
        report.cleanup = cleaned.lines()
        report.candidate_requests = client.budget.spent  # the clean-up's requests too
        args = list(config.invocation_params.args)
        token, key = target.credentials.api_token, target.credentials.signing_key
        report.command = suite.scrubber(
            f"{interpreter(config.invocation_params.dir)} -m pytest "
            + redacted_command(args, token, key)
        )
        report.date = datetime.now(UTC).isoformat(timespec="seconds")
        report.replay = replay_commands(suite.emulator)
        config.stash[REPORT] = report
        if report.stopped_by == INTERRUPTED:
            raise KeyboardInterrupt  # pytest's: exit status 2, the reports still written
        return True

    # -- pytest-html ----------------------------------------------------------

    def pytest_html_report_title(self, report: Any) -> None:
        report.title = TITLE

    def pytest_html_results_summary(
        self, prefix: list[str], summary: list[str], postfix: list[str], session: pytest.Session
    ) -> None:
        report = session.config.stash.get(REPORT, None)
        if report is not None:
            prefix.append(html_section(report))


def stopped(config: pytest.Config, message: str) -> None:
    """The report folder of a differential run a configuration error stopped: that error,
    and no differential report of an earlier run (reports/stopped.py)."""
    write_configuration_error(
        Path(config.getoption("report_dir")),
        message,
        target=config.getoption("base_url") or "the embedded emulator",
        html_path=getattr(config.option, "htmlpath", None),
        xml_path=config.option.xmlpath,
        mode=DIFFERENTIAL,
    )


def finish_differential(session: pytest.Session) -> bool:
    """In a differential run (and only then: False otherwise), write its reports and set
    the exit status and the run's last lines."""
    config = session.config
    if MODE not in config.stash:
        return False
    report = config.stash.get(REPORT, None)
    if report is None:  # stopped before it compared anything: pytest says why
        if STOPPED_BY in config.stash:  # over what pytest-html and JUnit just wrote
            stopped(config, config.stash[STOPPED_BY])
        return True
    directory = Path(config.getoption("report_dir"))  # made by the plugin, at configure
    paths = [directory / "differential.json", directory / "differential.md"]
    paths[0].write_text(write_json(report))
    paths[1].write_text(markdown(report))
    errors = report_errors(report_json(report))
    lines = [report.headline]
    if errors:  # written all the same: nothing is lost
        lines.append(f"differential.json breaks its schema: {errors[0]}")
    never = config.getoption("fail_on") == "never"
    ok = report.result == SAME and not errors
    left = config.stash.get(CLEANUP_LEFT, [])
    if left:
        status, why = ExitStatus.CLEANUP_INCOMPLETE, "clean-up incomplete, whatever the result"
    elif session.exitstatus == ExitStatus.INTERRUPTED:
        status, why = ExitStatus.INTERRUPTED, f"interrupted, so the result ({report.result}) "
        why += "is not held to --fail-on"
    elif ok or never:
        status = ExitStatus.OK
        why = "no difference but accepted ones" if ok else "report only (--fail-on never)"
    else:
        status, why = ExitStatus.BELOW_BAR, f"the result is {report.result}"
    others = [getattr(config.option, "htmlpath", None), config.option.xmlpath]
    if report.replay and report.differences:  # the curls of differential.md reach it again
        lines += [
            "the embedded emulator ended with the run; started again so, it answers the "
            "curls of differential.md:",
            *[f"  {line}" for line in report.replay.splitlines()],
        ]
    lines += [
        f"clean-up: INCOMPLETE, {len(left)} left running (listed above): act on them"
        if left
        else "clean-up: complete",
        "reports: " + ", ".join([*map(str, paths), *filter(None, others)]),
        f"exit status {int(status)}: {why}",
    ]
    session.exitstatus = status
    config.stash[CLOSING] = lines
    return True
