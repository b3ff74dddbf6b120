"""Vendor expectation files: checked on load, one line per problem."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conformance.expectations import load_expectations
from conformance.failures import ConfigurationError
from reports.runner import ROOT


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
