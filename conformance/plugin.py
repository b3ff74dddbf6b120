"""The suite's pytest plugin, registered through the `pytest11` entry point (as
schemathesis registers its own): the options of `pytest conformance [options]` and the
Hypothesis profiles. The suite's fixtures and hooks are gathered in conformance/conftest.py
(one module per job), which pytest loads with the tests it collects.

Installed, the plugin is in every pytest run of its environment, so it takes a
Hypothesis profile only for a run of the suite: other test suites keep their own."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.errors import InvalidArgument

# A remote target is slow and may rate-limit: no deadline, no "too slow" health check.
# No explain phase: it replays the failure many times, each a request to the target.
_COMMON: dict[str, Any] = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow],
    "phases": [p for p in Phase if p is not Phase.explain],
}
# A default run is a few hundred requests: the covering plan and the probes are its
# systematic part, Hypothesis' few examples per test a search beside them. `deep`
# searches twenty times as far (a nightly job, or a run before a release).
SEARCH = 5
settings.register_profile("dev", max_examples=SEARCH, **_COMMON)
settings.register_profile("ci", max_examples=SEARCH, derandomize=True, print_blob=True, **_COMMON)
settings.register_profile("deep", max_examples=20 * SEARCH, **_COMMON)
# A live, rate-limited, paid-for target: few examples, reproducible, and no shrinking,
# which would spend requests replaying a failure the covering plan already shows small.
settings.register_profile(
    "live",
    max_examples=SEARCH,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.generate],
)
PROFILES = ("dev", "ci", "deep", "live")


def _profile(name: str, where: str) -> settings:
    try:
        return settings.get_profile(name)
    except InvalidArgument:
        raise pytest.UsageError(
            f"{where} {name!r} is not a Hypothesis profile; the suite's are {', '.join(PROFILES)}"
        ) from None


def load_profile() -> None:
    """The profile HYPOTHESIS_PROFILE names, else `ci` where CI is set, else `dev`."""
    name = os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev")
    _profile(name, "HYPOTHESIS_PROFILE=")
    settings.load_profile(name)


def _runs_the_suite(config: pytest.Config) -> bool:
    """Whether this run collects the suite (`pytest conformance`, a test of it, or
    `pytest --pyargs conformance`), not some other tests of the environment."""
    here = Path(__file__).resolve().parent
    for arg in config.args:
        name = arg.split("::")[0]
        if config.option.pyargs and name.split(".")[0] == __package__:
            return True
        path = (config.invocation_params.dir / name).resolve()
        if path == here or here in path.parents:
            return True
    return False


def _folder(option: str, path: Path) -> None:
    """A folder the run writes into: made now, so that a file in its place (or a folder
    that cannot be made) is one line before anything is sent, not a crash at the end."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise pytest.UsageError(
            f"{option} {path}: cannot be used as a folder ({exc.strerror or exc}); name a folder"
        ) from None


def _suggest_pyargs(config: pytest.Config) -> None:
    """`pytest conformance` from another directory than the project's: pytest's bare
    "file or directory not found" says nothing of the installed suite, which runs."""
    if config.option.pyargs:
        return
    for arg in config.args:
        name = arg.split("::")[0]
        if (
            Path(name).parts[:1] == (__package__,)
            and not (config.invocation_params.dir / name).exists()
        ):
            raise pytest.UsageError(
                f"no {name} in {config.invocation_params.dir}: to run the installed suite "
                "from another directory, name it as a package: pytest --pyargs conformance"
            )


