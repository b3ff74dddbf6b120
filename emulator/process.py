"""The emulator in a process of its own (`python -m emulator`), on loopback, for callers
that must reach it over HTTP as they would any server: the kill matrix's runs over
HTTP and the benchmarks beside schemathesis."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from contract.terms import API_VERSION

# The account it accepts, made up: the caller passes the same to whatever it points at it.
SID, TOKEN = "7d2b0c1e-3f4a-4b5c-8d6e-9f0a1b2c3d4e", "mutation-token"
SIGNING_KEY = "mutation-signing-key"  # signs that account's callbacks, made up as well
# Started from the directory that holds this package, so `-m emulator` runs this copy.
HOME = Path(__file__).resolve().parents[1]
START_TIMEOUT = 30.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def separate_emulator(faults: tuple[str, ...] = ()) -> Iterator[str]:
    """`python -m emulator` with `faults`, accepting SID:TOKEN, until the block ends;
    yields its base URL once it answers."""
    port = _free_port()
    flags = [a for f in faults for a in ("--fault", f)]
    command = [sys.executable, "-m", "emulator", "--port", str(port)]
    proc = subprocess.Popen(
        [*command, "--account", f"{SID}:{TOKEN}", *flags],
        cwd=HOME,
        env={**os.environ, "SIGNALWIRE_SIGNING_KEY": SIGNING_KEY},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/api/laml/{API_VERSION}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                httpx.get(base, timeout=1, trust_env=False)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"emulator with {faults} did not start") from None
                time.sleep(0.05)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)
