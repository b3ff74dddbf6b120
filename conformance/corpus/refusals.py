"""The refusal corpus: the probes that must be refused (a parameter out of its domain, a
missing or wrong credential, a call that is not there), planned once and sent a clause
at a time, in the stage (a look, or the whole) that asks for them."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

from conformance.checks import Refused
from conformance.checks.identity import Listing, Probe
from conformance.clauses.schedule import LOOKS, Stage
from conformance.run.calls import Harness
from conformance.run.listing import read_listing
from contract.exchange import Auth
from contract.failures import Inconclusive
from contract.forms import Form
from contract.terms import (
    MALFORMED_CALL,
    MISSING_CREDENTIALS,
    OTHER_ACCOUNT,
    PARAMETERS,
    UNKNOWN_CALL,
    WRONG_TOKEN,
    Clause,
)
from strategies.covering import CALLBACK
from strategies.credentials import credential_probes
from strategies.identities import MALFORMED_CALL_SIDS
from strategies.invalid import ALONE, OFF_DEFAULT, in_company, near_misses, one_wrong


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
