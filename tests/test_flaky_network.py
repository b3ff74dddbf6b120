"""Through a flaky network (emulator/flaky.py in front of the emulator): transport
trouble is never reported as non-conformance, and non-conformance is never retried
away."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from contract.terms import API_VERSION
from emulator import Account, start
from emulator.flaky import FlakyProxy, RunningProxy, Trouble, start_proxy
from power.runner import SuiteRun, run_suite_in_process

SID, TOKEN = "5b3f8f2e-9a41-4c0e-8d7b-2f6a1c9e0d11", "flaky-token"
# Few requests (the live profile) and one in ten troubled: the stalls and backoffs cost
# real seconds, and a run of a few hundred requests still meets every kind of trouble.
FRUGAL = ("--coverage-strength", "2", "--request-timeout", "1")
ENV = {"SIGNALWIRE_PROJECT_ID": SID, "SIGNALWIRE_API_TOKEN": TOKEN, "HYPOTHESIS_PROFILE": "live"}


@contextmanager
def flaky_emulator(
    rate: float,
    faults: tuple[str, ...] = (),
    kinds: tuple[Trouble, ...] = tuple(Trouble),
    seed: int = 7,
) -> Iterator[RunningProxy]:
    emulator = start(accounts=(Account(SID, TOKEN),), faults=faults)
    origin = emulator.base_url.split("/api/")[0]
    proxy = start_proxy(FlakyProxy(origin, rate, kinds, seed=seed, stall_seconds=1.5))
    try:
        yield proxy
    finally:
        proxy.stop()
        emulator.stop()


def _through(proxy: RunningProxy, tmp_path: Path, *args: str) -> SuiteRun:
    base = f"{proxy.url}/api/laml/{API_VERSION}"
    # Transport trouble leaves clauses inconclusive: only a MUST failure fails the run.
    args = ("--fail-on", "must", *args)
    return run_suite_in_process("--base-url", base, *FRUGAL, *args, report_dir=tmp_path, env=ENV)


def _inconclusive(tmp_path: Path) -> int:
    cases = ET.parse(tmp_path / "junit.xml").iter("testcase")
    return sum(
        1 for c in cases if (s := c.find("skipped")) is not None and "inconclusive" in str(s.attrib)
    )


def test_transport_trouble_is_never_reported_as_non_conformance(tmp_path: Path) -> None:
    with flaky_emulator(0.1) as proxy:
        run = _through(proxy, tmp_path, "--retries", "4", "--retry-max-wait", "10")
        counts = proxy.proxy.counts
    assert all(counts[k] > 0 for k in Trouble), counts  # every kind of trouble happened
    assert run.failures == (), run.output[-4000:]
    assert run.returncode == 0 and run.passed > 40


def test_past_the_retry_bound_checks_are_inconclusive_not_failed(tmp_path: Path) -> None:
    kinds = (Trouble.DROP, Trouble.UNAVAILABLE, Trouble.RESET)
    # A seed whose first draws let the set-up through (without its call the run stops
    # with a configuration error, as it should): this test is about what comes after.
    with flaky_emulator(0.25, kinds=kinds, seed=5) as proxy:
        run = _through(proxy, tmp_path, "--retries", "0")
    assert run.returncode != 4 and run.failures == (), run.output[-4000:]
    assert _inconclusive(tmp_path) > 0


def test_non_conformance_is_never_retried_away(tmp_path: Path) -> None:
    # One fault answers 500 to invalid input: a 5xx is a verdict, never retried.
    faults = ("trim-default-trims", "invalid-answers-500")
    with flaky_emulator(0.1, faults) as proxy:
        run = _through(proxy, tmp_path, "--retries", "4", "--retry-max-wait", "10")
    # A 5xx breaks GENERIC-OPENAPI too (schemathesis' not_a_server_error).
    assert run.violated == {"DEFAULT-TRIM", "NO-SERVER-ERROR", "GENERIC-OPENAPI"}, run.output[
        -4000:
    ]
