"""Side by side over the fault catalog: schemathesis alone (its own CLI, all its
checks, the project's OpenAPI document) and this suite, each against a separately
started emulator per fault, reached over HTTP on loopback.

    python benchmarks/schemathesis_vs_suite.py [--jobs N] [--fault NAME ...] [--out DIR]

Reports, for each tool: faults killed, false positives on the faithful emulator,
requests sent and wall time. schemathesis is given what it needs to reach the
endpoint at all (Basic auth, and the account and a live call pinned as path
parameters) and nothing else.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from emulator.faults import catalog
from emulator.process import SID, TOKEN, separate_emulator
from power.killmatrix import CLEAN
from power.progress import progress
from power.runner import ROOT, run_suite


@dataclass(frozen=True)
class Outcome:
    failed: bool
    requests: int
    seconds: float


def run_schemathesis(base: str, schema: str, out: Path, *extra: str) -> Outcome:
    """schemathesis' own CLI, all its checks, against `base` (an emulator started with
    SID:TOKEN): given Basic auth and the account and a live call as path parameters."""
    out.mkdir(parents=True, exist_ok=True)
    with httpx.Client(auth=(SID, TOKEN)) as http:
        call = http.post(
            f"{base}/Accounts/{SID}/Calls.json",
            data={"To": "+1", "From": "+2", "Url": "http://127.0.0.1:9/x"},
        )
    config = out / "schemathesis.toml"
    config.write_text(
        f'[auth]\nbasic = {{ username = "{SID}", password = "{TOKEN}" }}\n'
        f'[parameters]\n"path.AccountSid" = "{SID}"\n"path.CallSid" = "{call.json()["sid"]}"\n'
    )
    command = [sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run"]
    command += [schema, "--url", base, "--checks", "all", "--generation-deterministic"]
    command += ["--report", "vcr", "--report-dir", str(out), "--no-color", *extra]
    started = time.monotonic()
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=900, check=False
    )
    seconds = time.monotonic() - started
    (out / "output.txt").write_text(done.stdout + done.stderr)
    cassettes = list(out.glob("*.yaml"))
    requests = sum(c.read_text().count("\n- id:") for c in cassettes)
    return Outcome(done.returncode != 0, requests, round(seconds, 2))


def _schemathesis(fault: str, work: Path) -> Outcome:
    faults = () if fault == CLEAN else (fault,)
    with separate_emulator(faults) as base:
        origin = base.split("/api/")[0]
        return run_schemathesis(
            base, f"{origin}/openapi.json", work / "schemathesis" / fault.strip("()")
        )


def run_suite_over_http(base: str, out: Path) -> Outcome:
    """The suite as a user runs it (its own process) against `base`."""
    env = {"SIGNALWIRE_PROJECT_ID": SID, "SIGNALWIRE_API_TOKEN": TOKEN, "HYPOTHESIS_PROFILE": "ci"}
    run = run_suite("--base-url", base, report_dir=out, env=env)
    return Outcome(bool(run.failures), run.requests or 0, round(run.seconds, 2))


def _suite(fault: str, work: Path) -> Outcome:
    faults = () if fault == CLEAN else (fault,)
    with separate_emulator(faults) as base:
        return run_suite_over_http(base, work / "suite" / fault.strip("()"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--fault", action="append", default=[])
    parser.add_argument("--out", default="reports/out/benchmark")
    args = parser.parse_args(argv)
    known = catalog()
    names = [CLEAN, *(args.fault or sorted(known))]
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        runs = pool.map(lambda f: _schemathesis(f, work), names)
        st = dict(zip(names, progress(runs, len(names), "schemathesis"), strict=True))
        runs = pool.map(lambda f: _suite(f, work), names)
        ours = dict(zip(names, progress(runs, len(names), "this suite"), strict=True))
    faults = names[1:]
    result = {}
    for tool, runs in (("schemathesis", st), ("recording-conformance", ours)):
        result[tool] = {
            "faults_killed": sum(runs[f].failed for f in faults),
            "faults": len(faults),
            "false_positive_on_clean": runs[CLEAN].failed,
            "requests": sum(r.requests for r in runs.values()),
            "wall_seconds": round(sum(r.seconds for r in runs.values()), 1),
            "per_fault": {f: asdict(runs[f]) for f in names},
        }
    lines = [
        "| tool | faults killed | false positive on clean | requests sent | wall time (s) |",
        "| --- | --- | --- | --- | --- |",
    ]
    for tool, r in result.items():
        clean = "yes" if r["false_positive_on_clean"] else "no"
        lines.append(
            f"| {tool} | {r['faults_killed']} of {r['faults']} | {clean} "
            f"| {r['requests']} | {r['wall_seconds']} |"
        )
    only_st = [f for f in faults if st[f].failed and not ours[f].failed]
    only_ours = [f for f in faults if ours[f].failed and not st[f].failed]
    lines += [
        "",
        f"killed by schemathesis only: {', '.join(only_st) or 'none'}",
        f"killed by this suite only: {len(only_ours)} ({', '.join(only_ours) or 'none'})",
    ]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "schemathesis-vs-suite.md").write_text("\n".join(lines) + "\n")
    (out / "schemathesis-vs-suite.json").write_text(json.dumps(result, indent=2) + "\n")
    print("\n".join(lines))
    print(f"\n{len(names)} targets in {time.monotonic() - started:.0f} s; details in {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
