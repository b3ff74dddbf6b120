"""How much of the fault catalog a frugal live run kills: the kill matrix under the
`live` Hypothesis profile with a hard request budget, at several budgets.

    python benchmarks/live_budget.py [--budget N ...] [--jobs N] [--out DIR]

Prints, per budget, the faults killed, false positives on the faithful emulator, the
most requests any run sent (never above the budget), and wall time; writes the
per-fault rows as JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import asdict
from pathlib import Path

from power.killmatrix import Spec, kill_matrix

BUDGETS = (20, 40, 80)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--budget", type=int, action="append", default=[])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", default="reports/out/benchmark")
    args = parser.parse_args(argv)
    lines = [
        "| budget | faults killed | false positives | most requests in a run | wall time (s) |",
        "| --- | --- | --- | --- | --- |",
    ]
    result = {}
    for budget in args.budget or BUDGETS:
        started = time.monotonic()
        spec = Spec(extra=("--max-requests", str(budget)), profile="live")
        matrix = kill_matrix(jobs=args.jobs, spec=spec, progress=True)
        seconds = time.monotonic() - started
        most = max((r.requests or 0) for r in [matrix.clean, *matrix.rows])
        lines.append(
            f"| {budget} | {matrix.killed} of {len(matrix.rows)} | {len(matrix.false_positives)} "
            f"| {most} | {seconds:.0f} |"
        )
        result[budget] = {
            "killed": matrix.killed,
            "faults": len(matrix.rows),
            "false_positives": matrix.false_positives,
            "most_requests": most,
            "seconds": round(seconds, 1),
            "survivors": matrix.survivors,
            "rows": [asdict(r) for r in matrix.rows],
        }
        print(lines[-1], flush=True)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "live-budget.md").write_text("\n".join(lines) + "\n")
    (out / "live-budget.json").write_text(json.dumps(result, indent=2) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
