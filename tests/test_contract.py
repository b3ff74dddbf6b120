"""The contract module: complete, consistent, and the one place its facts live."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from conformance.clauses.registry import ENTRIES
from contract import terms as contract
from contract.decisions import decisions_markdown

ROOT = Path(__file__).resolve().parents[1]
SEED = ROOT.parent / "shared" / "seed" / "create-recording.txt"


def test_response_has_the_seeds_21_fields_in_order() -> None:
    assert len(contract.RESPONSE_FIELDS) == 21
    if SEED.exists():  # the seed sits beside the checkout in CI and on developer machines
        text = SEED.read_text()
        positions = [text.index(f"\n{f.name}") for f in contract.RESPONSE_FIELDS]
        assert positions == sorted(positions)


def test_every_default_lies_in_its_domain() -> None:
    for p in contract.PARAMETERS:
        if p.default is not None:
            assert p.accepts(p.default), p.name


def test_clause_ids_are_unique_and_well_formed() -> None:
    ids = [c.id for c in contract.CLAUSES]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[A-Z0-9]+(-[A-Z0-9]+)+", i) for i in ids)


def test_every_entry_names_a_testable_clause_of_the_catalog() -> None:
    assert ENTRIES
    assert all(e.clause is contract.CLAUSE[e.clause.id] and e.clause.testable for e in ENTRIES)


def test_every_testable_clause_has_an_entry_in_the_registry() -> None:
    registered = {e.clause.id for e in ENTRIES}
    assert [c.id for c in contract.CLAUSES if c.testable and c.id not in registered] == []


def _spelled_clause_ids(path: Path) -> set[str]:
    """The clause IDs a module spells as a whole string (docstrings may name them)."""
    strings = {
        node.value
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }
    return strings & set(contract.CLAUSE)


def test_no_clause_id_is_spelled_outside_the_contract_and_the_registry() -> None:
    # The emulator's fault catalog names the clause each fault breaks: that is its data.
    allowed = {ROOT / "conformance" / "clauses" / "registry.py"}
    spelled = {
        str(path.relative_to(ROOT)): ids
        for package in ("conformance", "strategies", "reports", "emulator", "power")
        for path in sorted((ROOT / package).rglob("*.py"))
        if path not in allowed and "faults" not in path.parts
        if (ids := _spelled_clause_ids(path))
    }
    assert spelled == {}


def test_every_clause_id_is_spelled_in_the_contract_where_grep_finds_it() -> None:
    # No ID built by an f-string: each is one string literal of contract/terms.py.
    spelled = _spelled_clause_ids(ROOT / "contract" / "terms.py")
    assert [c.id for c in contract.CLAUSES if c.id not in spelled] == []


def test_decisions_carry_their_reason_and_their_page_lists_them() -> None:
    assert all(c.reason for c in contract.DECISIONS)
    page = (ROOT / "docs" / "decisions.md").read_text()
    # Not `assert ... in page`: pytest would print both texts, cut, and not the way out.
    if decisions_markdown() not in page:
        pytest.fail(
            "docs/decisions.md is behind contract/terms.py: put the table that "
            "`python -c 'from contract.decisions import decisions_markdown; "
            "print(decisions_markdown())'` prints in place of the page's table",
            pytrace=False,
        )


def test_url_predicate_accepts_absolute_http_urls_only() -> None:
    url = contract.PARAMETER["RecordingStatusCallback"]
    assert url.accepts("https://example.com/cb?x=1")
    assert url.accepts("http://127.0.0.1:8080/cb")
    for bad in (
        "/cb",
        "ftp://example.com",
        "http://",
        "http://a b.com",
        "https://exämple.com",
    ):
        assert not url.accepts(bad), bad
    # RFC 3986 accepts an odd port (tests/test_url_rule.py): only a careful target refuses it.
    assert url.accepts("http://example.com:99999/")
    assert not url.accepts("http://example.com:99999/", careful=True)


def test_events_accept_space_separated_subsets_only() -> None:
    events = contract.PARAMETER["RecordingStatusCallbackEvent"]
    assert events.accepts("completed in-progress absent")
    for bad in ("", "completed,absent", "completed  absent", " completed", "Completed"):
        assert not events.accepts(bad), bad
