"""Checks on a created recording: schema, defaults, echo, enums, nulls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from conformance.checks import Created
from contract.failures import Violation
from contract.rfc2822 import date_time_problem
from contract.terms import (
    API_RECORDING_SOURCE,
    API_VERSION,
    CHANNELS_BY_MODE,
    MAX_EXACT_INTEGER,
    PARAMETER,
    RESPONSE_FIELD,
    RESPONSE_FIELDS,
    STARTED_STATUSES,
    UUID,
)

_JSON_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "integer": (int, float),  # a float only when integral: see _is_type
    "object": (dict,),
}
_UUID = UUID  # matched whole (fullmatch)


def _fail(c: Created, expected: str, actual: str) -> Violation:
    return Violation(expected, actual, c.exchange)


def _present(c: Created, name: str) -> tuple[bool, Any]:
    return name in c.body, c.body.get(name)


def _is_type(value: Any, json_type: str) -> bool:
    # JSON has no bool/int distinction problem in the wire, but Python's bool is an int.
    # An integer is a number with no fractional part: 5.0 reads as a float, yet is one.
    if isinstance(value, bool) or not isinstance(value, _JSON_TYPES[json_type]):
        return False
    return not isinstance(value, float) or value.is_integer()


def _readable(c: Created) -> bool:
    """A body these checks can read: a JSON object (SCHEMA-JSON judges the rest)."""
    return isinstance(c.exchange.response.json, dict)


def _strings_of_format(c: Created, fmt: str) -> list[tuple[str, str]]:
    """The (name, value) of each string field of this format that the body has."""
    return [
        (f.name, c.body[f.name])
        for f in RESPONSE_FIELDS
        if f.format == fmt and isinstance(c.body.get(f.name), str)
    ]


def response_is_json_object(c: Created) -> bool:
    r = c.exchange.response
    if "application/json" not in r.content_type.lower() or not isinstance(r.json, dict):
        why = r.unreadable() or ("not an object" if r.json is not None else "")
        raise _fail(
            c,
            "a JSON object sent as application/json",
            f"{r.content_type or 'no content type'}: {r.text[:200]!r}"
            + (f" ({why})" if why else ""),
        )
    return True


def every_field_present(c: Created) -> bool:
    if not _readable(c):
        return False
    missing = [f.name for f in RESPONSE_FIELDS if f.name not in c.body]
    if missing:
        raise _fail(c, "all contract fields present", f"missing: {', '.join(missing)}")
    return True


def fields_have_their_json_types(c: Created) -> bool:
    wrong = []
    if not any(f.name in c.body for f in RESPONSE_FIELDS):
        return False
    for f in RESPONSE_FIELDS:
        present, value = _present(c, f.name)
        if not present or (value is None and f.nullable):
            continue
        if not _is_type(value, f.json_type):
            wrong.append(
                f"{f.name}={value!r} (want {f.json_type}{' or null' if f.nullable else ''})"
            )
    if wrong:
        raise _fail(c, "each field of its JSON type", "; ".join(wrong))
    return True


def sids_are_uuids(c: Created) -> bool:
    judged = _strings_of_format(c, "uuid")
    wrong = [f"{name}={value!r}" for name, value in judged if not _UUID.fullmatch(value)]
    if wrong:
        raise _fail(
            c,
            "uuids: 8-4-4-4-12 hex digits, nothing else (RFC 4122 §3)",
            "; ".join(wrong),
        )
    return bool(judged)


def sids_are_lower_case(c: Created) -> bool:
    judged = [(n, v) for n, v in _strings_of_format(c, "uuid") if _UUID.fullmatch(v)]
    wrong = [f"{name}={value!r}" for name, value in judged if value != value.lower()]
    if wrong:
        raise _fail(
            c,
            "hex digits in lower case (RFC 4122 §3: 'output as lower case characters')",
            "; ".join(wrong),
        )
    return bool(judged)


def dates_are_rfc2822(c: Created) -> bool:
    judged = _strings_of_format(c, "rfc2822")
    wrong = [
        f"{name}={value!r}: {problem}"
        for name, value in judged
        if (problem := date_time_problem(value)) is not None
    ]
    if wrong:
        raise _fail(
            c,
            "dates in RFC 2822 format, e.g. 'Tue, 25 Sep 2018 23:00:00 +0000'",
            "; ".join(wrong),
        )
    return bool(judged)


def integers_are_written_as_integers(c: Created) -> bool:
    # The parser keeps an integer literal an int: a float here was written with a
    # fraction or an exponent.
    judged = [
        (f.name, c.body[f.name])
        for f in RESPONSE_FIELDS
        if f.json_type == "integer" and _is_type(c.body.get(f.name), "integer")
    ]
    wrong = [
        f"{name}={value!r}"
        + (" (written with a fraction or exponent)" if isinstance(value, float) else "")
        for name, value in judged
        if isinstance(value, float) or abs(value) > MAX_EXACT_INTEGER
    ]
    if wrong:
        raise _fail(
            c,
            f"integer literals within ±{MAX_EXACT_INTEGER} (RFC 8259 §6)",
            "; ".join(wrong),
        )
    return bool(judged)


def _expect_field(c: Created, name: str, expected: Any, why: str) -> bool:
    """Whether the field was there to judge; a wrong value is a violation."""
    present, value = _present(c, name)
    if present and value != expected:
        raise _fail(c, f"{name} == {expected!r} ({why})", f"{name} == {value!r}")
    return present


_CHANNELS = PARAMETER["RecordingChannels"]
_TRIM = PARAMETER["Trim"]


def omitted_channels_mean_mono(c: Created) -> bool:
    if c.sent(_CHANNELS.name) is not None:
        return False
    want = CHANNELS_BY_MODE[_CHANNELS.default or ""]
    why = f"{_CHANNELS.name} omitted, default {_CHANNELS.default}"
    judged = [_expect_field(c, n, want, why) for n in ("channels", "channel")]
    return any(judged)


def omitted_trim_means_do_not_trim(c: Created) -> bool:
    if c.sent(_TRIM.name) is not None:
        return False
    return _expect_field(c, "trim", _TRIM.default, f"{_TRIM.name} omitted")


def _echo_channels(name: str, c: Created) -> bool:
    mode = c.sent(_CHANNELS.name)
    if mode is None or mode not in CHANNELS_BY_MODE:
        return False
    return _expect_field(c, name, CHANNELS_BY_MODE[mode], f"{_CHANNELS.name}={mode}")


def channels_follow_recording_channels(c: Created) -> bool:
    return _echo_channels("channels", c)


def channel_follows_recording_channels(c: Created) -> bool:
    return _echo_channels("channel", c)


def channel_agrees_with_channels(c: Created) -> bool:
    if "channel" not in c.body or "channels" not in c.body:
        return False
    if c.body["channel"] != c.body["channels"]:
        raise _fail(
            c,
            "channel == channels",
            f"channel={c.body['channel']!r}, channels={c.body['channels']!r}",
        )
    return True


def trim_follows_trim(c: Created) -> bool:
    trim = c.sent(_TRIM.name)
    return trim is not None and _expect_field(c, "trim", trim, f"Trim={trim}")


def call_sid_is_the_path_call(c: Created) -> bool:
    return _expect_field(c, "call_sid", c.call_sid, "the CallSid in the path")


def account_sid_is_the_path_account(c: Created) -> bool:
    return _expect_field(c, "account_sid", c.account_sid, "the AccountSid in the path")


def uri_names_this_recording(c: Created) -> bool:
    uri, sid = c.body.get("uri"), c.body.get("sid")
    if not isinstance(uri, str) or not isinstance(sid, str):
        return False  # SCHEMA-FIELDS / SCHEMA-TYPES speak for these
    segments = uri.split("?")[0].rstrip("/").split("/")
    last = segments[-1].removesuffix(".json")
    under_account = f"/Accounts/{c.account_sid}/" in uri
    # A relative path would resolve against the request's URL, under the call.
    rooted = bool(urlsplit(uri).scheme) or uri.startswith("/")
    if last != sid or not under_account or not rooted:
        raise _fail(
            c,
            f"an absolute URI or path ending in /{sid}[.json] under /Accounts/{c.account_sid}/",
            f"uri == {uri!r}",
        )
    return True


def api_version_is_the_path_version(c: Created) -> bool:
    return _expect_field(c, "api_version", API_VERSION, "the version in the path")


def value_in_domain(name: str) -> Callable[[Created], bool]:
    """The check that the response field `name` holds one of its enum's values."""
    field = RESPONSE_FIELD[name]

    def in_domain(c: Created) -> bool:
        present, value = _present(c, name)
        if present and value not in field.enum:
            raise _fail(c, f"{name} in {list(field.enum)}", f"{name} == {value!r}")
        return present

    in_domain.__name__ = f"{name}_in_its_domain"
    return in_domain


