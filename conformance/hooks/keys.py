"""What a run keeps on pytest's config, shared by its hooks and fixtures; and the
harness and the receiver, each built on first need (`harness_of`, `receiver_of`)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from conformance.client.cassette import Cassette
from conformance.client.receiver import CallbackReceiver
from conformance.client.target import TargetClient
from conformance.hooks.judging import Judged
from conformance.run.calls import Harness
from conformance.run.listing import CallLedger
from conformance.run.options import SuiteSession
from contract.failures import ConfigurationError

SESSION = pytest.StashKey[SuiteSession]()
HARNESS = pytest.StashKey[Harness]()
CLEANUP = pytest.StashKey[list[str]]()
CLEANUP_LEFT = pytest.StashKey[list[str]]()
CASSETTE = pytest.StashKey[Cassette]()
RECEIVER = pytest.StashKey[CallbackReceiver]()
JUDGED = pytest.StashKey[Judged]()
UNDO_SCRUB = pytest.StashKey[Callable[[], None]]()
CLOSING = pytest.StashKey[list[str]]()
# Requests sent when a violation first failed a test (run.json): how soon a run finds.
FIRST_FAILURE = pytest.StashKey[int]()
# The call's ledger (conformance/run/listing.py), opened before the first create when a test
# of the run reads it.
LEDGER = pytest.StashKey[CallLedger]()


def harness_of(config: pytest.Config) -> Harness:
    """The suite's client and harness, built on first use (a dry run builds none)."""
    if HARNESS not in config.stash:
        suite = config.stash[SESSION]
        client = TargetClient(
            suite.target,
            budget=suite.budget,
            retry=suite.settings.retry,
            max_body=suite.settings.max_response_bytes,
        )
        config.stash[HARNESS] = Harness(client, suite.settings.call_wait)
    return config.stash[HARNESS]


def receiver_of(config: pytest.Config) -> CallbackReceiver:
    """The run's callback receiver, started on first use (a replay's holds what the
    cassette recorded, and listens nowhere). A host or port it cannot listen on is the
    user's mistake: a configuration error, one line."""
    if RECEIVER not in config.stash:
        suite = config.stash[SESSION]
        s = suite.settings
        if suite.replayed:
            config.stash[RECEIVER] = suite.replayed.receiver()
        else:
            r = CallbackReceiver(s.callback_url, scrub=suite.scrubber)
            try:
                r.start(s.callback_host, s.callback_port)
            except (OSError, RuntimeError) as exc:
                where = f"{s.callback_host}:{s.callback_port}"
                raise ConfigurationError(
                    f"--callback-host/--callback-port {where}: the callback receiver cannot "
                    f"listen there ({getattr(exc, 'strerror', None) or exc})"
                ) from None
            config.stash[RECEIVER] = r
    return config.stash[RECEIVER]
