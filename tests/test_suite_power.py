"""The suite's power, as a kill matrix: zero failures on the faithful emulator, and
every fault of the catalog caught, naming the clause it breaks. One test per fault,
so pytest-xdist spreads them over cores (see power/killmatrix.py); the embedded
emulator for all, and one emulator started separately and reached over HTTP for the
faithful run and a few faults.

`python -m power.killmatrix` runs these same tests with a matrix spec of its own
(budget, profile) and assembles the rows they write."""

from __future__ import annotations

import gc
from dataclasses import replace
from pathlib import Path

import pytest

from contract.terms import CLAUSE, Family
from emulator.faults import catalog
from power.killmatrix import CLEAN, Spec, run_one

FAULTS = sorted(catalog())


# Over HTTP what changes is the process boundary and credentials given as options: the
# faithful run and four faults (in an answer, a refusal, a callback, its signature) prove them.
OVER_HTTP = (
    "api-version-wrong",
    "auth-any-token",
    "callback-channels-always-1",
    "signature-url-decoded",  # the signing key reaches the separate emulator too
)


@pytest.fixture(scope="session")
def spec() -> Spec:
    """The matrix's options: the default, or what `python -m power.killmatrix` asks."""
    return Spec.from_env()


def test_catalog_is_large_and_spans_every_checked_family() -> None:
    faults = catalog()
    assert len(faults) >= 40
    families = {CLAUSE[f.clause].family for f in faults.values()}
    assert families >= set(Family) - {Family.GENERIC}


def test_faithful_emulator_has_zero_failures(spec: Spec, tmp_path: Path) -> None:
    row = run_one(CLEAN, tmp_path, spec)
    assert row.caught_by == [], row
    # The run froze the garbage collector's view of its long-lived objects and thawed
    # it at its end (conformance/hooks/lifecycle.py): runs in one process do not pile up.
    assert gc.get_freeze_count() == 0


@pytest.mark.parametrize("fault", FAULTS)
def test_fault_is_killed_naming_its_clause(fault: str, spec: Spec, tmp_path: Path) -> None:
    row = run_one(fault, tmp_path, spec)
    assert row.killed, row


def test_faithful_emulator_over_http_has_zero_failures(spec: Spec, tmp_path: Path) -> None:
    row = run_one(CLEAN, tmp_path, replace(spec, over_http=True, out=None))
    assert row.caught_by == [], row


@pytest.mark.parametrize("fault", OVER_HTTP)
def test_fault_over_http_is_killed_naming_its_clause(
    fault: str, spec: Spec, tmp_path: Path
) -> None:
    row = run_one(fault, tmp_path, replace(spec, over_http=True, out=None))
    assert row.killed, row
