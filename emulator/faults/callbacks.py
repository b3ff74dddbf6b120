"""Faults in status callbacks: method, events, and payloads that disagree with the
recording."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from emulator.faults import Callback, Fault, fault
from emulator.store import Recording

Make = Callable[[str], Callback]


def callbacks_fault(
    name: str,
    clause: str,
    summary: str,
    change: Callable[[list[Callback], Recording, Make], list[Callback]],
    observed_with: tuple[str, ...] = (),
) -> None:
    class CallbacksFault(Fault):
        def callbacks(self, planned: list[Callback], rec: Recording, make: Make) -> list[Callback]:
            return change(planned, rec, make)

    CallbacksFault.observed_with = observed_with

    CallbacksFault.__name__ = CallbacksFault.__qualname__ = "".join(
        p.title() for p in name.split("-")
    )
    fault(name, clause, summary)(CallbacksFault)


def _payload(**values: str) -> Callable[[list[Callback], Recording, Make], list[Callback]]:
    return lambda planned, rec, make: [replace(c, payload={**c.payload, **values}) for c in planned]


callbacks_fault(
    "callback-get-as-post",
    "CALLBACK-METHOD",
    "GET callbacks are sent as POST",
    lambda planned, rec, make: [replace(c, method="POST") for c in planned],
)
callbacks_fault(
    "callback-default-get",
    "CALLBACK-DEFAULT-METHOD",
    "with no method requested, callbacks are sent as GET",
    lambda planned, rec, make: [replace(c, method="GET") for c in planned],
)
callbacks_fault(
    "callback-post-in-query",
    "CALLBACK-DEFAULT-METHOD",
    "POST callbacks carry the payload in the query string, with no body",
    lambda planned, rec, make: [replace(c, in_query=c.method == "POST") for c in planned],
)
callbacks_fault(
    "callback-missing-in-progress",
    "CALLBACK-EVENTS",
    "the in-progress callback is never sent",
    lambda planned, rec, make: [c for c in planned if c.event != "in-progress"],
)
callbacks_fault(
    "callback-sent-twice",
    "CALLBACK-EVENTS",
    "the completed callback is sent twice",
    lambda planned, rec, make: planned + [c for c in planned if c.event == "completed"],
)

LATE_AGAIN = 1.5  # seconds: as measured on an independent server (issue 21)
callbacks_fault(
    "callback-sent-again-late",
    "CALLBACK-EVENTS",
    f"the completed callback is sent again {LATE_AGAIN} s later",
    lambda planned, rec, make: (
        planned + [replace(c, later=LATE_AGAIN) for c in planned if c.event == "completed"]
    ),
    # Sent again after the run's last row, it comes after a default grace (0.3 s): a run
    # sees it only while it outlasts the first rows' by 1.5 s, or listening that long.
    observed_with=("--callback-grace", str(LATE_AGAIN + 0.5)),
)


def _absent_too(planned: list[Callback], rec: Recording, make: Make) -> list[Callback]:
    return [*planned, make("absent")] if rec.status == "completed" else planned


callbacks_fault(
    "callback-extra-absent",
    "CALLBACK-EVENTS",
    "when a recording completes, an absent callback is sent as well",
    _absent_too,
)


def _all_by_default(planned: list[Callback], rec: Recording, make: Make) -> list[Callback]:
    # The default event set ({completed}) gets in-progress as well, when the recording starts.
    if rec.callback_events == {"completed"} and rec.status == "in-progress" and not planned:
        return [make("in-progress")]
    return planned


callbacks_fault(
    "callback-default-every-event",
    "CALLBACK-DEFAULT-EVENT",
    "with no events requested, in-progress is sent too",
    _all_by_default,
)
callbacks_fault(
    "callback-query-dropped",
    "CALLBACK-URL",
    "callbacks go to the URL given without its query string",
    lambda planned, rec, make: [replace(c, url=c.url.partition("?")[0]) for c in planned],
)
callbacks_fault(
    "callback-wrong-recording-sid",
    "CALLBACK-PAYLOAD",
    "the payload's RecordingSid names another recording",
    _payload(RecordingSid="00000000-0000-4000-8000-000000000000"),
)
callbacks_fault(
    "callback-channels-always-1",
    "CALLBACK-PAYLOAD",
    "the payload's RecordingChannels is always 1",
    _payload(RecordingChannels="1"),
)
callbacks_fault(
    "callback-get-dual-channels-1",
    "CALLBACK-PAYLOAD",
    "GET callbacks of dual recordings say RecordingChannels 1 (two parameters)",
    lambda planned, rec, make: [
        replace(c, payload={**c.payload, "RecordingChannels": "1"})
        if c.method == "GET" and rec.channels == "2"
        else c
        for c in planned
    ],
)
callbacks_fault(
    "callback-recording-url-relative",
    "CALLBACK-PAYLOAD",
    "the payload's RecordingUrl is a path, not an absolute URL",
    lambda planned, rec, make: [
        replace(c, payload={**c.payload, "RecordingUrl": rec.path}) for c in planned
    ],
)
callbacks_fault(
    "callback-get-payload-in-fragment",
    "CALLBACK-METHOD",
    "a GET callback to a URL with a fragment appends its payload to the fragment, never sent",
    lambda planned, rec, make: [
        replace(c, payload={}) if c.method == "GET" and "#" in c.url else c for c in planned
    ],
)
callbacks_fault(
    "callback-get-no-query-ampersand",
    "CALLBACK-EVENTS",
    "a GET callback to a URL without a query joins its payload with '&', not '?', so it "
    "requests another path and never arrives",
    lambda planned, rec, make: [
        replace(c, url=c.url + "&") if c.method == "GET" and "?" not in c.url else c
        for c in planned
    ],
)
