"""Plan sizes: strategies/covering.py's greedy t-wise builder against `covertable`, on
the suite's own valid parameter space (every parameter's levels include "omitted").

    pip install covertable   # not a dependency of the project: only this measurement's
    python benchmarks/covering_vs_covertable.py [--strength T ...] [--optimize-ms MS]

For each strength: rows of the covering array, distinct forms once the rows are built
into requests (rows that differ only where it cannot show, such as the event encoding
with the events omitted, send one request), whether every t-combination of levels is
covered (checked here, not taken on trust), whether two builds agree (the plan must
be the same on every run, or a recorded cassette would not replay), and seconds.
covertable is measured as it ships (greedy criterion, hash sorter), with its `simple`
criterion, and with its simulated-annealing `optimize` pass, which runs for a time
budget and so depends on the machine's speed.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable, Sequence
from itertools import combinations, product
from typing import Any

from contract.forms import EVENTS
from strategies.covering import CALLBACK, covering_array, valid_factors
from strategies.forms import build_form

Rows = list[tuple[int, ...]]


def covers(rows: Rows, levels: Sequence[int], t: int) -> bool:
    for cols in combinations(range(len(levels)), t):
        seen = {tuple(r[c] for c in cols) for r in rows}
        if len(seen) != len(list(product(*(range(levels[c]) for c in cols)))):
            return False
    return True


def distinct_forms(rows: Rows) -> int:
    factors = valid_factors()
    forms = set()
    for row in rows:
        chosen = {f.name: f.levels[i] for f, i in zip(factors, row, strict=True)}
        values = {k: ("http://cb.example/" if v == CALLBACK else v) for k, v in chosen.items()}
        forms.add(build_form(values, values.pop(EVENTS.name), values.pop("encoding")))
    return len(forms)


def covertable_builder(criterion: str, optimize_ms: int) -> Callable[[Sequence[int], int], Rows]:
    import covertable
    from covertable import Controller, criteria

    def build(levels: Sequence[int], t: int) -> Rows:
        names = [f"f{i}" for i in range(len(levels))]
        factors = {n: list(range(k)) for n, k in zip(names, levels, strict=True)}
        chosen = criteria.simple if criterion == "simple" else criteria.greedy
        if optimize_ms:
            ctrl = Controller(factors, strength=t, criterion=chosen)
            made: list[Any] = ctrl.optimize(ctrl.make(), {"budget_ms": optimize_ms})
        else:
            made = covertable.make(factors, strength=t, criterion=chosen)
        return [tuple(r[n] for n in names) for r in made]

    return build


def measure(name: str, build: Callable[[Sequence[int], int], Rows], t: int) -> str:
    levels = [len(f.levels) for f in valid_factors()]
    started = time.perf_counter()
    rows = build(levels, t)
    seconds = time.perf_counter() - started
    again = build(levels, t)
    return (
        f"| {name} | {t} | {len(rows)} | {distinct_forms(rows)} | "
        f"{'yes' if covers(rows, levels, t) else 'NO'} | "
        f"{'yes' if sorted(again) == sorted(rows) else 'no'} | {seconds:.2f} |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--strength", type=int, action="append", choices=(1, 2, 3), default=[])
    parser.add_argument("--optimize-ms", type=int, default=1000, help="covertable's SA budget")
    args = parser.parse_args(argv)
    try:
        from importlib.metadata import version

        ct_version = version("covertable")
    except Exception:
        print("error: pip install covertable (this measurement's alone)", file=sys.stderr)
        return 2
    levels = [len(f.levels) for f in valid_factors()]
    print(f"factors (levels, omitted counted): {levels}; covertable {ct_version}\n")
    print("| builder | t | rows | distinct forms | every t-combination | same twice | s |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    builders: list[tuple[str, Callable[[Sequence[int], int], Rows]]] = [
        ("strategies/covering.py (greedy)", covering_array),
        ("covertable make (greedy)", covertable_builder("greedy", 0)),
        ("covertable make (simple)", covertable_builder("simple", 0)),
        (
            f"covertable make + optimize ({args.optimize_ms} ms)",
            covertable_builder("greedy", args.optimize_ms),
        ),
    ]
    for t in args.strength or (2, 3):
        for name, build in builders:
            print(measure(name, build, t), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
