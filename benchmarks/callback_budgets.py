"""The callback faults' kill matrix under request budgets: every fault whose name
starts with `callback-`, `ci` profile, `--max-requests` 40 and 80.

    python benchmarks/callback_budgets.py LABEL

Run with PYTHONPATH set to another checkout (a `git archive` of an earlier commit) to
measure that checkout's suite for a before-and-after: the kill matrix runs the suite
of the `power` package it imports.
"""

from __future__ import annotations

import sys

from emulator.faults import catalog
from power.killmatrix import Spec, kill_matrix


def main(argv: list[str]) -> int:
    label = argv[0] if argv else "this checkout"
    faults = sorted(f for f in catalog() if f.startswith("callback-"))
    for budget in (40, 80):
        matrix = kill_matrix(faults, 2, Spec(extra=("--max-requests", str(budget))))
        survived = sorted(r.fault for r in matrix.rows if not r.killed)
        print(
            f"{label} --max-requests {budget}: {matrix.killed}/{len(matrix.rows)} killed; "
            f"false positives {len(matrix.false_positives)}; survived: {survived}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
