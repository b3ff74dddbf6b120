"""The requests a run sends once and every clause judges: the covering plan of valid
requests (with their callbacks) and the probes that must be refused."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from conformance.checks import Created, Refused
from conformance.checks.callbacks import Observed
from conformance.contract import CLAUSE, PARAMETERS, Clause
from conformance.exchange import Auth, Exchange, Form
from conformance.failures import Inconclusive
from conformance.harness import Harness, is_success
from conformance.receiver import CallbackReceiver
from strategies.covering import CALLBACK, valid_plan
from strategies.forms import EVENTS, EventEncoding, encode_events, sent
from strategies.identities import MALFORMED_CALL_SIDS
from strategies.invalid import near_misses, one_wrong

_URL = next(p for p in PARAMETERS if p.format == "uri").name


@dataclass
class Entry:
    exchange: Exchange
    token: str | None = None  # the receiver token of its callback URL, if any
    created: Created | None = None
    observed: Observed | None = None


@dataclass
class ValidCorpus:
    entries: list[Entry]

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
    stops: dict[str, Exchange | None] = {}
    for planned in forms:
        form, token = _with_callback(planned, receiver)
        exchange = harness.create(form)
        entry = Entry(exchange, token)
        if is_success(exchange) and isinstance(exchange.body.get("sid"), str):
            entry.created = harness.created(exchange)
            stops[exchange.body["sid"]] = harness.stop(exchange.body["sid"])
        entries.append(entry)
    waiting = [e for e in entries if e.created is not None and e.token is not None]
    finals = {
        e.created.body["sid"]: harness.final_status(
            stops[e.created.body["sid"]], e.created.body["sid"]
        )
        for e in waiting
        if e.created is not None
    }
    expected = {}
    for e in waiting:
        assert e.created is not None and e.token is not None
        provisional = Observed(e.created, finals[e.created.body["sid"]], ())
        expected[e.token] = len(provisional.expected_events())
    receiver.wait(expected, callback_timeout, callback_grace if waiting else 0.0)
    for e in waiting:
        assert e.created is not None and e.token is not None
        e.observed = Observed(
            e.created, finals[e.created.body["sid"]], tuple(receiver.deliveries(e.token))
        )
    return ValidCorpus(entries)


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


def send_refusals(harness: Harness, unknown_call: str, other_account: str) -> RefusalCorpus:
    """One request per invalid-input class, unknown and malformed calls, and bad
    credentials. Anything a target wrongly starts is remembered for clean-up."""
    corpus = RefusalCorpus()

    def probe(
        clause: Clause, why: str, status: int | None = None, **kwargs: object
    ) -> Probe | None:
        form = kwargs.pop("form", ())
        try:
            exchange = harness.create(form, **kwargs)  # type: ignore[arg-type]
        except Inconclusive as exc:
            corpus.unanswered[clause.id].append(f"{why}: {exc}")
            return None
        corpus.probes.append(Probe(clause, Refused(exchange, why, status)))
        harness.stop_all()
        return corpus.probes[-1]

    def credential_probe(clause: Clause, why: str, **kwargs: object) -> None:
        try:
            before = harness.client.list_recordings(harness.call_sid())
            sent = probe(clause, why, 401, **kwargs)
            if sent is not None:
                sent.listed = (before, harness.client.list_recordings(harness.call_sid()))
        except Inconclusive as exc:
            corpus.unanswered[clause.id].append(f"{why}: {exc}")

    for parameter in PARAMETERS:
        for miss in near_misses(parameter):
            request = one_wrong(miss)
            probe(request.clause, miss.describe(), form=request.form)
    probe(CLAUSE["CALL-UNKNOWN-404"], f"unknown CallSid {unknown_call}", 404, call_sid=unknown_call)
    for sid in MALFORMED_CALL_SIDS:
        probe(CLAUSE["CALL-MALFORMED-4XX"], f"malformed CallSid {sid!r}", call_sid=sid)
    credential_probe(CLAUSE["AUTH-MISSING-401"], "no credentials", auth=Auth.NONE)
    credential_probe(CLAUSE["AUTH-WRONG-TOKEN-401"], "a wrong API token", auth=Auth.WRONG_TOKEN)
    credential_probe(
        CLAUSE["AUTH-OTHER-ACCOUNT-401"],
        f"another account's path ({other_account})",
        account_sid=other_account,
    )
    return corpus


def send_event_probes(harness: Harness) -> dict[EventEncoding, list[Exchange]]:
    """Each multi-event subset alone, in each encoding: refusals here are about the
    encoding, not about anything else in the body."""
    out: dict[EventEncoding, list[Exchange]] = {}
    subsets = [c for k in range(2, len(EVENTS.domain) + 1) for c in combinations(EVENTS.domain, k)]
    for encoding in EventEncoding:
        out[encoding] = []
        for events in subsets:
            out[encoding].append(harness.create(encode_events(events, encoding)))
            harness.stop_all()
    return out
