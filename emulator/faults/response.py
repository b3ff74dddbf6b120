"""Faults in the created recording: defaults, echo, types and formats, enums,
null rules, missing fields, and corners where two or three parameters meet."""

from __future__ import annotations

from contract.forms import sent
from contract.rfc2822 import DAY_NAMES
from emulator.faults import Body, Fault, body_fault, fault

OTHER_UUID = "00000000-0000-4000-8000-000000000000"


def _set(**values: object):
    def change(body: Body) -> Body:
        body.update(values)
        return body

    return change


def _drop(name: str):
    def change(body: Body) -> Body:
        body.pop(name, None)
        return body

    return change


def _omitted(name: str):
    return lambda form: sent(form, name) is None


def _all(*conditions):
    return lambda form: all(c(form) for c in conditions)


def _is(name: str, value: str):
    return lambda form: sent(form, name) == value


# defaults
body_fault(
    "trim-default-trims",
    "DEFAULT-TRIM",
    "omitted Trim reports trim-silence",
    _set(trim="trim-silence"),
    _omitted("Trim"),
)
body_fault(
    "channels-default-dual",
    "DEFAULT-CHANNELS",
    "omitted RecordingChannels reports 2",
    _set(channels="2", channel="2"),
    _omitted("RecordingChannels"),
)
# echo and consistency
body_fault(
    "trim-not-echoed", "ECHO-TRIM", "trim always reports do-not-trim", _set(trim="do-not-trim")
)
body_fault(
    "channel-key-stuck-mono",
    "ECHO-CHANNEL",
    "the singular channel always reports 1",
    _set(channel="1"),
)
body_fault(
    "channels-key-stuck-mono", "ECHO-CHANNELS", "channels always reports 1", _set(channels="1")
)


def _disagree(body: Body) -> Body:
    body["channel"] = "2" if body.get("channels") == "1" else "1"
    return body


body_fault(
    "channel-keys-disagree",
    "CONSISTENT-CHANNEL-KEYS",
    "channel reports the other count than channels",
    _disagree,
)
body_fault(
    "call-sid-not-the-path",
    "ECHO-CALL-SID",
    "call_sid names another call",
    _set(call_sid=OTHER_UUID),
)
body_fault(
    "account-sid-not-the-path",
    "ECHO-ACCOUNT-SID",
    "account_sid names another account",
    _set(account_sid=OTHER_UUID),
)


def _uri_of_call(body: Body) -> Body:
    body["uri"] = str(body["uri"]).replace(
        f"/Recordings/{body['sid']}", f"/Calls/{body['call_sid']}"
    )
    return body


body_fault(
    "uri-names-the-call", "ECHO-URI", "uri names the call instead of the recording", _uri_of_call
)
body_fault(
    "uri-relative-path",
    "ECHO-URI",
    "uri is a relative path (no leading slash), which resolves under the call",
    lambda body: {**body, "uri": str(body["uri"]).lstrip("/")},
)
body_fault(
    "api-version-wrong",
    "ECHO-API-VERSION",
    "api_version is 2008-08-01",
    _set(api_version="2008-08-01"),
)
# JSON types and formats
body_fault(
    "channels-integer",
    "SCHEMA-TYPES",
    "channels is the integer 1 or 2",
    lambda b: _set(channels=int(b["channels"]))(b),
)
body_fault(
    "duration-string",
    "SCHEMA-TYPES",
    "duration is a string",
    lambda b: _set(duration=str(b["duration"]))(b),
)
body_fault(
    "price-unit-null", "SCHEMA-TYPES", "price_unit (not nullable) is null", _set(price_unit=None)
)
body_fault(
    "sid-not-uuid",
    "SCHEMA-UUID",
    "sid is a Twilio-style RE... string",
    lambda b: _set(sid="RE" + str(b["sid"]).replace("-", ""))(b),
)
body_fault(
    "dates-iso-8601",
    "SCHEMA-RFC2822",
    "date_created is ISO 8601, not RFC 2822",
    _set(date_created="2026-11-24T05:00:00Z"),
)
body_fault(
    "start-time-unix",
    "SCHEMA-RFC2822",
    "start_time is a Unix timestamp string",
    _set(start_time="1795000000"),
)


