"""pytest's collection in the run's order (conformance/clauses/schedule.py): each test
over a staged corpus parametrized over its need's stages, the tests sorted by rank,
those that would judge nothing deselected, and --clause applied."""

from __future__ import annotations

from typing import Any

import pytest

from conformance.clauses.registry import ENTRIES, ClauseTest
from conformance.clauses.schedule import LOOKS, STAGED, Need, Rank, Stage
from conformance.hooks.fixtures import plan_of
from conformance.hooks.keys import LEDGER, SESSION


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    marked = metafunc.definition.get_closest_marker("need")  # set by judging.clause_tests
    need: Need[Any] | None = marked.args[0] if marked else None
    for name in STAGED:
        if name in metafunc.fixturenames:
            # The stages its need has a rank at (conformance/clauses/registry.py)
            ranked = need.ranks if need is not None else (Stage.FIRST_LOOK, Stage.WHOLE)
            stages = [s for s in Stage if s in ranked]
            metafunc.parametrize(name, stages, indirect=True, scope="session", ids=str)


def corpus_stage(item: pytest.Item) -> Stage | None:
    params = getattr(item, "callspec", None)
    found = [params.params[n] for n in STAGED if params and n in params.params]
    return found[0] if found else None


def _stage(item: pytest.Item) -> tuple[Rank, int]:
    """Where a test spends requests: its registry entry's rank (conformance/clauses/registry.py),
    then the entry's place in the registry; the Hypothesis tests that judge every clause
    at once are no entry. A budget, or -x, ends the run having judged the most it could."""
    params = getattr(item, "callspec", None)
    entry = params.params.get("entry") if params else None
    if not isinstance(entry, ClauseTest):
        return Rank.GENERATED, 0
    return entry.rank(corpus_stage(item)), ENTRIES.index(entry)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """The budget goes to the first look first: the request the call's listing at the
    run's end needs is kept back only when the first test past the first look starts,
    before its fixtures send anything."""
    ledger = item.config.stash.get(LEDGER, None)
    if ledger is not None and _stage(item)[0] > Rank.FIRST_CALLBACKS:
        ledger.keep_back()


def _nothing_planned(config: pytest.Config, items: list[pytest.Item]) -> list[pytest.Item]:
    """A look's tests of a clause the look plans no probe of (the second look of a
    clause with one probe in all): they would judge nothing, and are no test of the
    target at all, so they are not run (deselected), rather than counted as skipped."""
    suite = config.stash.get(SESSION, None)
    if suite is None:
        return []
    planned = plan_of(suite).probes
    dropped = []
    for item in items:
        params = getattr(item, "callspec", None)
        entry, stage = params.params.get("entry") if params else None, corpus_stage(item)
        if not isinstance(entry, ClauseTest) or stage not in LOOKS:
            continue
        if entry.need not in (Need.PROBES, Need.LISTED):
            continue
        listed = entry.need is Need.LISTED
        specs = [s for s in planned[stage] if s.clause.id == entry.clause.id]
        if not any(s.listed or not listed for s in specs):
            dropped.append(item)
    return dropped


def _clause(item: pytest.Item) -> str | None:
    marker = item.get_closest_marker("clause")
    return marker.args[0] if marker else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    items.sort(key=_stage)  # stable: within a stage, collection order
    empty = _nothing_planned(config, items)
    if empty:
        config.hook.pytest_deselected(items=empty)
        items[:] = [i for i in items if i not in empty]
    wanted = set(config.getoption("clause"))
    session = config.stash.get(SESSION, None)
    # What the run cannot judge (the user gave no signing key) is not run: not tested.
    unjudgeable = session.unjudgeable if session else {}
    if not wanted and not unjudgeable:
        return
    # Unknown or unobservable clauses were refused with the options (run/options.py).
    blind = sorted(wanted & set(unjudgeable))
    if blind:
        raise pytest.UsageError(f"--clause {', '.join(blind)}: {unjudgeable[blind[0]]}")
    kept = [
        i for i in items if (not wanted or _clause(i) in wanted) and _clause(i) not in unjudgeable
    ]
    config.hook.pytest_deselected(items=[i for i in items if i not in kept])
    items[:] = kept
