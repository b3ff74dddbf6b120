"""The project's own tests: spread over every core by pytest-xdist (when installed and
no -n is given; half again as many workers as cores), and searching harder than a suite
run does."""

from __future__ import annotations

import os
import pickle
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest
from hypothesis import settings

from conformance.plugin import load_profile
from emulator.variants import VARIANTS
from power.runner import ROOT, SuiteRun, run_suite, run_suite_in_process

# The suite's profiles draw a few examples per test (a run is requests to a target);
# the project's own property tests are pure and cheap, so they draw many.
OWN_EXAMPLES = 100

T = TypeVar("T")


@pytest.hookimpl(tryfirst=True)
def pytest_cmdline_main(config: pytest.Config) -> None:
    # Registered after xdist's plugin, so this runs before xdist reads -n.
    options = config.option
    if not hasattr(options, "numprocesses") or options.numprocesses is not None:
        return
    if os.environ.get("PYTEST_XDIST_WORKER") or hasattr(config, "workerinput"):
        return  # a worker already: never spread again
    if "no:xdist" in config.invocation_params.args or options.collectonly:
        return
    options.numprocesses = _workers()
    if options.dist == "no":
        # Whole suite runs take seconds each, unevenly: a worker that runs out of tests
        # takes half of another's, instead of one long test ending the session alone.
        options.dist = "worksteal"


def _workers() -> int | str:
    """Half again as many workers as cores: much of these tests' time is spent waiting
    (deadlines, stalls and retries, callbacks, servers and subprocesses starting), which
    another worker's work fills. PYTEST_XDIST_AUTO_NUM_WORKERS still decides, if set."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return "auto"
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(2, (cores or 1) * 3 // 2)


def pytest_configure(config: pytest.Config) -> None:
    load_profile()  # the suite's (dev, or ci where CI is set), with more examples
    current = settings.get_current_profile_name()
    own = f"{current}-own-tests"
    settings.register_profile(own, settings.get_profile(current), max_examples=OWN_EXAMPLES)
    settings.load_profile(own)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The judges of the shared suite runs first, together: on pytest-xdist they then go
    # to one worker, which makes the runs while the others test, none waiting for them.
    items.sort(key=lambda item: "suite_runs" not in getattr(item, "fixturenames", ()))


def once_per_session(factory: pytest.TempPathFactory, name: str, build: Callable[[Path], T]) -> T:
    """`build(directory)`, made once per session whichever pytest-xdist worker asks
    first; the others wait for it and read its pickled result (xdist's documented
    pattern), instead of each paying for it again."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return build(factory.mktemp(name))
    from filelock import FileLock  # a dev dependency, as pytest-xdist is

    root = factory.getbasetemp().parent  # this session's, shared by its workers
    made = root / f"{name}.pickle"
    with FileLock(root / f"{name}.lock"):
        if made.exists():
            return pickle.loads(made.read_bytes())
        directory = root / name
        directory.mkdir()
        value = build(directory)
        made.write_bytes(pickle.dumps(value))
    return value


# Whole suite runs against the embedded emulator that more than one module judges.
EXPECTATIONS = str(ROOT / "expectations" / "twilio-style-201.toml")
NAMED = ("--implementation-organization", "Example Org", "--implementation-project", "Mock")
SUITE_RUNS = {
    # The faithful emulator, judged also against expectations it no longer needs.
    "clean": ("--expectations", EXPECTATIONS),
    # A response fault and a callback fault (a replay needs the exchanges and the
    # callbacks): recorded too, for tests/test_cassette.py to replay.
    "faulted": (
        "--emulator-fault",
        "trim-default-trims",
        "--emulator-fault",
        "callback-sent-twice",
    ),
    # A declared deviation that does fail.
    "deviant": (
        *("--emulator-fault", "created-201", "--expectations", EXPECTATIONS, *NAMED),
        *("--implementation-version", "2"),
    ),
    # Too few requests to reach some families: they have no score.
    "budgeted": ("--max-requests", "20"),
    # The faithful emulator recorded once more: with "clean", the two recordings of one
    # plan a differential run learns the reference's noise from (tests/test_differential.py).
    "clean-again": (),
    # The emulator answering otherwise where the contract is silent: still a success.
    "variants": tuple(a for v in VARIANTS for a in ("--emulator-variant", v)),
}
RECORDED = ("faulted", "clean", "clean-again")
CASSETTE = "cassette"  # in the recorded run's report directory


def _suite_runs(directory: Path) -> dict[str, tuple[SuiteRun, Path]]:
    """The runs by `pytest.main` in this process, but the recorded one: a recording and
    its replay draw the same requests only with the same modules loaded (Hypothesis draws
    constants from them, conformance/cassette.py), as processes of their own have."""
    out = {}
    for name, args in SUITE_RUNS.items():
        reports = directory / name
        if name in RECORDED:
            recorded = (*args, "--record-cassette", str(reports / CASSETTE))
            out[name] = (run_suite(*recorded, report_dir=reports), reports)
        else:
            out[name] = (run_suite_in_process(*args, report_dir=reports), reports)
    return out


@pytest.fixture(scope="session")
def suite_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[SuiteRun, Path]]:
    """Each run of SUITE_RUNS with the directory of its reports, once per session."""
    return once_per_session(tmp_path_factory, "suite-runs", _suite_runs)


@pytest.fixture
def throwaway_tls(tmp_path: Path) -> tuple[tuple[str, str], str]:
    """A certificate for 127.0.0.1 from a CA no system trusts (trustme): the (certificate,
    key) files a server is started with, and the CA's certificate file a client trusts."""
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    certfile, keyfile, cafile = tmp_path / "cert.pem", tmp_path / "key.pem", tmp_path / "ca.pem"
    cert.cert_chain_pems[0].write_to_path(str(certfile))
    cert.private_key_pem.write_to_path(str(keyfile))
    ca.cert_pem.write_to_path(str(cafile))
    return (str(certfile), str(keyfile)), str(cafile)


@pytest.fixture
def rendered_dom(tmp_path: Path) -> Callable[[Path], str]:
    """`rendered_dom(page)`: the page as headless Chromium renders it, scripts run (the
    report tests look through it). In CI a missing Chromium fails; elsewhere it skips."""
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing: .ci/run installs it")
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run"]
    flags += ["--disable-background-networking", "--disable-component-update", "--disable-sync"]
    flags += [f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=5000"]

    def render(page: Path) -> str:
        done = subprocess.run(
            [browser, *flags, "--dump-dom", page.as_uri()],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout

    return render
