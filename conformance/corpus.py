"""The requests a run sends once and every clause judges: the covering plan of valid
requests (with their callbacks) and the probes that must be refused."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations, zip_longest

from conformance.budget import BudgetExhausted
from conformance.checks import Created, Refused
from conformance.checks.callbacks import Observed
from conformance.contract import CLAUSE, PARAMETERS, Clause
from conformance.exchange import Auth, Exchange, Form
from conformance.failures import Inconclusive
from conformance.harness import Harness, is_success
from conformance.receiver import CallbackReceiver
from strategies.covering import CALLBACK, valid_plan
from strategies.credentials import credential_probes
from strategies.forms import EVENTS, EventEncoding, encode_events, sent
from strategies.identities import MALFORMED_CALL_SIDS
from strategies.invalid import near_misses, one_wrong

_URL = next(p for p in PARAMETERS if p.format == "uri").name


@dataclass
class Entry:
    exchange: Exchange
    token: str | None = None  # the receiver token of its callback URL, if any
    created: Created | None = None  # a 2xx answer
    sid: str | None = None  # the recording it names, if it names one
    observed: Observed | None = None


@dataclass
class ValidCorpus:
    entries: list[Entry]
    unanswered: list[str] = field(default_factory=list)  # rows not asked, and why

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

    @property
    def observed(self) -> list[Observed]:
        return [e.observed for e in self.entries if e.observed is not None]


def _with_callback(form: Form, receiver: CallbackReceiver) -> tuple[Form, str | None]:
    if sent(form, _URL) != CALLBACK:
        return form, None
    token, url = receiver.new_url()
    return tuple((k, url if k == _URL else v) for k, v in form), token


def send_valid(
    harness: Harness,
    receiver: CallbackReceiver,
    forms: list[Form],
    callback_timeout: float,
    callback_grace: float,
) -> ValidCorpus:
    """Create, then stop, each; then wait for the callbacks they asked for."""
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
    # Callbacks are awaited for the recordings the suite can name.
    waiting = [e for e in entries if e.created and e.token and e.sid]
    finals = {e.sid: harness.final_status(stops[e.sid], e.sid) for e in waiting if e.sid}
    expected = {}
    for e in waiting:
        assert e.created is not None and e.token is not None and e.sid is not None
        provisional = Observed(e.created, finals[e.sid], ())
        expected[e.token] = len(provisional.expected_events())
    receiver.wait(expected, callback_timeout, callback_grace if waiting else 0.0)
    for e in waiting:
        assert e.created is not None and e.token is not None and e.sid is not None
        e.observed = Observed(e.created, finals[e.sid], tuple(receiver.deliveries(e.token)))
    return ValidCorpus(entries, unanswered)


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
    unknown_call: str, other_account: str, other_token_known: bool = False
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
            CLAUSE["CALL-UNKNOWN-404"],
            f"unknown CallSid {unknown_call}",
            404,
            call_sid=unknown_call,
        )
    )
    specs += [
        ProbeSpec(CLAUSE["CALL-MALFORMED-4XX"], f"malformed CallSid {sid!r}", call_sid=sid)
        for sid in MALFORMED_CALL_SIDS
    ]
    specs += [
        ProbeSpec(CLAUSE["AUTH-MISSING-401"], "no credentials", 401, auth=Auth.NONE, listed=True),
        ProbeSpec(
            CLAUSE["AUTH-WRONG-TOKEN-401"],
            "a wrong API token",
            401,
            auth=Auth.WRONG_TOKEN,
            listed=True,
        ),
        ProbeSpec(
            CLAUSE["AUTH-OTHER-ACCOUNT-401"],
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
    for spec in specs:
        try:
            before = harness.client.list_recordings(harness.call_sid()) if spec.listed else None
            exchange = harness.create(
                spec.form, call_sid=spec.call_sid, account_sid=spec.account_sid, auth=spec.auth
            )
            harness.stop_all()
            probe = Probe(spec.clause, Refused(exchange, spec.why, spec.status))
            if before is not None:
                probe.listed = (before, harness.client.list_recordings(harness.call_sid()))
            corpus.probes.append(probe)
        except Inconclusive as exc:  # the budget spent, too
            corpus.unanswered[spec.clause.id].append(f"{spec.why}: {exc}")
    return corpus


def event_probe_plan() -> list[tuple[EventEncoding, Form]]:
    """Each multi-event subset alone, in each encoding: a refusal here is about the
    encoding, not about anything else in the body."""
    subsets = [c for k in range(2, len(EVENTS.domain) + 1) for c in combinations(EVENTS.domain, k)]
    return [(e, encode_events(events, e)) for e in EventEncoding for events in subsets]


def send_event_probes(harness: Harness) -> dict[EventEncoding, list[Exchange]]:
    out: dict[EventEncoding, list[Exchange]] = {e: [] for e in EventEncoding}
    for encoding, form in event_probe_plan():
        out[encoding].append(harness.create(form))
        harness.stop_all()
    return out
