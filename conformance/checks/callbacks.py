"""Checks on the status callbacks a created, then ended, recording caused."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qsl, urlsplit

from conformance.checks import Created
from conformance.client.receiver import MAX_PER_TOKEN, Delivery
from contract.failures import Violation
from contract.terms import (
    CALLBACK_FIELDS,
    CALLBACK_IDENTITY_FIELDS,
    IN_PROGRESS_EVENT,
    PARAMETER,
    TERMINAL_EVENTS,
)
from strategies.urls import normal_percent_encoding

_EVENTS = PARAMETER["RecordingStatusCallbackEvent"]
_METHOD = PARAMETER["RecordingStatusCallbackMethod"]
_URL = PARAMETER["RecordingStatusCallback"]


@dataclass(frozen=True)
class Observed:
    created: Created
    final_status: str | None  # completed or absent once ended; None if never learnt
    deliveries: tuple[Delivery, ...]
    # Every delivery its URL got, kept or not (the receiver keeps MAX_PER_TOKEN).
    arrived: int = 0
    # Over the whole run (judged at its end), not only up to the recording's own grace.
    whole_run: bool = False
    # The project's signing key, when the user gave it (checks/signing.py): never shown.
    signing_key: str | None = field(default=None, repr=False, compare=False)

    def expected_events(self) -> frozenset[str]:
        requested = self.created.sent_events() or frozenset({_EVENTS.default or ""})
        occurred = {IN_PROGRESS_EVENT}
        if self.final_status in TERMINAL_EVENTS:
            occurred.add(self.final_status)
        return requested & occurred

    def describe(self) -> str:
        """What came, bounded (EVIDENCE_CHARS): a hostile target's callbacks are not."""
        if not self.deliveries:
            return "no callback arrived"
        shown = "; ".join(_described(d) for d in self.deliveries)
        unkept = self.arrived - len(self.deliveries)
        if unkept > 0:
            shown += f"; and {unkept} more, not kept (the receiver keeps {MAX_PER_TOKEN})"
        return _cut(shown, EVIDENCE_CHARS)


EVIDENCE_CHARS = 2000  # of the callbacks a failure shows
_VALUE_CHARS = 200  # of one field a failure shows


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def _fields(pairs: tuple[tuple[str, str], ...]) -> str:
    return (
        "{" + ", ".join(f"{k[:_VALUE_CHARS]!r}: {_cut(v, _VALUE_CHARS)!r}" for k, v in pairs) + "}"
    )


def _described(d: Delivery) -> str:
    cut = f" [{_cut(d.cut, _VALUE_CHARS)}]" if d.cut else ""
    media = d.content_type[:100] or "-"
    return f"{d.method} {media} query={_fields(d.query)} form={_fields(d.form)}{cut}"


def _fail(o: Observed, expected: str, actual: str | None = None) -> Violation:
    return Violation(expected, _cut(actual or o.describe(), EVIDENCE_CHARS), o.created.exchange)


def _events_as_expected(o: Observed) -> bool:
    """Judged when a callback came (one that was due and did not is a violation): no
    callback where none was due is what a target that sends none does too, so it is no
    evidence that the target sends the requested ones (a mock sends none)."""
    if any(d.partial and "RecordingStatus" not in d.payload for d in o.deliveries):
        return False  # a callback whose event the receiver's bounds left out: no telling
    delivered = Counter(
        d.payload.get("RecordingStatus", "<no RecordingStatus>") for d in o.deliveries
    )
    expected = o.expected_events()
    requested = o.created.sent_events() or {str(_EVENTS.default)}
    extra = [e for e in delivered if e not in requested]
    repeated = [e for e, n in delivered.items() if n > 1]
    flood = o.arrived > len(o.deliveries)  # more than any recording has events
    missing = sorted(expected - set(delivered))
    if o.whole_run:  # what never came was judged at the recording's own stage
        missing = []
    elif o.final_status not in TERMINAL_EVENTS:
        missing = [e for e in missing if e == IN_PROGRESS_EVENT]
    if extra or repeated or missing or flood:
        when = " (over the whole run, to its end)" if o.whole_run else ""
        raise _fail(
            o,
            f"exactly one callback per requested event that occurred{when}: {sorted(expected)} "
            f"(requested {sorted(requested)}, recording ended {o.final_status or 'unknown'})",
            f"delivered {dict(delivered) or 'nothing'}"
            + (f"; not requested: {extra}" if extra else "")
            + (f"; more than once: {repeated}" if repeated else "")
            + (f"; missing: {missing}" if missing else "")
            + (f"; {o.arrived} came in all, the first {len(o.deliveries)} kept" if flood else ""),
        )
    return bool(delivered)


def callbacks_for_exactly_the_requested_events(o: Observed) -> bool:
    return o.created.sent_events() is not None and _events_as_expected(o)


def callbacks_default_to_completed(o: Observed) -> bool:
    return o.created.sent_events() is None and _events_as_expected(o)


def _over_the_run(o: Observed) -> Observed:
    return replace(o, whole_run=True)


