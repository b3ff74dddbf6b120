"""The kill matrix: the suite against the faithful emulator and against every fault
of the catalog, one default run each, as mutation testing measures a test suite.

    python -m reports.mutation [--jobs N] [--over-http] [--fault NAME ...] [--out DIR]

Prints the matrix and writes it as Markdown and JSON. Runs use the derandomized
`ci` Hypothesis profile, so the matrix is reproducible.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx

from emulator.faults import catalog
from reports.runner import ROOT, SuiteRun, run_suite

CLEAN = "(none)"
SID, TOKEN = "7d2b0c1e-3f4a-4b5c-8d6e-9f0a1b2c3d4e", "mutation-token"


@dataclass(frozen=True)
class Row:
    fault: str
    clause: str
    killed: bool
    caught_by: list[str]  # failing tests, with the clauses each reported
    requests_before_first_failure: int | None
    requests: int | None
    seconds: float


@dataclass(frozen=True)
class Matrix:
    mode: str
    clean: Row
    rows: list[Row]

    @property
    def survivors(self) -> list[str]:
        return [r.fault for r in self.rows if not r.killed]

    @property
    def killed(self) -> int:
        return len(self.rows) - len(self.survivors)

    @property
    def false_positives(self) -> list[str]:
        return self.clean.caught_by

    def to_json(self) -> str:
        return (
            json.dumps(
                {
                    "mode": self.mode,
                    "clean": asdict(self.clean),
                    "faults": [asdict(r) for r in self.rows],
                    "killed": self.killed,
                    "survivors": self.survivors,
                },
                indent=2,
            )
            + "\n"
        )

    def to_markdown(self) -> str:
        lines = [
            f"# Kill matrix ({self.mode})",
            "",
            f"Faithful emulator: {'passes' if not self.false_positives else 'FAILS'} "
            f"({self.clean.requests} requests, {self.clean.seconds:.1f} s). "
            f"Faults killed: {self.killed} of {len(self.rows)}.",
            "",
            "| fault | clause | verdict | caught by | requests before first failure |",
            "| --- | --- | --- | --- | --- |",
        ]
        for r in self.rows:
            caught = "<br>".join(r.caught_by) or "-"
            before = (
                "-" if r.requests_before_first_failure is None else r.requests_before_first_failure
            )
            verdict = "killed" if r.killed else "**SURVIVED**"
            lines.append(f"| `{r.fault}` | `{r.clause}` | {verdict} | {caught} | {before} |")
        return "\n".join(lines) + "\n"


def _row(fault: str, clause: str, run: SuiteRun) -> Row:
    caught = [f"{f.test}: {', '.join(sorted(f.clauses)) or 'no clause'}" for f in run.failures]
    killed = clause in run.violated if fault != CLEAN else not run.failures
    return Row(
        fault,
        clause,
        killed,
        caught,
        run.requests_before_first_failure,
        run.requests,
        round(run.seconds, 2),
    )


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def separate_emulator(faults: tuple[str, ...] = ()) -> Iterator[str]:
    """`python -m emulator` in its own process, on loopback; yields its base URL."""
    port = _free_port()
    flags = [a for f in faults for a in ("--fault", f)]
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "emulator",
            "--port",
            str(port),
            "--account",
            f"{SID}:{TOKEN}",
            *flags,
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/api/laml/2010-04-01"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(base, timeout=1)
                break
            except httpx.TransportError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"emulator with {faults} did not start") from None
                time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def run_one(
    fault: str,
    workdir: Path,
    over_http: bool,
    extra: tuple[str, ...] = (),
    profile: str = "ci",
) -> SuiteRun:
    faults = () if fault == CLEAN else (fault,)
    report_dir = workdir / fault.strip("()")
    env = {"HYPOTHESIS_PROFILE": profile}
    if not over_http:
        flags = tuple(a for f in faults for a in ("--emulator-fault", f))
        return run_suite(*flags, *extra, report_dir=report_dir, env=env)
    with separate_emulator(faults) as base:
        env |= {"SIGNALWIRE_PROJECT_ID": SID, "SIGNALWIRE_API_TOKEN": TOKEN}
        return run_suite("--base-url", base, *extra, report_dir=report_dir, env=env)


def kill_matrix(
    faults: list[str] | None = None,
    jobs: int | None = None,
    over_http: bool = False,
    workdir: Path | None = None,
    extra: tuple[str, ...] = (),
    profile: str = "ci",
) -> Matrix:
    known = catalog()
    names = faults or sorted(known)
    work = workdir or Path(tempfile.mkdtemp(prefix="kill-matrix-"))
    with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
        runs = dict(
            zip(
                [CLEAN, *names],
                pool.map(lambda f: run_one(f, work, over_http, extra, profile), [CLEAN, *names]),
                strict=True,
            )
        )
    rows = [_row(n, known[n].clause, runs[n]) for n in names]
    mode = "separate emulator over HTTP" if over_http else "embedded emulator"
    mode += "".join(f" {a}" for a in extra) + (f", {profile} profile" if profile != "ci" else "")
    return Matrix(mode, _row(CLEAN, "-", runs[CLEAN]), rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m reports.mutation",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="suite runs at once (default: the number of cores)",
    )
    parser.add_argument(
        "--over-http",
        action="store_true",
        help="start `python -m emulator` per fault instead of the embedded one",
    )
    parser.add_argument("--fault", action="append", default=[], help="only these (repeatable)")
    parser.add_argument("--out", default="reports/out/mutation", help="where to write the matrix")
    args = parser.parse_args(argv)
    unknown = [f for f in args.fault if f not in catalog()]
    if unknown:
        parser.error(f"unknown fault(s): {', '.join(unknown)}")
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    started = time.monotonic()
    matrix = kill_matrix(args.fault or None, args.jobs, args.over_http)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "kill-matrix.md").write_text(matrix.to_markdown())
    (out / "kill-matrix.json").write_text(matrix.to_json())
    print(matrix.to_markdown())
    print(f"written to {out}/kill-matrix.md and .json in {time.monotonic() - started:.0f} s")
    return 0 if not matrix.survivors and not matrix.false_positives else 1


if __name__ == "__main__":
    sys.exit(main())
