"""Mutation testing of the reference emulator with mutmut, the conformance suite as the
test command:

    python benchmarks/mutation_score.py [--jobs N] [--work DIR] [--draft]

mutmut (3.x, the `dev` extra; this script installs nothing) mutates the emulator's
request handling (`emulator/app.py`: validation, create, fetch, list, auth), its store
(`emulator/store.py`) and its status callbacks (`emulator/delivery.py`), and runs the
whole suite against the embedded emulator for each mutant (derandomized `ci`
Hypothesis profile, 2 s callback timeout, stopping at the first failure). It runs in a
copy of the project in a temporary directory (or --work DIR, kept), never in the work
tree. Every mutant's outcome, and for each survivor its judgement from the hand-kept
register `benchmarks/mutant_register.toml`, go to `benchmarks/results/mutants.json`
and `.md`. The score is killed / non-equivalent mutants. The exit status is 1 when a
survivor is unjudged or judged a gap in the suite; `--draft` prints register entries
to fill in for the unjudged.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from mutant_register import (  # beside this file
    KILLED,
    TIMEOUT,
    UNCLASSIFIED,
    Classified,
    Score,
    classify,
    draft_entries,
    load_register,
    read_mutants,
    score,
    unused_judgements,
)

ROOT = Path(__file__).resolve().parent.parent
FILES = ("emulator/app.py", "emulator/store.py", "emulator/delivery.py")
REGISTER = ROOT / "benchmarks" / "mutant_register.toml"
RESULTS = ROOT / "benchmarks" / "results"
COMMAND = "python benchmarks/mutation_score.py"
WALL = "mutmut-wall-seconds"  # the mutation run's wall time, kept in --work

# mutmut reads its settings from the copy's pyproject.toml. Every run is the whole suite
# (whole_suite_plugin says why); -x stops a killed mutant's run at its first failure.
MUTMUT_SETTINGS = f"""
[tool.mutmut]
source_paths = ["emulator"]
only_mutate = {json.dumps(list(FILES))}
also_copy = ["conformance", "contract", "strategies", "reports", "benchmarks", "expectations"]
pytest_add_cli_args = [
    "-p", "no:cacheprovider", "-p", "benchmarks.whole_suite_plugin",
    "--hypothesis-profile=ci", "--callback-timeout=2",
]
pytest_add_cli_args_test_selection = ["conformance"]
"""


def copy_project(work: Path) -> None:
    """The project's files (tracked, or new and not ignored) into `work`."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (n.decode() for n in listed)):
        source = ROOT / name
        if source.is_file():
            (work / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, work / name)
    with (work / "pyproject.toml").open("a", encoding="utf-8") as f:
        f.write(MUTMUT_SETTINGS)


def run_mutmut(work: Path, jobs: int) -> float:
    """mutmut over the copy; its log in work/mutmut.log. Returns the wall time."""
    env = {**os.environ, "TMPDIR": str(work / "tmp")}  # each run's reports, removed with it
    env.pop("CI", None)  # the profile is named; CI would also change the suite's reports
    (work / "tmp").mkdir(exist_ok=True)
    mutmut = [sys.executable, "-c", "from mutmut.__main__ import cli; cli()"]
    started = time.monotonic()
    with (work / "mutmut.log").open("wb") as log:
        done = subprocess.run(
            [*mutmut, "run", "--max-children", str(jobs)],
            cwd=work,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            check=False,
        )
    if done.returncode != 0:
        sys.exit(f"mutmut failed (exit {done.returncode}); see {work / 'mutmut.log'}")
    seconds = time.monotonic() - started
    (work / WALL).write_text(f"{seconds:.1f}\n")  # for a later --reuse
    return seconds


