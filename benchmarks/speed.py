"""Every row of the speed issue's table, measured in one run on this machine:

    python benchmarks/speed.py [--jobs N] [--runs N] [--skip-own-tests] [--default-only]
        [--own-tests-only] [--out DIR]

1. the project's own tests (`pytest`, the README's second command), wall time, and the
   CPU time of it and its children (`--own-tests-only`: this row alone);
2. a default run against the embedded emulator (`pytest conformance`), wall time and
   requests, the median of --runs runs;
3. the same run against an emulator started on loopback, beside schemathesis alone
   (its CLI, all its checks, the vendor's OpenAPI document, its create operation, 100
   examples, going on past failures) on the same server;
4. the kill matrix (`python -m power.killmatrix`), wall time;
5. the requests each fault's run sent before its first failure, over the catalog;
6. the faults killed with `--max-requests 40` and `--max-requests 80`.

Runs are as a user's: each suite run its own process (the bytecode cache on, as by
default). Where the time of a run goes: `--profile` writes a cProfile of row 2 and
prints its 25 costliest calls, and the command that made it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from schemathesis_vs_suite import run_schemathesis, run_suite_over_http  # beside this file

from emulator.process import separate_emulator
from power.killmatrix import Matrix, Spec, kill_matrix
from power.runner import ROOT, environment, run_suite

VENDOR_OPENAPI = ROOT.parent / "shared" / "vendor" / "signalwire-call-recordings.openapi.yaml"


def _own_tests() -> tuple[float, float, str]:
    """Wall seconds, CPU seconds (user and system, of the run and every process it
    waited for: pytest-xdist's workers, the suite runs they started) and the summary."""
    started = time.monotonic()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q"],
        cwd=ROOT,
        env=environment(None),
        capture_output=True,
        text=True,
        check=False,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    last = (done.stdout.strip().splitlines() or ["?"])[-1]
    return time.monotonic() - started, cpu, last


def _default_runs(runs: int, work: Path) -> tuple[list[float], list[int]]:
    seconds, requests = [], []
    for i in range(runs + 1):  # the first warms the bytecode cache and is not counted
        run = run_suite(report_dir=work / f"default-{i}", env={"HYPOTHESIS_PROFILE": "ci"})
        if i:
            seconds.append(run.seconds)
            requests.append(run.requests or 0)
    return seconds, requests


def _profile(work: Path) -> list[str]:
    out = work / "default.prof"
    command = [sys.executable, "-m", "cProfile", "-o", str(out), "-m", "pytest", "conformance"]
    command += ["-p", "no:cacheprovider", "-q", "--report-dir", str(work / "profiled")]
    subprocess.run(command, cwd=ROOT, env=environment(None), capture_output=True, check=False)
    shown = subprocess.run(
        [
            sys.executable,
            "-c",
            f"import pstats; pstats.Stats({str(out)!r}).sort_stats('cumulative').print_stats(25)",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    return ["profile command: " + " ".join(command), shown.stdout]


def _budget_kills(matrix: Matrix) -> str:
    return f"{matrix.killed}/{len(matrix.rows)}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--runs", type=int, default=3, help="default runs to take the median of")
    parser.add_argument("--skip-own-tests", action="store_true", help="leave out row 1")
    parser.add_argument("--default-only", action="store_true", help="row 2 alone (no kill matrix)")
    parser.add_argument("--own-tests-only", action="store_true", help="row 1 alone")
    parser.add_argument("--profile", action="store_true", help="profile a default run")
    parser.add_argument("--out", default="reports/out/benchmark")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="speed-"))
    rows: list[tuple[str, str]] = []
    result: dict[str, object] = {}

    def row(what: str, figure: str) -> None:
        rows.append((what, figure))
        print(f"| {what} | {figure} |", flush=True)

    print("| what | measured |\n| --- | --- |", flush=True)
    if not args.skip_own_tests and not args.default_only:
        load = os.getloadavg()[0]
        seconds, cpu, summary = _own_tests()
        result["own_tests"] = {
            "seconds": round(seconds, 1),
            "cpu_seconds": round(cpu, 1),
            "load_before": round(load, 2),
            "summary": summary,
        }
        row(
            "the project's own tests (`pytest`)",
            f"{seconds:.0f} s, {cpu:.0f} CPU-s, load {load:.1f} before ({summary})",
        )
        if args.own_tests_only:
            return 0

    seconds, requests = _default_runs(args.runs, work)
    result["default_run"] = {"seconds": seconds, "requests": requests}
    row(
        "default run against the embedded emulator",
        f"{statistics.median(seconds):.1f} s (median of {len(seconds)}: "
        f"{', '.join(f'{s:.1f}' for s in seconds)}), {statistics.median(requests):.0f} requests",
    )

    if args.default_only:
        print(f"\nruns in {work}")
        return 0
    with separate_emulator() as base:
        ours = run_suite_over_http(base, work / "loopback-suite")
        theirs = run_schemathesis(
            base,
            str(VENDOR_OPENAPI),
            work / "loopback-schemathesis",
            "--max-examples",
            "100",
            "--include-operation-id",
            "create_recording",
            # The vendor's document departs from the seed (the suite says where): without
            # this, schemathesis would stop at its first finding and measure nothing.
            "--continue-on-failure",
        )
    result["loopback"] = {"suite": asdict(ours), "schemathesis": asdict(theirs)}
    row(
        "the same run against a server on loopback, beside schemathesis alone "
        "(vendor's OpenAPI, 100 examples)",
        f"{ours.seconds:.1f} s and {ours.requests} requests against {theirs.seconds:.1f} s and "
        f"{theirs.requests} requests: {ours.seconds / theirs.seconds:.2f}x",
    )

    matrix = kill_matrix(jobs=args.jobs, workdir=work / "matrix", progress=True)
    before = [r.requests_before_first_failure for r in matrix.rows]
    counted = [b for b in before if b is not None]
    result["kill_matrix"] = json.loads(matrix.to_json())
    row(
        f"kill matrix, {len(matrix.rows)} faults, --jobs {args.jobs}",
        f"{matrix.seconds:.0f} s; {matrix.killed} killed, "
        f"{len(matrix.false_positives)} false positives",
    )
    row(
        "requests before the first failure, over the catalog",
        f"median {statistics.median(counted):.0f} ({min(counted)}-{max(counted)})"
        if counted
        else "no failure",
    )
    budgets = {}
    for budget in (40, 80):
        spec = Spec(extra=("--max-requests", str(budget)))
        budgets[budget] = kill_matrix(
            jobs=args.jobs, spec=spec, workdir=work / f"b{budget}", progress=True
        )
    result["budgets"] = {b: json.loads(m.to_json()) for b, m in budgets.items()}
    row(
        "`--max-requests 40` / `80`, faults killed over the catalog",
        f"{_budget_kills(budgets[40])} / {_budget_kills(budgets[80])}",
    )

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    table = ["| what | measured |", "| --- | --- |", *(f"| {w} | {f} |" for w, f in rows)]
    (out / "speed.md").write_text("\n".join(table) + "\n")
    (out / "speed.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    if args.profile:
        for line in _profile(work):
            print(line)
    print(f"\nwritten to {out}/speed.md and .json; runs in {work}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
