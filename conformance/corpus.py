"""The requests a run sends once and every clause judges: the covering plan of valid
requests (with their callbacks) and the probes that must be refused."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from itertools import combinations, zip_longest

from conformance.budget import BudgetExhausted
from conformance.checks import Created, Refused
from conformance.checks.callbacks import Observed
from conformance.checks.identity import Named
from conformance.harness import Harness
from conformance.receiver import CallbackReceiver
from contract.exchange import Auth, Exchange, is_success
from contract.failures import Inconclusive
from contract.forms import EVENTS, Form, sent, sent_events
from contract.terms import (
    MALFORMED_CALL,
    MISSING_CREDENTIALS,
    OTHER_ACCOUNT,
    PARAMETER,
    PARAMETERS,
    UNKNOWN_CALL,
    WRONG_TOKEN,
    Clause,
)
from strategies.covering import CALLBACK, SHAPING, valid_plan
from strategies.credentials import credential_probes
from strategies.forms import EventEncoding, encode_events
from strategies.identities import MALFORMED_CALL_SIDS
from strategies.invalid import near_misses, one_wrong

_URL = next(p for p in PARAMETERS if p.format == "uri").name
_METHOD = PARAMETER["RecordingStatusCallbackMethod"].name


class Stage(StrEnum):
    """Every clause test judges twice: first a first look (a few plan rows giving every
    parameter each of its values, and two probes per clause), which shows most faults
    after a few dozen requests, then the whole corpus (first look included)."""

    FIRST_LOOK = "first-look"
    WHOLE = "whole"


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
    left, first, rest = list(forms), [], []
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
        self.settle()
        later.settle()
        return ValidCorpus(self.entries + later.entries, self.unanswered + later.unanswered)

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
        e.observed = Observed(e.created, finals[e.sid], tuple(receiver.deliveries(e.token)))


def send_valid(
    harness: Harness,
    receiver: CallbackReceiver,
    forms: list[Form],
    callback_timeout: float,
    callback_grace: float,
) -> ValidCorpus:
    """Create, then stop, each; then wait for the callbacks they asked for."""
    rows = send_rows(harness, receiver, forms)
    observe_callbacks(harness, receiver, rows, callback_timeout, callback_grace)
    return ValidCorpus(rows.entries, rows.unanswered)


def plan_forms(strength: int) -> list[Form]:
    return valid_plan(strength, CALLBACK)


@dataclass
class Probe:
    clause: Clause
    refused: Refused
    # For credential probes: the call's recordings listed just before and just after.
    listed: tuple[Exchange, Exchange] | None = None


@dataclass
class RefusalCorpus:
    probes: list[Probe] = field(default_factory=list)
    # Probes the target could not be asked (transport trouble): clause id -> why.
    unanswered: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    def __add__(self, later: RefusalCorpus) -> RefusalCorpus:
        unanswered = defaultdict(list, {k: list(v) for k, v in self.unanswered.items()})
        for clause_id, why in later.unanswered.items():
            unanswered[clause_id] += why
        return RefusalCorpus(self.probes + later.probes, unanswered)

    def for_clause(self, clause_id: str) -> list[Probe]:
        """The answered probes of a clause; none at all is inconclusive, never a pass."""
        probes = [p for p in self.probes if p.clause.id == clause_id]
        if not probes:
            why = "; ".join(self.unanswered.get(clause_id, [])) or "none was planned"
            raise Inconclusive(f"no {clause_id} probe was answered ({why})")
        return probes


@dataclass(frozen=True)
class ProbeSpec:
    """One request that must be refused, and why."""

    clause: Clause
    why: str
    status: int | None = None  # the exact status asked for, if any
    form: Form = ()
    call_sid: str | None = None  # None: the suite's call
    account_sid: str | None = None  # None: the suite's account
    auth: Auth = Auth.ACCOUNT
    listed: bool = False  # list the call's recordings before and after (nothing created?)


def refusal_plan(
    unknown_call: str, other_account: str, other_token_known: bool = False, other_call: str = ""
) -> list[ProbeSpec]:
    """Each invalid-input class per parameter, unknown and malformed calls, bad credentials
    (and near misses of the real ones: strategies/credentials.py)."""
    specs = [
        ProbeSpec(request.clause, miss.describe(), form=request.form)
        for p in PARAMETERS
        for miss in near_misses(p)
        for request in [one_wrong(miss)]
    ]
    specs.append(
        ProbeSpec(
            UNKNOWN_CALL,
            f"unknown CallSid {unknown_call}",
            404,
            call_sid=unknown_call,
        )
    )
    if other_call:  # a call that exists, but not for this account
        specs.append(
            ProbeSpec(
                UNKNOWN_CALL, f"another account's CallSid {other_call}", 404, call_sid=other_call
            )
        )
    specs += [
        ProbeSpec(MALFORMED_CALL, f"malformed CallSid {sid!r}", call_sid=sid)
        for sid in MALFORMED_CALL_SIDS
    ]
    specs += [
        ProbeSpec(MISSING_CREDENTIALS, "no credentials", 401, auth=Auth.NONE, listed=True),
        ProbeSpec(
            WRONG_TOKEN,
            "a wrong API token",
            401,
            auth=Auth.WRONG_TOKEN,
            listed=True,
        ),
        ProbeSpec(
            OTHER_ACCOUNT,
            f"another account's path ({other_account})",
            401,
            account_sid=other_account,
            listed=True,
        ),
    ]
    specs += [
        ProbeSpec(c.clause, c.why, 401, auth=c.auth) for c in credential_probes(other_token_known)
    ]
    return _clause_by_clause(specs)


FIRST_ROUNDS = 2  # probes of each refusal clause in the first look


def first_probes(specs: list[ProbeSpec]) -> tuple[list[ProbeSpec], list[ProbeSpec]]:
    """The first rounds of a clause-by-clause plan (a probe of each clause per round); the
    rest. A second probe of a clause tries another way of being lenient (a near miss of
    another kind), which is worth more than a further row of the covering plan."""
    seen: dict[str, int] = defaultdict(int)
    first, rest = [], []
    for spec in specs:
        seen[spec.clause.id] += 1
        (first if seen[spec.clause.id] <= FIRST_ROUNDS else rest).append(spec)
    return first, rest


@dataclass(frozen=True)
class StagedPlan:
    """What the corpora send, split into the first look and the rest: read by the run's
    fixtures and by the dry run's listing alike, so the listing cannot drift."""

    first_rows: list[Form]
    rest_rows: list[Form]
    first_probes: list[ProbeSpec]
    rest_probes: list[ProbeSpec]