def write_results(classified: list[Classified], result: Score, seconds: float, jobs: int) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    rows = [
        {
            "file": c.mutant.file,
            "function": c.mutant.function,
            "line": c.mutant.line,
            "original": c.mutant.original,
            "mutated": c.mutant.mutated,
            "mutmut_name": c.mutant.name,
            "exit_code": c.mutant.exit_code,
            "outcome": c.mutant.outcome,
            "verdict": c.verdict,
            "reason": c.reason,
        }
        for c in sorted(classified, key=lambda c: (c.mutant.file, c.mutant.line, c.mutant.name))
    ]
    summary = {
        "command": COMMAND,
        "date": date.today().isoformat(),
        "jobs": jobs,
        "wall_seconds": round(seconds, 1),
        "files": list(FILES),
        "mutants": result.mutants,
        "killed": result.killed,
        "equivalent": result.equivalent,
        "score": round(result.ratio, 4),
        "within_contract": result.within_contract,
        "score_within_contract": round(result.within_contract_ratio, 4),
        "verdicts": dict(result.verdicts),
    }
    # One mutant a line: a later run's diff shows which changed.
    listed = ",\n".join(json.dumps(row, ensure_ascii=False) for row in rows)
    (RESULTS / "mutants.json").write_text(
        f'{{"summary": {json.dumps(summary)},\n"mutants": [\n{listed}\n]}}\n', encoding="utf-8"
    )
    lines = [
        "# Mutation testing of the reference emulator",
        "",
        f"`{COMMAND} --jobs {jobs}` ({summary['date']}, {summary['wall_seconds']} s): mutmut "
        f"over {', '.join(f'`{f}`' for f in FILES)}, the conformance suite as the test command.",
        "",
        f"**{result.killed} of {result.non_equivalent} non-equivalent mutants killed "
        f"({result.ratio:.1%})**; {result.mutants} mutants in all, {result.equivalent} "
        f"equivalent. Of the {result.within_contract} the contract covers (neither "
        f"equivalent nor outside it), {result.killed} killed ({result.within_contract_ratio:.1%}).",
        "",
        "| verdict | mutants |",
        "| --- | --- |",
        *(f"| {v} | {n} |" for v, n in sorted(result.verdicts.items())),
        "",
        "Every mutant, with its outcome, is in `mutants.json`. The survivors, judged in "
        "`benchmarks/mutant_register.toml`:",
        "",
        "| file:line | function | original | mutated | outcome | verdict | reason |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row in rows:
        if row["verdict"] in (KILLED, TIMEOUT):
            continue
        cells = [
            f"{row['file']}:{row['line']}",
            row["function"],
            f"`{row['original']}`",
            f"`{row['mutated']}`",
            row["outcome"],
            row["verdict"],
            row["reason"],
        ]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    (RESULTS / "mutants.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--work", type=Path, help="run in (and keep) this directory")
    parser.add_argument(
        "--reuse", action="store_true", help="read the results already in --work; run nothing"
    )
    parser.add_argument("--draft", action="store_true", help="print entries for the unjudged")
    args = parser.parse_args()
    if args.reuse and not args.work:
        parser.error("--reuse reads the results of a --work directory")
    work = args.work or Path(tempfile.mkdtemp(prefix="mutation-"))
    try:
        seconds = float((work / WALL).read_text()) if args.reuse else 0.0
        if not args.reuse:
            work.mkdir(parents=True, exist_ok=True)
            copy_project(work)
            seconds = run_mutmut(work, args.jobs)
        mutants = read_mutants(work, FILES)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)
    register = load_register(REGISTER)
    classified = classify(mutants, register)
    result = score(classified)
    write_results(classified, result, seconds, args.jobs)
    print(
        f"{result.killed} of {result.non_equivalent} non-equivalent mutants killed "
        f"({result.ratio:.1%}); of the {result.within_contract} the contract covers, "
        f"{result.within_contract_ratio:.1%}; {result.mutants} mutants; {dict(result.verdicts)}"
    )
    print(f"written: {RESULTS / 'mutants.md'}, {RESULTS / 'mutants.json'}")
    for stale in unused_judgements(register, classified):
        print(f"register entry matches no survivor (killed now, or its line changed): {stale}")
    if args.draft:
        print(draft_entries(classified))
    unjudged, gaps = result.verdicts[UNCLASSIFIED], result.verdicts["gap"]
    if unjudged or gaps:
        print(f"{unjudged} survivors unclassified, {gaps} judged gaps in the suite")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
