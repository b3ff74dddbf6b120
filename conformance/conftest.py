"""The conformance suite's fixtures and hooks, one module per job; pytest finds them
here. Options and profiles are declared in the plugin, conformance/plugin.py."""

from conformance.hooks.collection import pytest_collection_modifyitems, pytest_generate_tests  # noqa: F401
from conformance.hooks.fixtures import (  # noqa: F401
    call_ledger,
    first_look_valid,
    harness,
    judged,
    receiver,
    refusal_corpus,
    refusal_looks,
    staged_plan,
    suite,
    valid_corpus,
)
from conformance.hooks.lifecycle import (  # noqa: F401
    pytest_configure,
    pytest_report_header,
    pytest_runtestloop,
    pytest_sessionfinish,
    pytest_sessionstart,
    pytest_terminal_summary,
    pytest_unconfigure,
)
from conformance.hooks.verdicts import pytest_runtest_makereport  # noqa: F401
