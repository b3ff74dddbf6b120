"""A deterministic t-wise covering plan of the valid parameter space.

Random sampling finds a fault that needs two or three parameters at once only
by luck; a covering array of strength t holds every combination of t factor
levels in some row, in far fewer rows than the full product. (allpairspy's n>2
does not give full t-wise coverage, hence this small greedy builder.)

Why not `covertable` (measured, `python benchmarks/covering_vs_covertable.py`, covertable
3.2.0, this space with "omitted" a level of every parameter): its deterministic build
takes 33 rows at t=2 and 120 at t=3, this one 34 and 119. Its simulated-annealing pass
gets t=3 down to 112 only with a 10 s budget, and then two builds differ: it stops on
time, so the plan would depend on the machine, and a recorded cassette must replay the
same requests. A dependency for one row either way is not worth it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations, product
from typing import Any

from conformance.contract import PARAMETERS
from strategies.forms import EVENTS, EventEncoding, Form, build_form


def covering_array(levels: Sequence[int], strength: int) -> list[tuple[int, ...]]:
    """Rows of level indexes such that every `strength`-subset of factors sees every
    combination of its levels. Greedy and deterministic (same input, same rows)."""
    t = min(strength, len(levels))
    uncovered: set[tuple[tuple[int, ...], tuple[int, ...]]] = {
        (cols, vals)
        for cols in combinations(range(len(levels)), t)
        for vals in product(*(range(levels[c]) for c in cols))
    }
    rows: list[tuple[int, ...]] = []
    while uncovered:
        cols, vals = min(uncovered)
        row: list[int | None] = [None] * len(levels)
        for c, v in zip(cols, vals, strict=True):
            row[c] = v
        for factor in range(len(levels)):
            if row[factor] is None:
                row[factor] = max(
                    range(levels[factor]),
                    key=lambda v, f=factor: (_gain(row, f, v, uncovered, t), -v),
                )
        done = tuple(v for v in row if v is not None)
        rows.append(done)
        uncovered -= {
            (cs, tuple(done[c] for c in cs)) for cs in combinations(range(len(levels)), t)
        }
    return rows


def _gain(row: list[int | None], factor: int, value: int, uncovered: set[Any], t: int) -> int:
    trial = list(row)
    trial[factor] = value
    fixed = [i for i, v in enumerate(trial) if v is not None]
    return sum(
        1
        for cs in combinations(fixed, t)
        if factor in cs and (cs, tuple(trial[c] for c in cs)) in uncovered
    )


@dataclass(frozen=True)
class Factor:
    name: str
    levels: tuple[Any, ...]


CALLBACK = "<callback url>"  # placeholder, replaced by a real URL when the plan is sent


def valid_factors() -> tuple[Factor, ...]:
    """Each parameter omitted (None) or any value; events as any non-empty subset and
    either encoding; the callback URL omitted or present."""
    factors = []
    for p in PARAMETERS:
        if p.multi:
            subsets = [
                tuple(c) for k in range(1, len(p.domain) + 1) for c in combinations(p.domain, k)
            ]
            factors.append(Factor(p.name, (None, *subsets)))
        elif p.format == "uri":
            factors.append(Factor(p.name, (None, CALLBACK)))
        else:
            factors.append(Factor(p.name, (None, *p.domain)))
    factors.append(Factor("encoding", tuple(EventEncoding)))
    return tuple(factors)


def valid_plan(strength: int = 3, callback_url: str = CALLBACK) -> list[Form]:
    """The covering plan as forms, smallest first (so the first failure is the simplest)."""
    factors = valid_factors()
    forms = set()
    for row in covering_array([len(f.levels) for f in factors], strength):
        chosen = {f.name: f.levels[i] for f, i in zip(factors, row, strict=True)}
        values = {k: (callback_url if v == CALLBACK else v) for k, v in chosen.items()}
        forms.add(build_form(values, values.pop(EVENTS.name), values.pop("encoding")))
    return sorted(forms, key=lambda f: (len(f), f))
