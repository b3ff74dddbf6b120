"""The run's plan: what the corpora send, split into the stages of
conformance/clauses/schedule.py; read by the run's fixtures and by the dry run alike."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from conformance.clauses.schedule import Stage
from conformance.corpus.refusals import ProbeSpec, probe_stages, refusal_plan
from conformance.corpus.valid import first_look_split, plan_forms
from contract.forms import Form
from contract.terms import (
    Clause,
)


@dataclass(frozen=True)
class StagedPlan:
    """What the corpora send, split into the first look and the rest: read by the run's
    fixtures and by the dry run's listing alike, so the listing cannot drift."""

    first_rows: list[Form]
    rest_rows: list[Form]
    probes: dict[Stage, list[ProbeSpec]]


def stage_plan(
    strength: int,
    order: Callable[[Clause], int],
    unknown_call: str,
    other_account: str,
    other_token_known: bool = False,
    other_call: str = "",
) -> StagedPlan:
    specs = refusal_plan(unknown_call, other_account, other_token_known, other_call)
    return StagedPlan(*first_look_split(plan_forms(strength)), probe_stages(specs, order))
