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
from functools import partial
from itertools import combinations, product
from typing import Any

from contract.forms import EVENTS, Form
from contract.terms import PARAMETERS
from strategies.forms import EventEncoding, build_form

Interaction = tuple[int, ...]  # factor indexes whose every combination of levels is wanted


def covering_array(levels: Sequence[int], strength: int) -> list[tuple[int, ...]]:
    """Rows of level indexes such that every `strength`-subset of factors sees every
    combination of its levels. Greedy and deterministic (same input, same rows)."""
    t = min(strength, len(levels))
    return covering_rows(levels, list(combinations(range(len(levels)), t)))


def covering_rows(
    levels: Sequence[int], interactions: Sequence[Interaction]
) -> list[tuple[int, ...]]:
    """Rows of level indexes in which each interaction (a tuple of factors, any size)
    sees every combination of its factors' levels: a mixed-strength covering array."""
    uncovered: set[tuple[Interaction, tuple[int, ...]]] = {
        (cols, vals) for cols in interactions for vals in product(*(range(levels[c]) for c in cols))
    }
    rows: list[tuple[int, ...]] = []
    while uncovered:
        cols, vals = min(uncovered)
        row: list[int | None] = [None] * len(levels)
        for c, v in zip(cols, vals, strict=True):
            row[c] = v
        for factor in range(len(levels)):
            if row[factor] is None:
                score = partial(_score, row, factor, uncovered, interactions)
                row[factor] = max(range(levels[factor]), key=score)
        done = tuple(v for v in row if v is not None)
        rows.append(done)
        uncovered -= {(cs, tuple(done[c] for c in cs)) for cs in interactions}
    return rows


def _score(
    row: list[int | None],
    factor: int,
    uncovered: set[Any],
    interactions: Sequence[Interaction],
    value: int,
) -> tuple[int, int]:
    """The greedy choice: the most interactions covered, then the lowest level."""
    return (_gain(row, factor, value, uncovered, interactions), -value)


def _gain(
    row: list[int | None],
    factor: int,
    value: int,
    uncovered: set[Any],
    interactions: Sequence[Interaction],
) -> int:
    trial = list(row)
    trial[factor] = value
    return sum(
        1
        for cs in interactions
        if factor in cs
        and all(trial[c] is not None for c in cs)
        and (cs, tuple(trial[c] for c in cs)) in uncovered
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


# The parameters that shape the recording and the delivery of its callbacks: at strength
# 2 the plan still holds every triple of their values (the catalogue's three-parameter
# corners are of these), beside every pair of all values; the event subsets, 8 levels
# wide, meet the others pairwise. 47 rows where full strength 3 takes 119.
SHAPING = (
    "RecordingChannels",
    "RecordingTrack",
    "Trim",
    "RecordingStatusCallbackMethod",
    "RecordingStatusCallback",
)


def plan_interactions(factors: Sequence[Factor], strength: int) -> list[Interaction]:
    """Strength 1 and 3: every single value, every triple. Strength 2: every pair, and
    every triple of the SHAPING parameters."""
    indexes = range(len(factors))
    wanted = set(combinations(indexes, min(strength, len(factors))))
    if strength == 2:
        shaping = [i for i, f in enumerate(factors) if f.name in SHAPING]
        wanted |= set(combinations(shaping, 3))
    return sorted(wanted)


def valid_plan(strength: int = 3, callback_url: str = CALLBACK) -> list[Form]:
    """The covering plan as forms, smallest first (so the first failure is the simplest)."""
    factors = valid_factors()
    forms = set()
    levels = [len(f.levels) for f in factors]
    for row in covering_rows(levels, plan_interactions(factors, strength)):
        chosen = {f.name: f.levels[i] for f, i in zip(factors, row, strict=True)}
        values: dict[str, Any] = {
            k: (callback_url if v == CALLBACK else v) for k, v in chosen.items()
        }
        forms.add(build_form(values, values.pop(EVENTS.name), values.pop("encoding")))
    return sorted(forms, key=lambda f: (len(f), f))
