"""The project's own tests: spread over every core by pytest-xdist (when installed and
no -n is given), and searching harder than a suite run does."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

from conformance.plugin import load_profile

# The suite's profiles draw a few examples per test (a run is requests to a target);
# the project's own property tests are pure and cheap, so they draw many.
OWN_EXAMPLES = 100


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
    options.numprocesses = "auto"


def pytest_configure(config: pytest.Config) -> None:
    load_profile()  # the suite's (dev, or ci where CI is set), with more examples
    current = settings.get_current_profile_name()
    own = f"{current}-own-tests"
    settings.register_profile(own, settings.get_profile(current), max_examples=OWN_EXAMPLES)
    settings.load_profile(own)
