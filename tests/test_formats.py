"""Formats checked to the letter of their RFCs, each failure naming the rule it
applies: RFC 2822 dates (grammar, obsolete forms, semantics), RFC 4122 uuids, and JSON
integers. A valid value in any form the RFCs allow is never a failure."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.checks import Created
from conformance.clauses.registry import needing
from conformance.clauses.schedule import Need
from contract.exchange import Exchange, Received, SentRequest
from contract.failures import Violation
from contract.openapi import RFC2822_PATTERN
from contract.rfc2822 import DAY_NAMES, date_time_problem
from emulator.store import rfc2822
from power.runner import run_suite_in_process

SID = "9a1e4c2b-7f3d-4e8a-b6c5-0d2f1e3a4b5c"

VALID_DATES = [
    "Tue, 25 Sep 2018 23:00:00 +0000",
    "25 Sep 2018 23:00 +0000",  # no day-of-week, no seconds
    "tue, 25 sep 2018 23:00:00 -0000",  # ABNF literals ignore case; -0000: zone unknown
    "Tue,25 Sep 2018 23:00:00 +0530",
    "Tue, 25 Sep 2018 23:59:60 +0000 (UTC)",  # a leap second, a trailing comment
    "Tue, 25 Sep 2018 23:00:00 +0000 (a (nested) \\) comment)",
    "Tue, 25 Sep 2018\r\n 23:00:00 +0000",  # folded
    "Sat, 29 Feb 2020 00:00:00 -1200",
    "Sat, 1 Jan 10000 00:00:00 +0000",  # 4*DIGIT: five digits are a year too
]
INVALID_DATES = [
    ("Mon, 25 Sep 2018 23:00:00 +0000", "day-of-week MUST be the day implied"),
    ("Tue, 25 Sep 18 23:00:00 +0000", "obs-year"),
    ("Tue, 25 Sep 2018 23:00:00 GMT", "obs-zone"),
    ("Tue, 25 Sep 2018 23:00:00 Z", "obs-zone"),
    ("Tue , 25 Sep 2018 23:00:00 +0000", "§4: obsolete syntax"),
    ("Tue, 25 Sep 2018 (c) 23:00:00 +0000", "§4: obsolete syntax"),
    ("Tue, 31 Sep 2018 23:00:00 +0000", "between 1 and the days of its month"),
    ("Sun, 29 Feb 2021 00:00:00 +0000", "between 1 and the days of its month"),
    ("Tue, 25 Sep 2018 24:00:00 +0000", "time-of-day MUST be in the range"),
    ("Tue, 25 Sep 2018 23:60:00 +0000", "time-of-day MUST be in the range"),
    ("Tue, 25 Sep 2018 23:00:00 +0060", "within -9959 through +9959"),
    ("Mon, 01 Jan 1800 00:00:00 +0000", "1900 or later"),
    ("2018-09-25T23:00:00Z", "not the date-time of RFC 2822"),
    ("1795000000", "not the date-time of RFC 2822"),
    ("Tue, 25 Sep 2018 23:00:00 +0000\n", "not the date-time of RFC 2822"),
    ("Tue, 25 Sep 2018 23:00:00 +0000 (open", "not the date-time of RFC 2822"),
    ("Tue, 25 Sep 2018 23:00:00 +00:00", "not the date-time of RFC 2822"),
]


@pytest.mark.parametrize("value", VALID_DATES)
def test_every_form_rfc_2822_allows_is_a_date(value: str) -> None:
    assert date_time_problem(value) is None


@pytest.mark.parametrize(("value", "rule"), INVALID_DATES)
def test_a_broken_date_names_the_rule_it_breaks(value: str, rule: str) -> None:
    problem = date_time_problem(value)
    assert problem is not None and rule in problem, problem


@pytest.mark.parametrize("value", VALID_DATES)
def test_the_openapi_pattern_accepts_every_form_rfc_2822_allows(value: str) -> None:
    assert re.search(RFC2822_PATTERN, value)


# A pattern sees the grammar, not the semantics, nor nested comments: these it refuses.
OUTSIDE_THE_GRAMMAR = [
    v
    for v, rule in INVALID_DATES
    if ("§4" in rule or "not the date-time" in rule) and "(open" not in v and not v.endswith("\n")
]


@pytest.mark.parametrize("value", OUTSIDE_THE_GRAMMAR)
def test_the_openapi_pattern_refuses_what_the_grammar_refuses(value: str) -> None:
    assert not re.search(RFC2822_PATTERN, value)


_MOMENTS = st.datetimes(datetime(1900, 1, 2), datetime(9999, 12, 30)).map(
    lambda d: d.replace(tzinfo=UTC)
)
_ZONES = st.integers(-(23 * 60 + 59), 23 * 60 + 59).map(lambda m: timezone(timedelta(minutes=m)))


@given(_MOMENTS, _ZONES)
def test_what_python_generates_in_any_zone_is_a_date(moment: datetime, zone: timezone) -> None:
    assert date_time_problem(str(rfc2822(moment.astimezone(zone)))) is None


@given(_MOMENTS, st.integers(1, 6))
def test_any_other_day_of_week_is_caught(moment: datetime, shift: int) -> None:
    value = str(rfc2822(moment))
    day = DAY_NAMES[(DAY_NAMES.index(value[:3]) + shift) % 7]
    problem = date_time_problem(day + value[3:])
    assert problem is not None and "day-of-week" in problem


def _created(**fields: Any) -> Created:
    body = {"sid": SID, "duration": 0, "date_created": "Tue, 25 Sep 2018 23:00:00 +0000"}
    body.update(fields)
    request = SentRequest("POST", "http://target/Recordings.json")
    answer = Received(200, "application/json", json.dumps(body))
    return Created(Exchange(request, answer), SID, SID)


def _violated(created: Created) -> set[str]:
    found = set()
    for entry in needing(Need.CREATED):
        if entry.clause.id.startswith("SCHEMA-"):
            try:
                entry(created)
            except Violation as violation:
                found.add(violation.clause.id)
    return found - {"SCHEMA-FIELDS"}  # the bodies here hold only the fields under test


@pytest.mark.parametrize(
    ("fields", "violated"),
    [
        ({}, set()),
        ({"sid": SID.upper()}, {"SCHEMA-UUID-CANONICAL"}),
        ({"sid": SID + "\n"}, {"SCHEMA-UUID"}),
        ({"sid": "{" + SID + "}"}, {"SCHEMA-UUID"}),
        ({"sid": "RE" + SID.replace("-", "")}, {"SCHEMA-UUID"}),
        ({"duration": 0.0}, {"SCHEMA-INTEGER-LITERAL"}),
        ({"duration": 2**53}, {"SCHEMA-INTEGER-LITERAL"}),
        ({"duration": 0.5}, {"SCHEMA-TYPES"}),
        ({"duration": "0"}, {"SCHEMA-TYPES"}),
        ({"duration": True}, {"SCHEMA-TYPES"}),
        ({"date_created": "Mon, 25 Sep 2018 23:00:00 +0000"}, {"SCHEMA-RFC2822"}),
    ],
)
def test_each_format_rule_is_its_own_clause(fields: dict[str, Any], violated: set[str]) -> None:
    assert _violated(_created(**fields)) == violated


def test_faults_in_the_letter_of_the_formats_are_caught_naming_their_clauses(
    tmp_path: Path,
) -> None:
    faults = ("--emulator-fault", "date-weekday-wrong", "--emulator-fault", "duration-float")
    run = run_suite_in_process(
        *faults, "-k", "test_clause_holds_on_covering_plan", report_dir=tmp_path
    )
    assert run.violated == {"SCHEMA-RFC2822", "SCHEMA-INTEGER-LITERAL"}, run.output[-3000:]
