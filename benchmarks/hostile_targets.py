"""The suite against hostile and broken targets: one run per target behaviour, each
through emulator/hostile.py in front of the faithful emulator, with the default
settings unless the row says otherwise.

    python benchmarks/hostile_targets.py [--row NAME ...] [--out DIR] [--suite DIR]

Prints a Markdown table: per target, the exit status, wall time, the run's peak
resident memory, the size of its reports, how many clauses passed, whether any
spelling of the token reached an output, how many requests carried a cookie back, what
a peer of the callback receiver sent (the receiver's rows: forged or oversized
callbacks) and what the run says. Some rows are not the target's answers but the run's
surroundings: proxy variables, odd options.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from emulator.hostile import (
    ENV,
    SID,
    TOKEN,
    Behaviour,
    Body,
    Forger,
    HostileTarget,
    Silence,
    bombing_creates,
    call_create_answers,
    callback_urls,
    drip,
    echo_credentials,
    forging,
    hostile,
    huge,
    invalid_utf8,
    nested,
    on_creates,
    queued_calls,
    set_cookies,
    streamed,
)
from power.progress import progress
from power.runner import ROOT

ROWS: dict[str, tuple[Callable[[], Behaviour], tuple[str, ...]]] = {
    "create drips 1 byte/s forever (--request-timeout 5)": (
        lambda: on_creates(lambda: drip(1.0)),
        ("--request-timeout", "5"),
    ),
    "echoes the credentials in bodies and headers (with a cassette)": (
        lambda: Behaviour(alter=echo_credentials),
        ("--record-cassette", "{reports}/cassette"),
    ),
    "create answers a 20 MB body": (lambda: on_creates(lambda: huge(20 << 20)), ()),
    "create answers a 200 MB body": (lambda: on_creates(lambda: huge(200 << 20)), ()),
    "create answers JSON nested 100,000 deep": (lambda: on_creates(lambda: nested(100_000)), ()),
    "call create answers 201 without a sid": (
        lambda: call_create_answers(201, {"status": "queued"}),
        (),
    ),
    "call create answers 404": (lambda: call_create_answers(404, {"message": "no"}), ()),
    "the created call stays queued": (lambda: Behaviour(alter=queued_calls), ()),
    "never answers the creates (default settings)": (lambda: on_creates(Silence), ()),
    "invalid UTF-8 inside a JSON body": (lambda: Behaviour(alter=invalid_utf8), ()),
    "create answers a gzip bomb (1,827 bytes, `gzip, gzip`, 1 GiB decoded)": (
        bombing_creates,
        (),
    ),
    "sets a session cookie on every answer": (lambda: Behaviour(alter=set_cookies), ()),
    "faithful, every proxy variable set to a dead proxy": (Behaviour, ()),
    "faithful, `--call-sid` with `?` and `#`": (Behaviour, ("--call-sid", "CA?x#y")),
    "faithful, a 10,000-character `--call-sid`": (Behaviour, ("--call-sid", "C" * 10_000)),
}
# The environment of a row, over the benchmark's: a proxy on a port nothing listens on.
# Such a row runs against the embedded emulator, whose callbacks then see it too.
DEAD_PROXY = "http://127.0.0.1:9"
ENVIRONMENTS: dict[str, dict[str, str]] = {
    "faithful, every proxy variable set to a dead proxy": {
        "HTTP_PROXY": DEAD_PROXY,
        "HTTPS_PROXY": DEAD_PROXY,
        "http_proxy": DEAD_PROXY,
        "ALL_PROXY": "socks5://127.0.0.1:9",
    },
}


@dataclass(frozen=True)
class Peer:
    """Who reaches the suite's callback receiver during the run: a forger, given the
    target and the receiver's base URL; and how long a field the target's own
    callbacks carry besides theirs."""

    forger: Callable[[HostileTarget, str], Forger] | None = None
    padding: int = 0


def _unknown(receiver: str) -> str:
    return f"{receiver}/cb/{uuid.uuid4().hex}"


def _once_each(target: HostileTarget, unknown: str, body: Body) -> Forger:
    """`body` once to the first callback URL the target was given, once to `unknown`."""

    def urls() -> list[str]:
        given = callback_urls(target.behaviour)[:1]
        return [*given, unknown] if given else []

    return Forger(urls, body, once=True)


_COMPLETED = b"RecordingStatus=completed"
# The receiver's rows: each run with --callback-port, so a forger knows where it listens.
RECEIVER_ROWS: dict[str, tuple[Callable[[], Behaviour], tuple[str, ...], Peer]] = {
    "receiver: forged callbacks to unknown URLs every 0.1 s for 60 s": (
        Behaviour,
        (),
        Peer(lambda t, r: Forger(lambda: [_unknown(r)], lambda: _COMPLETED)),
    ),
    "receiver: the target re-posts a callback URL every 0.1 s for 60 s": (
        Behaviour,
        (),
        Peer(lambda t, r: Forger(lambda: callback_urls(t.behaviour)[:1], lambda: _COMPLETED)),
    ),
    "receiver: a forged 100 MB body, to a URL handed out and to one not (with a cassette)": (
        Behaviour,
        ("--record-cassette", "{reports}/cassette"),
        Peer(lambda t, r: _once_each(t, _unknown(r), streamed(100 << 20, b"a"))),
    ),
    "receiver: 20 MB of a=1& pairs to a URL handed out": (
        Behaviour,
        (),
        Peer(
            lambda t, r: Forger(
                lambda: callback_urls(t.behaviour)[:1], streamed(20 << 20, b"a=1&"), once=True
            )
        ),
    ),
    "receiver: the target's callbacks each carry a 5 MB field": (
        Behaviour,
        (),
        Peer(padding=5 << 20),
    ),
}
SECRETS = (TOKEN, base64.b64encode(f"{SID}:{TOKEN}".encode()).decode())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_row(name: str, out: Path, suite: Path = ROOT) -> dict[str, object]:
    make, args, peer = RECEIVER_ROWS[name] if name in RECEIVER_ROWS else (*ROWS[name], Peer())
    reports = out / re.sub(r"[^a-z0-9]+", "-", name.split(" (")[0].lower()).strip("-")
    port = _free_port()
    receiver = f"http://127.0.0.1:{port}"
    with hostile(make(), callback_padding=peer.padding) as target:
        command = [sys.executable, "-m", "pytest", "conformance", "-p", "no:cacheprovider", "-q"]
        # A row of the environment runs the embedded emulator, which then has it too.
        where = [] if name in ENVIRONMENTS else ["--base-url", target.base_url]
        command += [*where, "--report-dir", str(reports)]
        command += ["--callback-port", str(port)]
        command += [a.format(reports=reports) for a in args]
        forger = peer.forger(target, receiver) if peer.forger else None
        started = time.monotonic()
        with forging(forger) if forger else contextlib.nullcontext():
            proc = subprocess.Popen(
                command,
                cwd=suite,
                env={**os.environ, **ENV, **ENVIRONMENTS.get(name, {})},
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
            )
            output = proc.stdout.read() if proc.stdout else b""
            _, status, usage = os.wait4(proc.pid, 0)
            seconds = time.monotonic() - started
        running = sum(c.status == "in-progress" for c in target.emulator.store.calls.values())
        cookies = sum(bool(s.cookie) for s in target.behaviour.seen)
    files = [p for p in reports.rglob("*") if p.is_file()]
    written = [p.read_bytes() for p in files]
    leaked = any(s.encode() in blob for s in SECRETS for blob in [output, *written])
    report = reports / "conformance.json"
    passed = (
        sum(c["verdict"] == "pass" for c in json.loads(report.read_text())["clauses"])
        if report.exists()
        else 0
    )
    lines = output.decode(errors="replace").splitlines()
    error = next((line for line in lines if line.startswith("ERROR: ")), "")
    cleanup = next((line for line in lines if line.startswith("clean-up: ")), "")
    result = next((line for line in lines if line.startswith("result: ")), "")
    return {
        "target": name,
        "exit": os.waitstatus_to_exitcode(status),
        "seconds": round(seconds, 1),
        "peak_mib": usage.ru_maxrss // 1024,
        "reports_kib": sum(len(b) for b in written) // 1024,
        "largest_report_kib": max((len(b) for b in written), default=0) // 1024,
        "clauses_passed": passed,
        "secret_in_output": leaked,
        "calls_left_running": running,
        "cookies_sent": cookies,
        "peer_posts": len(forger.answers) if forger else 0,
        "peer_answers": dict(Counter(forger.answers)) if forger else {},
        "says": error or result or cleanup,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--row", action="append", choices=sorted([*ROWS, *RECEIVER_ROWS]), default=[]
    )
    parser.add_argument("--out", default="reports/out/hostile")
    parser.add_argument(
        "--suite",
        default=str(ROOT),
        help="the checkout whose suite runs (default this one; another, such as a "
        "`git archive` of an earlier commit, for a before-and-after against the same targets)",
    )
    args = parser.parse_args(argv)
    out = Path(args.out)
    names = args.row or [*ROWS, *RECEIVER_ROWS]
    suite = Path(args.suite)
    rows = [run_row(n, out, suite) for n in progress(names, len(names), "hostile targets")]
    print(
        "| target | exit | wall (s) | peak RSS (MiB) | reports (KiB, largest) | clauses passed "
        "| token in an output | calls left running | cookies sent back "
        "| peer's posts (answers) | says |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(
            f"| {r['target']} | {r['exit']} | {r['seconds']} | {r['peak_mib']} | "
            f"{r['reports_kib']} ({r['largest_report_kib']}) | {r['clauses_passed']} | "
            f"{'YES' if r['secret_in_output'] else 'no'} | {r['calls_left_running']} | "
            f"{r['cookies_sent']} | {r['peer_posts']} {r['peer_answers'] or ''} | {r['says']} |"
        )
    out.mkdir(parents=True, exist_ok=True)
    (out / "hostile-targets.json").write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