def _weekday_after(body: Body) -> Body:
    # "Wed, 25 Nov 2026 ..." becomes "Thu, 25 Nov 2026 ...": parsers that ignore the
    # day-of-week (email.utils among them) read the same moment.
    day, rest = str(body["date_created"]).split(",", 1)
    body["date_created"] = DAY_NAMES[(DAY_NAMES.index(day) + 1) % 7] + "," + rest
    return body


body_fault(
    "date-weekday-wrong",
    "SCHEMA-RFC2822",
    "date_created names the day after its date's day-of-week",
    _weekday_after,
)
body_fault(
    "duration-float",
    "SCHEMA-INTEGER-LITERAL",
    "duration is written with a fraction (0.0)",
    lambda b: _set(duration=float(b["duration"]))(b),
)
# enums and the just-started decisions
body_fault("status-outside-enum", "ENUM-STATUS", "status is 'recording'", _set(status="recording"))
body_fault("source-outside-enum", "ENUM-SOURCE", "source is 'api'", _set(source="api"))
body_fault(
    "channel-as-word",
    "ENUM-CHANNEL",
    "channel is 'mono' or 'dual'",
    lambda b: _set(channel={"1": "mono", "2": "dual"}[b["channel"]])(b),
)
body_fault(
    "channels-stereo",
    "ENUM-CHANNELS",
    "dual reports channels 'stereo'",
    _set(channels="stereo"),
    _is("RecordingChannels", "dual"),
)
body_fault(
    "started-as-stopped",
    "STARTED-STATUS",
    "a new recording reports status stopped",
    _set(status="stopped"),
)
body_fault(
    "duration-minus-one",
    "STARTED-DURATION",
    "a new recording reports duration -1",
    _set(duration=-1),
)
body_fault(
    "source-record-verb",
    "STARTED-SOURCE",
    "an API recording reports source RecordVerb",
    _set(source="RecordVerb"),
)
# null rules
body_fault(
    "conference-sid-empty",
    "NULL-CONFERENCE-SID",
    "conference_sid is '' on a call recording",
    _set(conference_sid=""),
)
body_fault(
    "conference-sid-uuid",
    "NULL-CONFERENCE-SID",
    "conference_sid is a uuid on a call recording",
    _set(conference_sid=OTHER_UUID),
)
body_fault(
    "encryption-details-empty",
    "NULL-ENCRYPTION-DETAILS",
    "encryption_details is ''",
    _set(encryption_details=""),
)
body_fault(
    "call-sid-null", "NULL-CALL-SID", "call_sid is null on a call recording", _set(call_sid=None)
)
# missing fields
body_fault(
    "subresource-uris-missing",
    "SCHEMA-FIELDS",
    "subresource_uris is left out",
    _drop("subresource_uris"),
)
body_fault(
    "error-code-missing",
    "SCHEMA-FIELDS",
    "error_code is left out (not sent as null)",
    _drop("error_code"),
)
# corners: only one combination of two or three parameters misbehaves
body_fault(
    "dual-trim-mono",
    "ECHO-CHANNELS",
    "dual with trim-silence reports one channel (two parameters)",
    _set(channels="1", channel="1"),
    _all(_is("RecordingChannels", "dual"), _is("Trim", "trim-silence")),
)
body_fault(
    "dual-default-trim-trims",
    "DEFAULT-TRIM",
    "dual with Trim omitted reports trim-silence (two parameters)",
    _set(trim="trim-silence"),
    _all(_is("RecordingChannels", "dual"), _omitted("Trim")),
)
body_fault(
    "inbound-get-dual-wrong-account",
    "ECHO-ACCOUNT-SID",
    "inbound, GET callbacks and dual report another account (three parameters)",
    _set(account_sid=OTHER_UUID),
    _all(
        _is("RecordingTrack", "inbound"),
        _is("RecordingStatusCallbackMethod", "GET"),
        _is("RecordingChannels", "dual"),
    ),
)


@fault("created-as-text", "SCHEMA-JSON", "the created recording is sent as text/plain")
class CreatedAsText(Fault):
    def media_type(self, media_type: str) -> str:
        return "text/plain"


@fault("created-201", "SUCCESS-STATUS-200", "a create answers 201 Created (as Twilio does)")
class Created201(Fault):
    def success_status(self, status: int) -> int:
        return 201