def no_second_or_unasked_callback(o: Observed) -> bool:
    """CALLBACK-EVENTS again at the run's end, over every callback its URL got: none
    for an event not requested, none twice (late ones count)."""
    return callbacks_for_exactly_the_requested_events(_over_the_run(o))


def no_second_or_unasked_default_callback(o: Observed) -> bool:
    """The same, for a recording that requested no events (CALLBACK-DEFAULT-EVENT)."""
    return callbacks_default_to_completed(_over_the_run(o))


def _given_query(o: Observed) -> str:
    """The query of the callback URL the request gave, as given."""
    return urlsplit(o.created.sent(_URL.name) or "").query


def _added(pairs: tuple[tuple[str, str], ...], given: str) -> list[tuple[str, str]]:
    """The query parameters of a delivery that its URL did not have already."""
    rest = list(pairs)
    for pair in parse_qsl(given, keep_blank_values=True):
        if pair in rest:
            rest.remove(pair)
    return rest


def _method_as_expected(o: Observed, method: str) -> bool:
    """Judged on the callbacks that came; none came is nothing to judge. The query the
    URL had already is no payload."""
    for d in o.deliveries:
        added = _added(d.query, _given_query(o))
        placed = added if method == "GET" else d.form
        misplaced = d.form if method == "GET" else added
        # Where the receiver's bounds left fields out, only the method is judged.
        carried = d.partial or ({k for k, _ in placed} >= {"RecordingSid"} and not misplaced)
        if d.method != method or not carried:
            where = "query parameters" if method == "GET" else "a form body"
            raise _fail(
                o,
                f"{method} with the payload as {where}",
                _described(d),
            )
    return bool(o.deliveries)


def callbacks_use_the_requested_method(o: Observed) -> bool:
    method = o.created.sent(_METHOD.name)
    return method is not None and _method_as_expected(o, method)


def callbacks_default_to_post(o: Observed) -> bool:
    if o.created.sent(_METHOD.name) is not None:
        return False
    return _method_as_expected(o, _METHOD.default or "")


def _pieces(query: str) -> list[str]:
    # An empty field ("a=1&" or "a=1&&b=2") is no parameter: it need not arrive.
    return [normal_percent_encoding(p) for p in query.split("&") if p]


def _url_problem(given: str, d: Delivery) -> str | None:
    """How the delivery's path or query differs from the URL given, or None. The path is
    compared from the receiver's /cb/{token} on (a tunnel may serve it under a prefix);
    the given query's parameters must arrive in order, as given, side by side."""
    marker = f"/cb/{d.token}"
    path = urlsplit(given).path
    want_path = normal_percent_encoding(path[path.index(marker) :])
    got_path = normal_percent_encoding(d.raw_path[d.raw_path.index(marker) :])
    if got_path != want_path:
        return f"path {got_path!r}, given {want_path!r}"
    want, got = _pieces(urlsplit(given).query), _pieces(d.raw_query)
    runs = [got[i : i + len(want)] for i in range(len(got) - len(want) + 1)]
    if want not in runs:
        return f"query {d.raw_query!r}, given {urlsplit(given).query!r}"
    return None


def callbacks_request_the_url_given(o: Observed) -> bool:
    """Judged on the deliveries whose path the receiver kept (older cassettes have none)."""
    given = o.created.sent(_URL.name) or ""
    judged = [d for d in o.deliveries if d.raw_path and f"/cb/{d.token}" in given]
    for d in judged:
        problem = _url_problem(given, d)
        if problem:
            raise _fail(
                o,
                f"a {d.method} of {given[:300]!r}"
                + (" with the payload added to its query" if d.method == "GET" else ""),
                f"{d.method} {d.raw_path[:300]}?{d.raw_query[:300]}: {problem[:600]}",
            )
    return bool(judged)


def callback_payload_agrees_with_recording(o: Observed) -> bool:
    body = o.created.body
    judged = 0
    for d in o.deliveries:
        payload = d.payload
        # Where the receiver's bounds left fields out, those it kept are judged.
        names = [n for n in CALLBACK_IDENTITY_FIELDS if n in payload or not d.partial]
        mirrored = {
            name: (CALLBACK_FIELDS[name], body.get(CALLBACK_FIELDS[name])) for name in names
        }
        judged += bool(names)
        wrong = [
            f"{name}={payload.get(name)!r} (recording {field}={value!r})"
            for name, (field, value) in mirrored.items()
            if payload.get(name) != str(value)
        ]
        url = urlsplit(payload.get("RecordingUrl", ""))
        kept = "RecordingUrl" in payload or not d.partial
        if kept and (url.scheme not in ("http", "https") or not url.netloc):
            # A receiver has no base to resolve a relative reference against.
            wrong.append(f"RecordingUrl={payload.get('RecordingUrl')!r} (not an absolute URL)")
        if wrong:
            raise _fail(
                o,
                "payload fields equal to the recording's, RecordingUrl an absolute http(s) URL",
                "; ".join(wrong),
            )
    return bool(judged)
