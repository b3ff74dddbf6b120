"""A pytest plugin for mutmut's runs of the conformance suite (`-p benchmarks.whole_suite_plugin`).

mutmut 3 runs, for each mutant, only the tests it saw call the mutated function. The
suite's tests share session fixtures: the covering plan and the probes are sent while
the first test sets up, and every clause test judges their exchanges afterwards, so
the test that would see a mutant is seldom the one that called it. This plugin makes
every run the whole suite, whatever node ids mutmut names, and gives each run its own
report directory, as mutmut runs two mutants at a time.
"""

from __future__ import annotations

import os
import tempfile

import pytest

from benchmarks.mutmut_adapter import called_since_last_test, running_state

SUITE = "conformance"


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(
    early_config: pytest.Config, parser: pytest.Parser, args: list[str]
) -> None:
    # Before the arguments are parsed: the node ids mutmut selected go, the suite comes.
    kept = [a for a in args if "::" not in a and a != SUITE]
    args[:] = [*kept, SUITE, f"--report-dir={tempfile.mkdtemp(prefix='mutant-')}"]


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """mutmut credits the functions called during a test to that test, at its teardown;
    the suite's clean-up (the call ended) comes after the last one, so mutmut would call
    its mutants untested and skip them. Credit what ran after the last test to it."""
    state = running_state()
    if state is None or os.environ.get("MUTANT_UNDER_TEST") != "stats":
        return
    called = called_since_last_test(state)
    if not state.duration_by_test or not called:
        return
    last = next(reversed(state.duration_by_test)).removeprefix("mutants/")
    for function in called:
        state.tests_by_mangled_function_name[function].add(last)
    called.clear()
