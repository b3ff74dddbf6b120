"""The valid corpus: the covering plan of valid requests a run sends once, with their
callbacks, and every clause judges (the rows, the recordings they create, the callbacks
they bring)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import combinations

from conformance.checks import Created
from conformance.checks.callbacks import Observed
from conformance.checks.identity import Named
from conformance.client.budget import BudgetExhausted
from conformance.client.receiver import CallbackReceiver
from conformance.run.calls import Harness
from contract.exchange import Exchange, is_success
from contract.failures import Inconclusive
from contract.forms import EVENTS, Form, sent, sent_events
from contract.terms import (
    PARAMETER,
    PARAMETERS,
)
from strategies.covering import CALLBACK, SHAPING, valid_plan

_URL = next(p for p in PARAMETERS if p.format == "uri").name
_METHOD = PARAMETER["RecordingStatusCallbackMethod"].name


def first_look_split(forms: list[Form]) -> tuple[list[Form], list[Form]]:
    """The plan in the order that exposes the most soonest: first the rows that between
    them give every parameter each of its values (omitted is one; callback parameters
    count only beside a callback URL, where their callbacks show them), then the rest.
    Each row is the one with the most values, then pairs, then triples of the shaping
    parameters, not yet sent, so a budget that ends midway has sent the most corners."""

    def values(form: Form) -> set[tuple[str, object]]:
        callback = {_URL, _METHOD, EVENTS.name}
        shown: set[tuple[str, object]] = {
            (p.name, sent(form, p.name)) for p in PARAMETERS if p.name not in callback
        }
        shown.add((_URL, sent(form, _URL) is not None))
        if sent(form, _URL) is not None:
            shown |= {(EVENTS.name, sent_events(form)), (_METHOD, sent(form, _METHOD))}
        return shown

    def corners(form: Form) -> set[tuple[tuple[str, object], ...]]:
        facets = [(p.name, tuple(v for k, v in form if k == p.name)) for p in PARAMETERS]
        shaping = [f for f in facets if f[0] in SHAPING]
        return {*combinations(facets, 2), *combinations(shaping, 3)}

    wanted = set().union(*(values(f) for f in forms)) if forms else set()
    unseen = set().union(*(corners(f) for f in forms)) if forms else set()
    left, first, rest = list(forms), list[Form](), list[Form]()
    while left:
        best = max(left, key=lambda f: (len(values(f) & wanted), len(corners(f) & unseen)))
        left.remove(best)
        (first if wanted else rest).append(best)
        wanted -= values(best)
        unseen -= corners(best)
    return first, rest


@dataclass
class Entry:
    exchange: Exchange
    token: str | None = None  # the receiver token of its callback URL, if any
    created: Created | None = None  # a 2xx answer
    sid: str | None = None  # the recording it names, if it names one
    observed: Observed | None = None
    fetched: Exchange | None = None  # fetched back once, judged at every stage


@dataclass
class ValidCorpus:
    entries: list[Entry]
    unanswered: list[str] = field(default_factory=list)  # rows not asked, and why
    # Awaits the rows' callbacks, on first need of them: other work overlaps the wait.
    pending: Callable[[], None] | None = None
    done_at: float = float("-inf")  # time.monotonic() after the last of its rows

    def over_the_run(self, receiver: CallbackReceiver, grace: float) -> list[Observed]:
        """Each recording's callbacks as judged at the run's end: every one its URL got
        since it was created, once `grace` seconds have passed since the last row (a
        deadline fixed by the rows alone: in a default run long past, so it costs no
        time; nothing that arrives moves it)."""
        self.settle()
        receiver.wait_until(self.done_at + grace)
        return [
            replace(
                e.observed,
                deliveries=tuple(receiver.deliveries(e.token)),
                arrived=receiver.count(e.token),
            )
            for e in self.entries
            if e.observed is not None and e.token is not None
        ]

    def settle(self) -> ValidCorpus:
        if self.pending is not None:
            wait, self.pending = self.pending, None
            wait()
        return self

    @property
    def why_empty(self) -> str:
        """What became of the rows no entry stands for (the first reasons, counted)."""
        if not self.unanswered:
            return ""
        first = "; ".join(dict.fromkeys(self.unanswered[:3]))
        return f"{len(self.unanswered)} plan rows got no answer: {first}"

    @property
    def created(self) -> list[Created]:
        return [e.created for e in self.entries if e.created is not None]

    def __add__(self, later: ValidCorpus) -> ValidCorpus:
        def settle_both() -> None:  # each part awaits its own callbacks, once
            self.settle()
            later.settle()

        entries, unanswered = self.entries + later.entries, self.unanswered + later.unanswered
        done_at = max(self.done_at, later.done_at)
        return ValidCorpus(entries, unanswered, pending=settle_both, done_at=done_at)

    @property
    def observed(self) -> list[Observed]:
        self.settle()
        return [e.observed for e in self.entries if e.observed is not None]

    def named(self, fetch: Callable[[str], Exchange]) -> list[Named]:
        """The accepted creates that name their recording, each with the sids named before
        it, fetched back on first need only (the whole corpus judges the first look's again)."""
        out: list[Named] = []
        for e in self.entries:
            if e.created is not None and e.sid is not None:
                earlier = frozenset(n.sid for n in out)
                out.append(Named(e.created, e.sid, earlier, partial(_fetched, e, e.sid, fetch)))
        return out


def _fetched(entry: Entry, sid: str, fetch: Callable[[str], Exchange]) -> Exchange:
    if entry.fetched is None:
        entry.fetched = fetch(sid)
    return entry.fetched


def _with_callback(form: Form, receiver: CallbackReceiver) -> tuple[Form, str | None]:
    if sent(form, _URL) != CALLBACK:
        return form, None
    token, url = receiver.new_url()
    return tuple((k, url if k == _URL else v) for k, v in form), token


@dataclass
class SentRows:
    """Plan rows created and stopped, their callbacks not yet awaited."""

    entries: list[Entry]
    unanswered: list[str]
    stops: dict[str, Exchange | None]
    done_at: float  # time.monotonic() after the last of them


def send_rows(harness: Harness, receiver: CallbackReceiver, forms: list[Form]) -> SentRows:
    """Create, then stop, each."""
    entries: list[Entry] = []
    unanswered: list[str] = []
    stops: dict[str, Exchange | None] = {}
    for planned in forms:
        form, token = _with_callback(planned, receiver)
        try:
            exchange = harness.create(form)
        except BudgetExhausted as exc:
            unanswered.append(str(exc))
            break  # the plan is ordered: what was sent is judged, the rest is not tested
        except Inconclusive as exc:
            unanswered.append(str(exc))
            continue  # a row the target could not be asked; the others still count
        entry = Entry(exchange, token)
        if is_success(exchange):  # judged whatever its body: SCHEMA-JSON speaks for it
            entry.created = harness.created(exchange)
            sid = exchange.body.get("sid")
            if isinstance(sid, str):
                entry.sid, stops[sid] = sid, harness.stop(sid)
        entries.append(entry)
    return SentRows(entries, unanswered, stops, time.monotonic())


def observe_callbacks(
    harness: Harness,
    receiver: CallbackReceiver,
    rows: SentRows,
    callback_timeout: float,
    callback_grace: float,
) -> None:
    """Wait for the callbacks the rows asked for, for the recordings the suite can name,
    and note what came on each entry. The grace counts from the rows' end, so whatever
    was sent since overlaps it."""
    waiting = [e for e in rows.entries if e.created and e.token and e.sid]
    finals = harness.final_statuses({e.sid: rows.stops[e.sid] for e in waiting if e.sid})
    expected = {}
    for e in waiting:
        assert e.created is not None and e.token is not None and e.sid is not None
        provisional = Observed(e.created, finals[e.sid], ())
        expected[e.token] = len(provisional.expected_events())
    grace = callback_grace if waiting else 0.0
    receiver.wait(expected, callback_timeout, grace, since=rows.done_at)
    for e in waiting:
        assert e.created is not None and e.token is not None and e.sid is not None
        delivered = tuple(receiver.deliveries(e.token))
        e.observed = Observed(e.created, finals[e.sid], delivered, receiver.count(e.token))


def send_valid(
    harness: Harness,
    receiver: CallbackReceiver,
    forms: list[Form],
    callback_timeout: float,
    callback_grace: float,
) -> ValidCorpus:
    """Create, then stop, each. The callbacks they asked for are awaited when a test
    first needs them: the probes sent before that overlap the wait and the grace."""
    rows = send_rows(harness, receiver, forms)
    return ValidCorpus(
        rows.entries,
        rows.unanswered,
        pending=lambda: observe_callbacks(
            harness, receiver, rows, callback_timeout, callback_grace
        ),
        done_at=rows.done_at,
    )


def plan_forms(strength: int) -> list[Form]:
    return valid_plan(strength, CALLBACK)
