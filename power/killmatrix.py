"""The kill matrix: the suite against the faithful emulator and against every fault
of the catalog, as mutation testing measures a test suite.

    python -m power.killmatrix [--jobs N] [--over-http] [--fault NAME ...] [--out DIR]

Each fault is one test of `tests/test_suite_power.py`, spread over `--jobs` pytest-xdist
workers; each worker runs the suite in process (`pytest.main`), so imports are paid
once per worker, not once per fault, and what a run found is read from its
conformance.json (power/runner.py). A fault's run stops at its first failure (`-x`);
should that failure name another clause, the tests of the fault's clause are run again
on their own (`--clause`), since a fault is killed only when the clause it breaks is
named (fails in the report). Runs use the derandomized `ci` Hypothesis profile, so the matrix is
reproducible. Prints the matrix and writes it as Markdown and JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

from emulator.faults import catalog
from emulator.process import SID, SIGNING_KEY, TOKEN, separate_emulator
from power.progress import progress as show_progress
from power.runner import ROOT, SuiteRun, run_suite_in_process

CLEAN = "(none)"
MATRIX_TESTS = ROOT / "tests" / "test_suite_power.py"
# How the tests of MATRIX_TESTS learn what to run and where to put their rows.
SPEC_VARIABLE = "KILL_MATRIX_SPEC"


@dataclass(frozen=True)
class Spec:
    """One kind of matrix: the options every run gets, and how the target is served."""

    extra: tuple[str, ...] = ()
    profile: str = "ci"
    over_http: bool = False
    fail_fast: bool = True
    out: str | None = None  # where each run writes its row (a JSON file per fault)

    @property
    def mode(self) -> str:
        mode = "separate emulator over HTTP" if self.over_http else "embedded emulator"
        mode += "".join(f" {a}" for a in self.extra)
        return mode + (f", {self.profile} profile" if self.profile != "ci" else "")

    def to_env(self) -> str:
        return json.dumps({**asdict(self), "extra": list(self.extra)})

    @classmethod
    def from_env(cls) -> Spec:
        raw = os.environ.get(SPEC_VARIABLE)
        if not raw:
            return cls()
        data = json.loads(raw)
        return cls(**{**data, "extra": tuple(data["extra"])})


@dataclass(frozen=True)
class Row:
    fault: str
    clause: str
    killed: bool
    caught_by: list[str]  # failing tests, with the clauses each reported
    requests_before_first_failure: int | None
    requests: int | None
    seconds: float
    runs: int = 1  # 2 when the first failure named another clause and the run was repeated


@dataclass(frozen=True)
class Matrix:
    mode: str
    clean: Row
    rows: list[Row]
    seconds: float = field(default=0.0)

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
                    "seconds": round(self.seconds, 1),
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


def _name(nodeid: str) -> str:
    """A test as JUnit names it, without its module: the matrix's rows stay short."""
    return nodeid.rsplit("::", 1)[-1]


def _row(fault: str, clause: str, run: SuiteRun, runs: int = 1) -> Row:
    caught = [
        f"{_name(f.test)}: {', '.join(sorted(f.clauses)) or 'no clause'}" for f in run.failures
    ]
    killed = clause in run.violated if fault != CLEAN else not run.failures
    return Row(
        fault,
        clause,
        killed,
        caught,
        run.requests_before_first_failure,
        run.requests,
        round(run.seconds, 2),
        runs,
    )


# The target is on loopback: a callback that has not come in 2 s will not come (a fault
# that never completes a recording waits this long). Pytest's collection of unraisable
# exceptions costs a full garbage collection per run and judges nothing. The signing key
# (made up, as the emulator's accounts are) lets every run judge the callbacks'
# signatures: the embedded emulator signs with the key given, the separate one with the
# same (emulator/process.py); without it the signature faults would go unjudged.
MATRIX_OPTIONS = (
    "--callback-timeout",
    "2",
    "-p",
    "no:unraisableexception",
    "--signing-key",
    SIGNING_KEY,
)


def _run(fault: str, workdir: Path, spec: Spec, *narrow: str) -> SuiteRun:
    faults = () if fault == CLEAN else (fault,)
    report_dir = workdir / fault.strip("()")
    needs = catalog()[fault].observed_with if faults else ()  # to be seen at all
    args = ("--hypothesis-profile", spec.profile, *MATRIX_OPTIONS, *needs, *narrow, *spec.extra)
    if not spec.over_http:
        flags = tuple(a for f in faults for a in ("--emulator-fault", f))
        return run_suite_in_process(*flags, *args, report_dir=report_dir)
    with separate_emulator(faults) as base:
        target = ("--base-url", base, "--project-id", SID, "--api-token", TOKEN)
        return run_suite_in_process(*target, *args, report_dir=report_dir)


