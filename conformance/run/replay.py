"""The commands that bring back the embedded emulator a run was judged against, so
that a curl line of its evidence can be replayed after the run.

The embedded emulator lives as long as the run: its port is random and its accounts
and calls are made up, so a recorded `curl` names a server that is gone. Replaying
needs the same emulator again: the same faults and variants, the same port and account (both are
in the curl's URL) and the call the suite recorded on, in progress.

Not the same token, and on purpose: the suite's rule is that no token is written
anywhere, and the run's token, though made up, is not singled out (one rule is easier
to trust, and to test, than one with an exception). Nor is it needed: the emulator
accepts the token it is started with, and the curl reads the same variable, so the
commands set a throwaway value for both. They set it explicitly, so that a real token
a shell may already hold is not handed to a local server.

The second account the embedded emulator held (for the isolation check) is not made
again: the emulator answers a path naming an account it holds but the caller does not
own as it answers one naming an account it does not hold, faults included.
"""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path
from typing import Any

REPLAY_TOKEN = "replay-token"  # a throwaway value: any string works, see above


def interpreter(here: Path | None = None) -> str:
    """The Python that runs the suite, as a printed command names it: a bare `python` or
    `pytest` fails where its virtual environment is not activated (`.venv/bin/python`
    from the project's directory, else its full path)."""
    python = Path(sys.executable)
    here = Path.cwd() if here is None else here
    if python.is_relative_to(here):
        return shlex.quote(os.path.relpath(python, here))
    return shlex.quote(str(python))


def replay_commands(emulator: Any) -> str | None:
    """For an embedded emulator (emulator.RunningEmulator; None for any other target),
    the shell lines that start the same emulator in the background."""
    if emulator is None:
        return None
    account = emulator.accounts[0].sid
    calls = [sid for sid, call in emulator.store.calls.items() if call.account_sid == account]
    words = ["-m", "emulator", "--port", str(emulator.server.port)]
    for sid in calls:  # the suite's own; it ended them at clean-up, not before
        words += ["--call", sid]
    for fault in emulator.faults:
        words += ["--fault", fault]
    for variant in emulator.variants:
        words += ["--variant", variant]
    return (
        f"export SIGNALWIRE_PROJECT_ID={shlex.quote(account)} "
        f"SIGNALWIRE_API_TOKEN={REPLAY_TOKEN}\n"
        + " ".join([interpreter(), *map(shlex.quote, words)])
        + " &"
    )
