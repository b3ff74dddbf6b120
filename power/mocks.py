"""A mock server (Prism, Mockoon: any command that serves HTTP) run for the length of a
block, for the tests and the benchmark that point the suite at a real mock."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx


class NotServing(RuntimeError):
    """The mock ended, or did not answer, before its deadline."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def serving(argv: list[str], base: str, log: Path | None, wait: float) -> Iterator[str]:
    """`argv` started in a process group of its own (ended whole when the block ends),
    its output to `log` (or nowhere); `base` yielded once it answers, within `wait` s."""
    with open(log, "wb") if log else open(os.devnull, "wb") as out:
        process = subprocess.Popen(argv, stdout=out, stderr=out, start_new_session=True)
    try:
        deadline = time.monotonic() + wait
        while True:
            if process.poll() is not None:
                raise NotServing(f"{Path(argv[0]).name} ended before it served")
            try:
                _answers(base)
                break
            except OSError:
                if time.monotonic() > deadline:
                    name = Path(argv[0]).name
                    raise NotServing(f"{name} did not answer within {wait:g} s") from None
                time.sleep(0.25)
        yield base
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def _answers(base: str) -> None:
    """Whether anything listens at the base URL's port (any answer will do)."""
    try:
        httpx.get(base, timeout=1)
    except httpx.TransportError as exc:
        raise OSError(str(exc)) from None