def call_recording_has_call_sid(c: Created) -> bool:
    present, value = _present(c, "call_sid")
    if present and value is None:
        raise _fail(c, "a non-null call_sid on a call recording", "call_sid == null")
    return present


def _must_be_null(c: Created, name: str, why: str) -> bool:
    present, value = _present(c, name)
    if present and value is not None:
        raise _fail(c, f"{name} == null ({why})", f"{name} == {value!r}")
    return present


def call_recording_has_no_conference(c: Created) -> bool:
    return _must_be_null(c, "conference_sid", "a call recording")


def encryption_details_always_null(c: Created) -> bool:
    return _must_be_null(c, "encryption_details", "always")


def started_recording_is_in_progress(c: Created) -> bool:
    present, value = _present(c, "status")
    if present and value not in STARTED_STATUSES:
        raise _fail(c, f"status in {list(STARTED_STATUSES)}", f"status == {value!r}")
    return present


def started_duration_not_negative(c: Created) -> bool:
    value = c.body.get("duration")
    if value is None or not _is_type(value, "integer"):
        return False  # SCHEMA-TYPES speaks for it
    if value < 0:
        raise _fail(c, "duration >= 0", f"duration == {value!r}")
    return True


def started_through_the_api(c: Created) -> bool:
    return _expect_field(c, "source", API_RECORDING_SOURCE, "started by this endpoint")