@pytest.hookimpl(tryfirst=True)  # before Hypothesis' own plugin loads --hypothesis-profile
def pytest_configure(config: pytest.Config) -> None:
    _suggest_pyargs(config)
    if not _runs_the_suite(config):
        return
    load_profile()
    chosen = config.getoption("hypothesis_profile", None)
    if chosen is not None:
        _profile(chosen, "--hypothesis-profile")
    if config.option.help or config.option.collectonly:
        return
    # Where the reports go, before pytest-html and JUnit read it: from where pytest was
    # started (the rootdir of `--pyargs conformance` is the installed package).
    report_dir = Path(config.invocation_params.dir, config.getoption("report_dir"))
    config.option.report_dir = str(report_dir)
    _folder("--report-dir", report_dir)
    if config.getoption("record_cassette"):
        _folder("--record-cassette", Path(config.getoption("record_cassette")))
    if config.getoption("differential"):  # a mode of its own (conformance/differential/)
        from conformance.hooks.differential import register

        register(config, report_dir)
        return
    if not getattr(config.option, "htmlpath", None):
        config.option.htmlpath = str(report_dir / "conformance.html")
        config.option.self_contained_html = True
    if not config.option.xmlpath:
        config.option.xmlpath = str(report_dir / "junit.xml")
    # Registered here, not by the suite's conftest, which `--pyargs` loads only once
    # collection begins: pytest-html asks for the clause columns before that.
    from reports.plugin import CLAUSE_REPORT, ClauseReport

    config.stash[CLAUSE_REPORT] = ClauseReport(config)
    config.pluginmanager.register(config.stash[CLAUSE_REPORT], "clause-report")


