"""The requests a run sends once and every clause judges: the covering plan of valid
requests (with their callbacks) and the probes that must be refused."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from functools import partial
from itertools import combinations

from conformance.checks import Created, Refused
from conformance.checks.callbacks import Observed
from conformance.checks.identity import Listing, Named, Probe
from conformance.clauses.schedule import LOOKS, Stage
from conformance.client.budget import BudgetExhausted
from conformance.client.receiver import CallbackReceiver
from conformance.run.calls import Harness
from conformance.run.listing import read_listing
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
from strategies.identities import MALFORMED_CALL_SIDS
from strategies.invalid import ALONE, OFF_DEFAULT, in_company, near_misses, one_wrong

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


class RefusalCorpus:
    """The probes of one stage, sent a clause at a time when a test first asks for that
    clause's, and handed over as each is answered: a clause is judged as soon as its own
    probes are, not once every probe of the stage is. The whole corpus holds the looks'."""

    def __init__(
        self,
        harness: Harness,
        stage: Stage,
        specs: list[ProbeSpec],
        looks: tuple[RefusalCorpus, ...] = (),
        callback_url: Callable[[], str] | None = None,
    ) -> None:
        self.harness = harness
        self.stage = stage
        self.looks = looks
        self._callback_url = callback_url  # a receiver URL for a probe's company
        self._pending = list(specs)
        self._answered: list[Probe] = []
        self._unanswered: dict[str, list[str]] = defaultdict(list)  # clause id -> why
        self._listing: tuple[Listing, int] | None = None  # the last, and the requests by then

    def for_clause(self, clause: Clause) -> Iterator[Probe]:
        """The clause's probes, each sent on first need; none answered is inconclusive."""
        answered = 0
        for probe in self._of(clause):
            answered += 1
            yield probe
        if not answered:
            why = "; ".join(self._why(clause.id)) or "none was planned"
            raise Inconclusive(f"no {clause.id} probe was answered ({why})")

    @property
    def probes(self) -> list[Probe]:
        """Every probe answered, those not yet sent sent first (in the plan's order)."""
        for spec in list(self._pending):
            self._send(spec)
        return [p for look in self.looks for p in look.probes] + self._answered

    def _of(self, clause: Clause) -> Iterator[Probe]:
        for look in self.looks:
            yield from look._of(clause)
        yield from [p for p in self._answered if p.clause.id == clause.id]
        for spec in [s for s in self._pending if s.clause.id == clause.id]:
            probe = self._send(spec)
            if probe is not None:
                yield probe

    def _why(self, clause_id: str) -> list[str]:
        return [w for look in self.looks for w in look._why(clause_id)] + self._unanswered.get(
            clause_id, []
        )

    def _last_listing(self) -> Listing | None:
        """Listed probes in a row share a listing: the last one, if nothing was sent since."""
        if self._listing is None or self._listing[1] != self.harness.client.budget.spent:
            return None
        return self._listing[0]

    def _list(self) -> Listing:
        call = self.harness.call_sid()
        given = call in self.harness.client.target.calls.given
        return read_listing(self.harness.client, call, given)

    def _form(self, spec: ProbeSpec) -> Form:
        """The probe's form, a company's callback URL one of the receiver's (should a
        target wrongly start a recording, its callbacks come back to the suite)."""
        if not any(v == CALLBACK for _, v in spec.form):
            return spec.form
        if self._callback_url is None:
            raise ValueError(f"{spec.why}: a company with a callback URL needs a receiver")
        url = self._callback_url()
        return tuple((k, url if v == CALLBACK else v) for k, v in spec.form)

    def _send(self, spec: ProbeSpec) -> Probe | None:
        """Send one; anything a target wrongly starts is stopped at once."""
        self._pending.remove(spec)
        harness = self.harness
        try:
            before = None
            if spec.listed:
                before = self._last_listing() or self._list()
            exchange = harness.create(
                self._form(spec),
                call_sid=spec.call_sid,
                account_sid=spec.account_sid,
                auth=spec.auth,
            )
            harness.stop_all()
            probe = Probe(spec.clause, Refused(exchange, spec.why, spec.status))
            if before is not None:
                after = self._list()
                self._listing = (after, harness.client.budget.spent)
                probe.listed = (before, after)
        except Inconclusive as exc:  # the budget spent, too
            self._unanswered[spec.clause.id].append(f"{spec.why}: {exc}")
            return None
        self._answered.append(probe)
        return probe


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
    company: str = ALONE  # what else the form sends (strategies.invalid: ALONE, OFF_DEFAULT)

    def accompanied(self) -> ProbeSpec:
        """The same probe beside every other parameter, each off its default."""
        why = f"{self.why}, in company: every other parameter sent off its default"
        return replace(self, why=why, form=in_company(self.form), company=OFF_DEFAULT)


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
    return specs


# The look whose probes are sent in company (every other parameter off its default): a
# server may validate a parameter on some paths only (with no callback URL, on the mono
# path...). The first look's stay alone, so that a value refused alone and accepted in
# company shows as such; in the second look the company costs no request of its own.
COMPANY_LOOK = Stage.SECOND_LOOK


def probe_stages(
    specs: list[ProbeSpec], order: Callable[[Clause], int]
) -> dict[Stage, list[ProbeSpec]]:
    """A probe of each clause in each look, the rest in the whole. A second probe of a
    clause tries another way of being lenient (a near miss of another kind, in company),
    which is worth more than a further row of the covering plan. Each stage lists its
    probes in the order its tests ask for them (`order`, a clause's place), which is the
    order they are sent in (RefusalCorpus), so the dry run lists what a run sends."""
    seen: dict[str, int] = defaultdict(int)
    stages: dict[Stage, list[ProbeSpec]] = {s: [] for s in Stage}
    for spec in specs:
        round_ = seen[spec.clause.id]
        seen[spec.clause.id] += 1
        stage = LOOKS[round_] if round_ < len(LOOKS) else Stage.WHOLE
        stages[stage].append(spec.accompanied() if stage is COMPANY_LOOK else spec)
    return {s: sorted(found, key=lambda p: order(p.clause)) for s, found in stages.items()}


@dataclass(frozen=True)
class StagedPlan:
    """What the corpora send, split into the first look and the rest: read by the run's
    fixtures and by the dry run's listing alike, so the listing cannot drift."""

    first_rows: list[Form]
    rest_rows: list[Form]
    probes: dict[Stage, list[ProbeSpec]]


def stage_plan(
    strength: int,
    order: Callable[[Clause], int],
    unknown_call: str,
    other_account: str,
    other_token_known: bool = False,
    other_call: str = "",
) -> StagedPlan:
    specs = refusal_plan(unknown_call, other_account, other_token_known, other_call)
    return StagedPlan(*first_look_split(plan_forms(strength)), probe_stages(specs, order))
