"""The run's order, in one place: the stages a corpus is judged in (a first look, a
second look, the whole), the ranks tests spend requests at, and the needs that tie a
clause test to the item its check takes and to its rank at each stage.

pytest runs the tests sorted by rank (conformance/hooks/collection.py), then by their
entry's place in the registry (conformance/clauses/registry.py); a test over a staged
corpus (STAGED) is parametrized over the stages its need has a rank at. A budget, or -x,
ends the run having judged the most it could."""

from __future__ import annotations

from enum import IntEnum, StrEnum
from typing import ClassVar, Generic, TypeVar

from conformance.checks import Created, Refused
from conformance.checks.callbacks import Observed
from conformance.checks.generic import Drawn
from conformance.checks.identity import Named, Probe, WholeRun
from contract.exchange import Exchange

T = TypeVar("T")  # the item a check takes


class Stage(StrEnum):
    """Every clause test judges in stages: a first look (a few plan rows giving every
    parameter each of its values, and one probe per refusal clause), which shows most
    faults after a few dozen requests; a second look at each refusal clause (another
    way of being lenient); then the whole corpus (the looks included). A look short of
    the whole speaks for no clause: its violations count, its passes wait for the whole."""

    FIRST_LOOK = "first-look"
    SECOND_LOOK = "second-look"
    WHOLE = "whole"


LOOKS = (Stage.FIRST_LOOK, Stage.SECOND_LOOK)  # a probe of each refusal clause in each
STAGED = ("valid_corpus", "refusal_corpus")  # the fixtures of the corpora judged in stages


class Rank(IntEnum):
    """Where a test spends requests: the first look (plan rows, then a probe of each
    refusal clause, then the rows' callbacks), the second look (another probe of each),
    the tests' own probes, the whole corpus (rows, probes, then the rows' callbacks),
    then Hypothesis, then schemathesis. A budget, or -x, ends the run having judged the
    most it could."""

    FIRST_ROWS = 0
    FIRST_PROBES = 1
    FIRST_CALLBACKS = 2
    SECOND_PROBES = 3
    OWN_PROBES = 4
    WHOLE_ROWS = 5
    WHOLE_PROBES = 6
    WHOLE_CALLBACKS = 7  # awaited while the whole's probes went out
    GENERATED = 8  # the Hypothesis tests, which judge every clause at once: no entry
    DRAWN = 9
    AFTERWARDS = 10  # the call's recordings listed once every request of the run was sent
    # Last: the callbacks again, over all the run got (late, repeated or unasked ones
    # count whenever they came before its end), the receiver having listened meanwhile.
    RUN_CALLBACKS = 11


_ROWS = {Stage.FIRST_LOOK: Rank.FIRST_ROWS, Stage.WHOLE: Rank.WHOLE_ROWS}
_FIRST_AND_WHOLE_PROBES = {Stage.FIRST_LOOK: Rank.FIRST_PROBES, Stage.WHOLE: Rank.WHOLE_PROBES}
_PROBES = {**_FIRST_AND_WHOLE_PROBES, Stage.SECOND_LOOK: Rank.SECOND_PROBES}
_CALLBACKS = {Stage.FIRST_LOOK: Rank.FIRST_CALLBACKS, Stage.WHOLE: Rank.WHOLE_CALLBACKS}


class Need(Generic[T]):
    """What a clause test judges: the item its check takes (the type parameter, so a
    check of another item is a type error), where it comes from, and its rank at each
    stage of the corpus it reads (a need that reads none sends its own probes, or draws
    them, at one rank). The needs are the class's constants below; each is one object,
    compared by identity."""

    CREATED: ClassVar[Need[Created]]
    ANSWERED: ClassVar[Need[Exchange]]
    NAMED: ClassVar[Need[Named]]
    CALLBACKS: ClassVar[Need[Observed]]
    RUN_CALLBACKS: ClassVar[Need[Observed]]
    PROBES: ClassVar[Need[Refused]]
    LISTED: ClassVar[Need[Probe]]
    REFUSALS: ClassVar[Need[Refused]]
    ENCODINGS: ClassVar[Need[Exchange]]
    VARIATIONS: ClassVar[Need[Exchange]]
    DRAWN: ClassVar[Need[Drawn]]
    WHOLE_RUN: ClassVar[Need[WholeRun]]

    def __init__(self, name: str, what: str, ranks: dict[Stage, Rank] | Rank) -> None:
        self.name = name
        self.what = what
        self.ranks = ranks if isinstance(ranks, dict) else {}
        self.own_rank = ranks if isinstance(ranks, Rank) else None

    def __repr__(self) -> str:
        return f"Need.{self.name}"

    def rank(self, stage: Stage | None) -> Rank:
        if self.own_rank is not None:
            return self.own_rank
        if stage is None:  # no stage asked: its first
            return next(iter(self.ranks.values()))
        return self.ranks[stage]


Need.CREATED = Need("CREATED", "accepted request", _ROWS)
Need.ANSWERED = Need("ANSWERED", "answered covering-plan request", _ROWS)
Need.NAMED = Need("NAMED", "accepted request naming a sid", _ROWS)
Need.CALLBACKS = Need("CALLBACKS", "recording with a callback URL", _CALLBACKS)
# With every callback its URL got by the run's end
Need.RUN_CALLBACKS = Need(
    "RUN_CALLBACKS", "recording with a callback URL", {Stage.WHOLE: Rank.RUN_CALLBACKS}
)
Need.PROBES = Need("PROBES", "probe of the clause", _PROBES)
# Only the first look lists the call's recordings around a probe (corpus.refusal_plan).
Need.LISTED = Need("LISTED", "probe with the call's recordings listed", _FIRST_AND_WHOLE_PROBES)
Need.REFUSALS = Need("REFUSALS", "refusal probe", _PROBES)
Need.ENCODINGS = Need("ENCODINGS", "event probe", Rank.OWN_PROBES)  # its own probes
Need.VARIATIONS = Need("VARIATIONS", "HTTP-level variation", Rank.OWN_PROBES)  # same
Need.DRAWN = Need("DRAWN", "schemathesis case", Rank.DRAWN)
Need.WHOLE_RUN = Need(
    "WHOLE_RUN", "listing of the call's recordings after the run", Rank.AFTERWARDS
)
