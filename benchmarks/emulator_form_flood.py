"""The emulator's peak memory under a flood of forms (issue 22, item 9): `python -m
emulator` in a process of its own, sent --clients concurrent bodies of --mib MiB of
"a&" (a field per two bytes) to the recording create, its peak resident memory read
from /proc (Linux) once they are answered.

    python benchmarks/emulator_form_flood.py [--clients 60] [--mib 1] [--home DIR]

`--home` runs the emulator of another checkout (a `git archive` of a commit, say), for
a before-and-after with the same load.
"""

from __future__ import annotations

import argparse
import socket
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

from emulator.process import HOME, SID, TOKEN

FORM = {"content-type": "application/x-www-form-urlencoded"}


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _peak_mib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) // 1024
    return -1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=60)
    parser.add_argument("--mib", type=int, default=1)
    parser.add_argument("--home", default=str(HOME))
    args = parser.parse_args(argv)
    port = _free_port()
    command = [sys.executable, "-m", "emulator", "--port", str(port), "--account", f"{SID}:{TOKEN}"]
    proc = subprocess.Popen(
        command, cwd=args.home, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    base = f"http://127.0.0.1:{port}/api/laml/2010-04-01/Accounts/{SID}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                call = httpx.post(
                    f"{base}/Calls.json",
                    data={"To": "+1", "From": "+2", "Url": "http://127.0.0.1:9"},
                    auth=(SID, TOKEN),
                    timeout=2,
                ).json()["sid"]
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the emulator did not start") from None
                time.sleep(0.05)
        idle = _peak_mib(proc.pid)
        body = b"a&" * (args.mib << 19)
        url = f"{base}/Calls/{call}/Recordings.json"

        def send(_: int) -> int:
            try:
                return httpx.post(
                    url, content=body, headers=FORM, auth=(SID, TOKEN), timeout=120
                ).status_code
            except httpx.HTTPError:
                return -1

        started = time.monotonic()
        with ThreadPoolExecutor(args.clients) as pool:
            answers = Counter(pool.map(send, range(args.clients)))
        seconds = time.monotonic() - started
        peak = _peak_mib(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
    print(
        f"{args.clients} concurrent {args.mib} MiB forms of 'a&' ({args.home}): "
        f"answers {dict(answers)}, {seconds:.1f} s, emulator peak RSS {peak} MiB "
        f"(idle {idle} MiB)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