def pytest_addoption(parser: pytest.Parser) -> None:
    g = parser.getgroup("conformance", "recording-conformance target")
    g.addoption(
        "--base-url",
        help="API prefix up to the version, e.g. "
        "https://SPACE.signalwire.com/api/laml/2010-04-01 (default: the embedded emulator)",
    )
    g.addoption("--project-id", help="account SID (or SIGNALWIRE_PROJECT_ID)")
    g.addoption("--api-token", help="API token (or SIGNALWIRE_API_TOKEN); never printed")
    g.addoption(
        "--signing-key",
        help="the project's signing key (or SIGNALWIRE_SIGNING_KEY), to judge the status "
        "callbacks' signatures; never printed. Without it they are not tested",
    )
    g.addoption(
        "--path-suffix",
        default=".json",
        help="suffix of resource paths (default .json; '' for none)",
    )
    g.addoption(
        "--call-sid",
        action="append",
        default=[],
        help="an in-progress call to record "
        "(repeatable); never ended by the suite. Default: the suite creates one",
    )
    g.addoption(
        "--no-call-check",
        action="store_true",
        help="vouch for the --call-sid calls: they are not fetched and checked to be in "
        "progress (for a mock, or an implementation without a call API); the credentials "
        "and the base URL are still proven where the target allows it",
    )
    g.addoption("--call-to", default="+15550100001", help="To of the call the suite creates")
    g.addoption("--call-from", default="+15550100002", help="From of the call the suite creates")
    g.addoption(
        "--call-url",
        default="http://127.0.0.1:9/laml",
        help="Url (LaML) of the call the suite creates",
    )
    g.addoption(
        "--other-account-sid",
        help="another account's SID for the isolation check "
        "(default: a random uuid; the embedded emulator's second account)",
    )
    g.addoption(
        "--other-account-call-sid",
        help="a call in progress on another account, which this account must not reach "
        "(a create naming it is answered 404); the embedded emulator makes one",
    )
    g.addoption("--callback-host", default="127.0.0.1", help="where the callback receiver listens")
    g.addoption("--callback-port", type=int, default=0, help="its port (default: any free one)")
    g.addoption(
        "--callback-url",
        help="the receiver's public URL, when the target reaches it through a tunnel or proxy",
    )
    g.addoption(
        "--callback-timeout", type=float, default=10.0, help="seconds to wait for callbacks"
    )
    g.addoption(
        "--callback-grace",
        type=float,
        default=0.3,
        help="seconds to keep listening for callbacks that should not come",
    )
    g.addoption(
        "--coverage-strength",
        type=int,
        help="t of the t-wise covering plan of valid requests, 1-3 (default 2, which also "
        "holds every triple of the parameters that shape a recording)",
    )
    g.addoption(
        "--request-timeout",
        type=float,
        default=10.0,
        help="seconds for one HTTP request, connect, send and the whole answer (default 10)",
    )
    g.addoption(
        "--max-response-bytes",
        type=int,
        default=1 << 20,
        help="bytes of an answer the suite reads (default 1 MiB); a larger one is not judged",
    )
    g.addoption(
        "--ca-bundle",
        metavar="FILE",
        help="PEM certificates of the CAs that sign the target's TLS certificate (a private "
        "CA), trusted beside the default ones (certifi's; SSL_CERT_FILE=FILE replaces those)",
    )
    g.addoption(
        "--call-wait",
        type=float,
        default=30.0,
        help="seconds the call the suite creates may take to be in-progress (default 30)",
    )
    g.addoption(
        "--fail-on",
        choices=("partial", "must", "never"),
        default="partial",
        help="the result that fails the run (exit 1): partial, anything but success "
        "(default); must, a MUST clause failing; never, report only. With --expectations "
        "the result against them is judged, with --clause the result on those clauses. A "
        "clean-up that left something running always exits 6",
    )
    g.addoption(
        "--allow-remote",
        action="store_true",
        help="run against a target that is not on loopback (a live account: requests may cost)",
    )
    g.addoption(
        "--max-requests",
        type=int,
        help="hard budget of HTTP requests, never exceeded (retries count, clean-up is "
        "reserved); spent on the covering plan first, then the probes, then Hypothesis. "
        "At least 8: fewer cannot start, judge and clean up one recording",
    )
    g.addoption(
        "--retries",
        type=int,
        default=2,
        help="retries of a request on transport errors and 429/503 (default 2)",
    )
    g.addoption(
        "--retry-max-wait",
        type=float,
        default=30.0,
        help="seconds one request may wait for its retries (Retry-After is honoured)",
    )
    g.addoption(
        "--dry-run",
        action="store_true",
        help="print the planned requests and their count, and send none",
    )
    g.addoption(
        "--record-cassette",
        metavar="DIR",
        help="record the run's HTTP exchanges (no credentials) and callbacks into DIR",
    )
    g.addoption(
        "--replay-cassette",
        metavar="DIR",
        help="replay a recorded run offline, sending nothing: the same verdicts, no cost",
    )
    g.addoption(
        "--differential",
        action="append",
        default=[],
        metavar="DIR",
        help="a cassette of the reference (--record-cassette; repeat for a second one, to "
        "learn its noise): send its requests to the target and compare every answer and "
        "callback field by field (differential.json); no clause is judged",
    )
    g.addoption(
        "--accepted-differences",
        metavar="FILE",
        help="differences from the reference the target is known to have (TOML, see "
        "expectations/differences/): reported as accepted, not failing the run",
    )
    g.addoption(
        "--expectations",
        metavar="FILE",
        help="the implementation's declared deviations (TOML, see expectations/): shown as "
        "expected deviations, and the run judged against them too",
    )
    r = parser.getgroup("conformance report", "who is tested, as conformance.json names it")
    r.addoption("--implementation-organization", help="who makes the implementation")
    r.addoption("--implementation-project", help="its name")
    r.addoption("--implementation-version", help="its version")
    r.addoption("--implementation-url", help="its home page")
    r.addoption(
        "--implementation-contact",
        action="append",
        default=[],
        help="an e-mail address or URL to reach its maintainers (repeatable)",
    )
    g.addoption(
        "--clause",
        action="append",
        default=[],
        metavar="ID",
        help="judge only this clause (repeatable): its own tests run, the Hypothesis and "
        "schemathesis tests, which judge many clauses at once, do not. The exit status "
        "judges the clauses asked for (the report's result, over all, is at best partial)",
    )
    g.addoption("--report-dir", default="reports/out", help="where the HTML and JUnit reports go")
    g.addoption(
        "--emulator-fault",
        action="append",
        default=[],
        metavar="NAME",
        help="run the embedded emulator with this fault (repeatable)",
    )
    g.addoption(
        "--emulator-variant",
        action="append",
        default=[],
        metavar="NAME",
        help="run the embedded emulator answering otherwise where the contract is silent "
        "(repeatable; emulator/variants.py: error-dialect, media-url-field, "
        "callback-parameters-reversed)",
    )