def run_one(fault: str, workdir: Path, spec: Spec = Spec()) -> Row:
    """One row of the matrix. The faithful emulator always gets a whole run: a false
    positive anywhere in it counts."""
    clause = catalog()[fault].clause if fault != CLEAN else "-"
    fail_fast = spec.fail_fast and fault != CLEAN
    run = _run(fault, workdir, spec, *(("-x",) if fail_fast else ()))
    row = _row(fault, clause, run)
    if fail_fast and run.failures and not row.killed:
        # Stopped at a failure of another clause: whether its own is named is for the
        # tests of that clause to say, run again on their own.
        again = _row(fault, clause, _run(fault, workdir / "again", spec, "-x", "--clause", clause))
        row = Row(
            **{
                **asdict(again),
                "caught_by": row.caught_by + again.caught_by,
                "requests_before_first_failure": run.requests_before_first_failure,
                "seconds": round(row.seconds + again.seconds, 2),
                "runs": 2,
            }
        )
    if spec.out:
        Path(spec.out).mkdir(parents=True, exist_ok=True)
        (Path(spec.out) / f"{fault.strip('()')}.json").write_text(json.dumps(asdict(row)))
    return row


def _rows_as_written(proc: subprocess.Popen[bytes], out: Path) -> Iterator[int]:
    """The count of rows written, once for each new one, until the runs end."""
    seen = 0
    while True:
        ended = proc.poll() is not None
        written = len(list(out.glob("*.json"))) if out.exists() else 0
        while seen < written:
            seen += 1
            yield seen
        if ended:
            return
        time.sleep(0.2)


def kill_matrix(
    faults: list[str] | None = None,
    jobs: int | None = None,
    spec: Spec = Spec(),
    workdir: Path | None = None,
    progress: bool = False,
) -> Matrix:
    """The matrix, its runs spread over `jobs` pytest-xdist workers (tests of
    MATRIX_TESTS), read back from the rows they write."""
    known = catalog()
    names = faults or sorted(known)
    work = workdir or Path(tempfile.mkdtemp(prefix="kill-matrix-"))
    work.mkdir(parents=True, exist_ok=True)  # pytest makes --basetemp, not its parents
    out = work / "rows"
    selected = [f"{MATRIX_TESTS}::test_faithful_emulator_has_zero_failures"]
    selected += [f"{MATRIX_TESTS}::test_fault_is_killed_naming_its_clause[{n}]" for n in names]
    started = time.monotonic()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pytest",
            *selected,
            "-n",
            str(jobs or os.cpu_count() or 1),
            "-p",
            "no:cacheprovider",
            "-qq",
            "--basetemp",
            str(work / "tmp"),
        ],
        cwd=ROOT,
        env={**os.environ, SPEC_VARIABLE: Spec(**{**asdict(spec), "out": str(out)}).to_env()},
        stdout=subprocess.DEVNULL,
    )
    done = _rows_as_written(proc, out)
    for _ in show_progress(done, len(selected), "kill matrix") if progress else done:
        pass
    seconds = time.monotonic() - started

    def read(name: str) -> Row:
        path = out / f"{name.strip('()')}.json"
        if path.exists():
            return Row(**json.loads(path.read_text()))
        # The run itself broke: a survivor, or a false positive, never a silent pass.
        if name == CLEAN:
            return Row(CLEAN, "-", False, ["the faithful run did not finish"], None, None, 0)
        return Row(name, known[name].clause, False, [], None, None, 0)

    clean = read(CLEAN)
    return Matrix(spec.mode, clean, [read(n) for n in names], seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m power.killmatrix",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--jobs",
        type=int,
        default=os.cpu_count() or 1,
        help="pytest-xdist workers (default: the number of cores)",
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
    matrix = kill_matrix(
        args.fault or None, args.jobs, Spec(over_http=args.over_http), progress=True
    )
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "kill-matrix.md").write_text(matrix.to_markdown())
    (out / "kill-matrix.json").write_text(matrix.to_json())
    print(matrix.to_markdown())
    print(f"written to {out}/kill-matrix.md and .json in {matrix.seconds:.0f} s")
    return 0 if not matrix.survivors and not matrix.false_positives else 1


if __name__ == "__main__":
    sys.exit(main())
