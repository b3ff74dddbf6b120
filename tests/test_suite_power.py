"""The suite's power, as a kill matrix: zero failures on the faithful emulator, and
every fault of the catalog caught, naming the clause it breaks. Both with the
embedded emulator and with one started separately and reached over real HTTP.

Each matrix is computed once per module (its runs in parallel, see
reports/mutation.py) and then asserted row by row, so a survivor is named."""

from __future__ import annotations

import pytest

from emulator.faults import catalog
from reports.mutation import Matrix, Row, kill_matrix

FAULTS = sorted(catalog())


@pytest.fixture(scope="module")
def embedded() -> Matrix:
    return kill_matrix()


@pytest.fixture(scope="module")
def over_http() -> Matrix:
    return kill_matrix(over_http=True)


def _row(matrix: Matrix, fault: str) -> Row:
    return next(r for r in matrix.rows if r.fault == fault)


def test_catalog_is_large_and_spans_every_checked_family() -> None:
    from conformance.contract import CLAUSE, Family

    faults = catalog()
    assert len(faults) >= 40
    families = {CLAUSE[f.clause].family for f in faults.values()}
    assert families >= set(Family) - {Family.GENERIC}


MODES = ["embedded", "over_http"]


@pytest.mark.parametrize("mode", MODES)
def test_faithful_emulator_has_zero_failures(mode: str, request: pytest.FixtureRequest) -> None:
    matrix: Matrix = request.getfixturevalue(mode)
    assert matrix.false_positives == [], matrix.clean


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("fault", FAULTS)
def test_fault_is_killed_naming_its_clause(
    mode: str, fault: str, request: pytest.FixtureRequest
) -> None:
    row = _row(request.getfixturevalue(mode), fault)
    assert row.killed, row
