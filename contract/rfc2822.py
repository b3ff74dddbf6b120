"""RFC 2822 date-times to the letter: the grammar of section 3.3 (not the obsolete
forms of section 4, which "MUST NOT" be generated) and its semantic rules. Each
problem names the rule it breaks, so a report can say which.

Python's email.utils parses far more than RFC 2822 allows (and ignores the day-of-week),
so it is no judge of what a server generates. ABNF literals are case-insensitive
(RFC 2234 §2.3): "tue" is a day-name as "Tue" is.
"""

from __future__ import annotations

import re

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MONTH_NAMES = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

_FWS = r"(?:[ \t]*\r\n)?[ \t]+"  # folding white space (§3.2.3)
_DAY_NAME = "|".join(DAY_NAMES)
_MONTH_NAME = "|".join(MONTH_NAMES)
# date-time = [ day-of-week "," ] date FWS time [CFWS]       (§3.3; the CFWS is read apart)
_DATE_TIME = re.compile(
    rf"(?:(?:{_FWS})?(?P<dow>{_DAY_NAME}),)?"
    rf"(?:{_FWS})?(?P<day>[0-9]{{1,2}}){_FWS}(?P<month>{_MONTH_NAME}){_FWS}(?P<year>[0-9]{{4,}})"
    rf"{_FWS}(?P<hour>[0-9]{{2}}):(?P<minute>[0-9]{{2}})(?::(?P<second>[0-9]{{2}}))?"
    rf"{_FWS}(?P<zone>[+-][0-9]{{4}})(?P<rest>.*)",
    re.IGNORECASE | re.DOTALL,
)
# The obsolete syntax of §4.3, loosely: comments and white space anywhere, two- or
# three-digit years, alphabetic zones. Matched only to name what a value got wrong.
_CFWS_ANY = r"(?:[ \t]|\r\n[ \t]|\([^()]*\))*"
_OBS_ZONE = r"UT|GMT|[ECMP][SD]T|[A-IK-Za-ik-z]"
_OBSOLETE = re.compile(
    rf"{_CFWS_ANY}(?:(?P<dow>{_DAY_NAME}){_CFWS_ANY},)?{_CFWS_ANY}[0-9]{{1,2}}{_CFWS_ANY}"
    rf"(?:{_MONTH_NAME}){_CFWS_ANY}(?P<year>[0-9]{{2,}}){_CFWS_ANY}"
    rf"[0-9]{{2}}{_CFWS_ANY}:{_CFWS_ANY}[0-9]{{2}}(?:{_CFWS_ANY}:{_CFWS_ANY}[0-9]{{2}})?"
    rf"{_CFWS_ANY}(?P<zone>[+-][0-9]{{4}}|{_OBS_ZONE}){_CFWS_ANY}",
    re.IGNORECASE,
)
_CTEXT_CLASS = r"[\x01-\x08\x0b\x0c\x0e-\x1f!-'*-\[\]-~\x7f]"  # §3.2.3 ctext
_CTEXT = re.compile(_CTEXT_CLASS)


def _any_case(name: str) -> str:
    return "".join(f"[{c.upper()}{c.lower()}]" for c in name)


# The same grammar as a JSON Schema pattern (ECMA-262: no flags, so the names are spelled
# in either case), for the OpenAPI document. A pattern cannot count nested comments, nor
# check the semantics: it accepts a little more than the grammar, never less.
JSON_SCHEMA_PATTERN = (
    rf"^(?:(?:{_FWS})?(?:{'|'.join(map(_any_case, DAY_NAMES))}),)?"
    rf"(?:{_FWS})?[0-9]{{1,2}}{_FWS}(?:{'|'.join(map(_any_case, MONTH_NAMES))}){_FWS}"
    rf"[0-9]{{4,}}{_FWS}[0-9]{{2}}:[0-9]{{2}}(?::[0-9]{{2}})?{_FWS}[+-][0-9]{{4}}"
    rf"(?:(?:[ \t]|\r\n[ \t]|\()(?:[ \t()]|\r\n[ \t]|\\[^\r\n]|{_CTEXT_CLASS})*)?$"
)


def _is_cfws(text: str) -> bool:
    """Whether `text` is empty or CFWS: white space and comments, nested, with quoted pairs."""
    depth, i = 0, 0
    while i < len(text):
        char = text[i]
        if char in " \t" or (text.startswith("\r\n", i) and text[i + 2 : i + 3] in (" ", "\t")):
            i += 2 if char == "\r" else 1
        elif char == "(":
            depth += 1
            i += 1
        elif char == ")" and depth:
            depth -= 1
            i += 1
        elif depth and char == "\\" and i + 1 < len(text) and text[i + 1] not in "\r\n\x00":
            i += 2  # quoted-pair
        elif depth and _CTEXT.fullmatch(char):
            i += 1
        else:
            return False
    return depth == 0


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _days_in(month: int, year: int) -> int:
    return [31, 29 if _leap(year) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]


def _weekday(year: int, month: int, day: int) -> str:
    """The day-name of a proleptic Gregorian date, for any year (Sakamoto's method)."""
    offsets = (0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4)
    y = year - (month < 3)
    sunday_first = (y + y // 4 - y // 100 + y // 400 + offsets[month - 1] + day) % 7
    return DAY_NAMES[(sunday_first - 1) % 7]


def date_time_problem(value: str) -> str | None:
    """What makes `value` no RFC 2822 date-time a server may generate, naming the rule;
    None when it is one."""
    m = _DATE_TIME.fullmatch(value)
    if m is None or not _is_cfws(m["rest"]):
        obsolete = _OBSOLETE.fullmatch(value)
        if obsolete is None:
            return "not the date-time of RFC 2822 §3.3: [day-of-week ,] day month year time zone"
        if len(obsolete["year"]) < 4:
            form = f"a year of {len(obsolete['year'])} digits (obs-year)"
        elif obsolete["zone"][0] not in "+-":
            form = f"the alphabetic zone {obsolete['zone']!r} (obs-zone)"
        else:
            form = "comments or white space where §3.3 has none"
        return f"RFC 2822 §4: obsolete syntax MUST NOT be generated: {form}"
    year, day = int(m["year"]), int(m["day"])
    month = next(i for i, n in enumerate(MONTH_NAMES, 1) if n.lower() == m["month"].lower())
    if year < 1900:
        return f"RFC 2822 §3.3: the year is any numeric year 1900 or later, not {year}"
    if not 1 <= day <= _days_in(month, year):
        return (
            f"RFC 2822 §3.3: the day MUST be between 1 and the days of its month "
            f"({_days_in(month, year)} in {MONTH_NAMES[month - 1]} {year}), not {day}"
        )
    implied = _weekday(year, month, day)
    if m["dow"] and m["dow"].lower() != implied.lower():
        return (
            f"RFC 2822 §3.3: the day-of-week MUST be the day implied by the date "
            f"({day} {MONTH_NAMES[month - 1]} {year} is a {implied}, not {m['dow']})"
        )
    hour, minute, second = int(m["hour"]), int(m["minute"]), int(m["second"] or 0)
    if hour > 23 or minute > 59 or second > 60:
        return "RFC 2822 §3.3: the time-of-day MUST be in the range 00:00:00 through 23:59:60"
    if int(m["zone"][3:]) > 59:
        return (
            f"RFC 2822 §3.3: the zone is +hhmm or -hhmm within -9959 through +9959, not {m['zone']}"
        )
    return None
