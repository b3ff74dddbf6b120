"""The suite against hostile and broken targets: one run per target behaviour, each
through emulator/hostile.py in front of the faithful emulator, with the default
settings unless the row says otherwise.

    python benchmarks/hostile_targets.py [--row NAME ...] [--out DIR]

Prints a Markdown table: per target, the exit status, wall time, the run's peak
resident memory, the size of the reports it wrote, how many clauses passed, whether
any spelling of the token reached an output, how many requests carried a cookie back,
and what the run's error line or clean-up says. Some rows are not the target's
answers but the run's surroundings: proxy variables, odd options.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from emulator.hostile import (
    ENV,
    SID,
    TOKEN,
    Behaviour,
    Silence,
    bombing_creates,
    call_create_answers,
    drip,
    echo_credentials,
    hostile,
    huge,
    invalid_utf8,
    nested,
    on_creates,
    queued_calls,
    set_cookies,
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
SECRETS = (TOKEN, base64.b64encode(f"{SID}:{TOKEN}".encode()).decode())


def run_row(name: str, out: Path) -> dict[str, object]:
    make, args = ROWS[name]
    reports = out / re.sub(r"[^a-z0-9]+", "-", name.split(" (")[0].lower()).strip("-")
    with hostile(make()) as target:
        command = [sys.executable, "-m", "pytest", "conformance", "-p", "no:cacheprovider", "-q"]
        # A row of the environment runs the embedded emulator, which then has it too.
        where = [] if name in ENVIRONMENTS else ["--base-url", target.base_url]
        command += [*where, "--report-dir", str(reports)]
        command += [a.format(reports=reports) for a in args]
        started = time.monotonic()
        proc = subprocess.Popen(
            command,
            cwd=ROOT,
            env={**os.environ, **ENV, **ENVIRONMENTS.get(name, {})},
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        output = proc.stdout.read() if proc.stdout else b""
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.monotonic() - started
        running = sum(c.status == "in-progress" for c in target.emulator.store.calls.values())
        cookies = sum(bool(s.cookie) for s in target.behaviour.seen)
    written = [p.read_bytes() for p in reports.rglob("*") if p.is_file()]
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
    return {
        "target": name,
        "exit": os.waitstatus_to_exitcode(status),
        "seconds": round(seconds, 1),
        "peak_mib": usage.ru_maxrss // 1024,
        "reports_kib": round(sum(len(blob) for blob in written) / 1024),
        "clauses_passed": passed,
        "secret_in_output": leaked,
        "calls_left_running": running,
        "cookies_sent": cookies,
        "says": (error or cleanup)[:160],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--row", action="append", choices=sorted(ROWS), default=[])
    parser.add_argument("--out", default="reports/out/hostile")
    args = parser.parse_args(argv)
    out = Path(args.out)
    names = args.row or list(ROWS)
    rows = [run_row(name, out) for name in progress(names, len(names), "hostile targets")]
    print(
        "| target | exit | wall (s) | peak RSS (MiB) | reports (KiB) | clauses passed "
        "| token in an output | calls left running | cookies sent back | says |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        print(
            f"| {r['target']} | {r['exit']} | {r['seconds']} | {r['peak_mib']} | "
            f"{r['reports_kib']} | {r['clauses_passed']} | "
            f"{'YES' if r['secret_in_output'] else 'no'} | {r['calls_left_running']} | "
            f"{r['cookies_sent']} | {r['says']} |"
        )
    out.mkdir(parents=True, exist_ok=True)
    (out / "hostile-targets.json").write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
