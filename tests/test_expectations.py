"""Vendor expectation files: checked on load, one line per problem."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from contract.expectations import SCHEMA, load_expectations
from contract.failures import ConfigurationError
from contract.terms import CLAUSE
from power.runner import ROOT


@pytest.mark.parametrize("path", sorted((ROOT / "expectations").glob("*.toml")), ids=str)
def test_shipped_expectation_files_load(path: Path) -> None:
    assert load_expectations(path).deviations


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[[deviation]]\nclause = "X"', "'implementation'"),
        ('implementation = "I"\n[[deviation]]\nclause = "SCHEMA-JSON"', "lacks reason, link"),
        (
            'implementation = "I"\n[[deviation]]\nclause = "NO-SUCH"\nreason = "r"\n'
            'link = "https://e.com"',
            "no clause 'NO-SUCH' in the contract",
        ),
        (
            'implementation = "I"\n[[deviation]]\nclause = "SCHEMA-JSON"\nreason = "r"\n'
            'link = "docs"',
            "link 'docs' is not an http(s) URL",
        ),
        ("implementation = ", "not TOML"),
    ],
)
def test_a_bad_file_is_one_line_naming_it(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "vendor.toml"
    path.write_text(text)
    with pytest.raises(ConfigurationError, match=re.escape(message)) as caught:
        load_expectations(path)
    assert str(caught.value).startswith(f"--expectations {path}:")
    assert "\n" not in str(caught.value)


_GOOD = 'clause = "SCHEMA-JSON"\nreason = "r"\nlink = "https://e.com"\n'


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # The typo of issue 14: it used to be ignored, and the run went on with none declared.
        (f'implementation = "I"\n\n[[deviaton]]\n{_GOOD}', "unknown table 'deviaton' (line 3)"),
        ('implementation = "I"\nimplementaton = "J"\n', "unknown key 'implementaton' (line 2)"),
        (
            f'implementation = "I"\n[[deviation]]\n{_GOOD}[[deviation]]\n'
            'clause = "SUCCESS-STATUS-200"\nreason = "r"\nlnk = "https://e.com"\n',
            "deviation 2: unknown key 'lnk' (line 9)",
        ),
        (
            'implementation = "I"\n[[deviation]]\nreason = "r"\nclause = "SCHEMA-JSN"\n'
            'link = "https://e.com"\n',
            "deviation 1: no clause 'SCHEMA-JSN' in the contract (line 4)",
        ),
        (f'implementation = "I"\n[deviation]\n{_GOOD}', "written [[deviation]] (line 2)"),
        (
            'implementation = "I"\n[[deviation]]\nclause = "SCHEMA-JSON"\nreason = 3\n',
            "deviation 1: reason must be a string (line 4)",
        ),
        (
            f'implementation = "I"\n[[deviation]]\n{_GOOD}[[deviation]]\n{_GOOD}',
            "clause SCHEMA-JSON is declared twice (line 7)",
        ),
    ],
)
def test_a_misspelled_or_unknown_name_is_refused_with_its_line(
    tmp_path: Path, text: str, message: str
) -> None:
    path = tmp_path / "vendor.toml"
    path.write_text(text)
    with pytest.raises(ConfigurationError, match=re.escape(message)) as caught:
        load_expectations(path)
    assert str(caught.value).startswith(f"--expectations {path}:")
    assert "\n" not in str(caught.value)


def test_the_schema_reads_its_clause_ids_from_the_contract() -> None:
    clause = SCHEMA["properties"]["deviation"]["items"]["properties"]["clause"]
    assert clause["enum"] == list(CLAUSE)