def stage_plan(
    strength: int,
    unknown_call: str,
    other_account: str,
    other_token_known: bool = False,
    other_call: str = "",
) -> StagedPlan:
    probes = refusal_plan(unknown_call, other_account, other_token_known, other_call)
    return StagedPlan(*first_look_split(plan_forms(strength)), *first_probes(probes))


def _clause_by_clause(specs: list[ProbeSpec]) -> list[ProbeSpec]:
    """One probe of every clause before a second of any: a budget that ends midway has
    still asked about as many clauses as it could."""
    queues: dict[str, list[ProbeSpec]] = defaultdict(list)
    for spec in specs:
        queues[spec.clause.id].append(spec)
    rounds = zip_longest(*queues.values())
    return [spec for row in rounds for spec in row if spec is not None]


def send_refusals(harness: Harness, specs: list[ProbeSpec]) -> RefusalCorpus:
    """Send each; anything a target wrongly starts is stopped at once."""
    corpus = RefusalCorpus()
    last_listing: Exchange | None = None  # the call's recordings, listed just now
    for spec in specs:
        try:
            before = None
            if spec.listed:  # listed probes in a row share a listing between them
                before = last_listing or harness.client.list_recordings(harness.call_sid())
            last_listing = None
            exchange = harness.create(
                spec.form, call_sid=spec.call_sid, account_sid=spec.account_sid, auth=spec.auth
            )
            harness.stop_all()
            probe = Probe(spec.clause, Refused(exchange, spec.why, spec.status))
            if before is not None:
                last_listing = harness.client.list_recordings(harness.call_sid())
                probe.listed = (before, last_listing)
            corpus.probes.append(probe)
        except Inconclusive as exc:  # the budget spent, too
            last_listing = None
            corpus.unanswered[spec.clause.id].append(f"{spec.why}: {exc}")
    return corpus


def event_probe_plan() -> list[tuple[EventEncoding, Form]]:
    """Two events, then all of them, alone in each encoding: a refusal here is about the
    encoding, not about anything else in the body. (Every subset, in both encodings,
    is in the covering plan too.)"""
    pair, every = EVENTS.domain[:2], EVENTS.domain
    return [(e, encode_events(events, e)) for e in EventEncoding for events in (pair, every)]
