"""The refusal corpus sends a clause's probes when its test first asks for them and hands
each over as it is answered, so a clause is judged as soon as its own probes are."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import cast

import pytest

from conformance.clauses.registry import needing, probe_order
from conformance.clauses.schedule import Need, Stage
from conformance.client.budget import Budget
from conformance.client.target import Credentials, Target
from conformance.corpus.dry_run import describe
from conformance.corpus.plan import stage_plan
from conformance.corpus.refusals import COMPANY_LOOK, ProbeSpec, RefusalCorpus, probe_stages
from conformance.run.calls import Harness
from conformance.run.options import RunSettings
from contract.exchange import Exchange, Received, SentRequest
from contract.failures import Inconclusive
from contract.terms import (
    CLAUSE,
    MISSING_CREDENTIALS,
    OTHER_ACCOUNT,
    PARAMETER,
    UNKNOWN_CALL,
    WRONG_TOKEN,
)
from strategies.covering import CALLBACK
from strategies.invalid import ALONE, OFF_DEFAULT, off_default_form

TRIM, CHANNELS = CLAUSE["REJECT-TRIM"], CLAUSE["REJECT-RECORDING-CHANNELS"]


@dataclass
class _Client:
    budget: Budget = field(default_factory=Budget)
    sent: list[str] = field(default_factory=list)
    target: Target = field(
        default_factory=lambda: Target("http://target", Credentials("account", "token"))
    )
    max_body: int = 1 << 20

    def list_recordings(self, call_sid: str, page_size: int | None = None) -> Exchange:
        return self._send("list")

    def _send(self, what: str) -> Exchange:
        self.budget.charge()
        self.sent.append(what)
        request = SentRequest("POST", f"http://target/{what}")
        return Exchange(request, Received(400, "application/json", "{}"))


@dataclass
class _Harness:
    """Answers every create with a 400, and tells what was sent, in order."""

    client: _Client = field(default_factory=_Client)

    def call_sid(self) -> str:
        return "call"

    def create(self, form: object = (), **how: object) -> Exchange:
        return self.client._send(str(form))

    def stop_all(self) -> None:
        pass


def _spec(clause: str, why: str, listed: bool = False) -> ProbeSpec:
    return ProbeSpec(CLAUSE[clause], why, form=(("why", why),), listed=listed)


def _corpus(*specs: ProbeSpec) -> tuple[RefusalCorpus, _Client]:
    harness = _Harness()
    return RefusalCorpus(cast(Harness, harness), Stage.FIRST_LOOK, list(specs)), harness.client


def test_a_look_sends_a_clauses_probes_only_when_its_test_asks_for_them() -> None:
    corpus, client = _corpus(_spec("REJECT-TRIM", "a"), _spec("REJECT-RECORDING-CHANNELS", "b"))
    assert client.sent == []
    assert [p.refused.why for p in corpus.for_clause(CHANNELS)] == ["b"]
    assert client.sent == [str((("why", "b"),))]


def test_each_probe_is_handed_over_before_the_next_is_sent() -> None:
    corpus, client = _corpus(_spec("REJECT-TRIM", "a"), _spec("REJECT-TRIM", "b"))
    probes = corpus.for_clause(TRIM)
    next(probes)  # a check that fails here stops the sending: the rest wait for the whole
    assert len(client.sent) == 1
    whole = RefusalCorpus(corpus.harness, Stage.WHOLE, [], (corpus,))
    assert [p.refused.why for p in whole.for_clause(TRIM)] == ["a", "b"]


def test_listed_probes_share_a_listing_only_when_nothing_was_sent_between() -> None:
    corpus, client = _corpus(
        _spec(MISSING_CREDENTIALS.id, "m", listed=True),
        _spec(WRONG_TOKEN.id, "w", listed=True),
        _spec("REJECT-TRIM", "t"),
        _spec(OTHER_ACCOUNT.id, "o", listed=True),
    )
    list(corpus.for_clause(MISSING_CREDENTIALS))
    list(corpus.for_clause(WRONG_TOKEN))
    assert client.sent.count("list") == 3  # before m, between m and w, after w
    list(corpus.for_clause(TRIM))
    list(corpus.for_clause(OTHER_ACCOUNT))
    assert client.sent.count("list") == 5  # a probe between: listed afresh


def test_a_clause_whose_probes_got_no_answer_is_inconclusive_saying_why() -> None:
    corpus, client = _corpus(_spec("REJECT-TRIM", "a"))
    client.budget.limit = 0
    with pytest.raises(Inconclusive, match=r"no REJECT-TRIM probe was answered .*budget"):
        list(corpus.for_clause(TRIM))
    with pytest.raises(Inconclusive, match="none was planned"):
        list(corpus.for_clause(CHANNELS))


def test_each_look_holds_one_probe_of_each_refusal_clause_in_the_order_tests_ask() -> None:
    clauses = [e.clause.id for e in needing(Need.PROBES)]
    specs = [_spec(c, f"{c} {n}") for n in range(3) for c in clauses]
    stages = probe_stages(specs[::-1], probe_order)
    for look in (Stage.FIRST_LOOK, Stage.SECOND_LOOK):
        assert [p.clause for p in stages[look]] == [e.clause for e in needing(Need.PROBES)]
    assert len(stages[Stage.WHOLE]) == len(needing(Need.PROBES))


def test_the_dry_run_lists_the_first_looks_probes_in_the_order_tests_ask() -> None:
    lines = describe(RunSettings(), calls_given=False)
    start = next(i for i, line in enumerate(lines) if line.startswith("first look"))
    end = next(i for i, line in enumerate(lines) if line.startswith("second look"))
    probes = [line for line in lines[start:end] if " auth=" in line]
    listed = [re.search(r"\[([A-Z0-9-]+)\]", line)[1] for line in probes]  # type: ignore[index]
    asked = [e.clause.id for e in needing(Need.PROBES)]
    assert listed == [c for c in asked if c in listed]
    assert listed[0] == UNKNOWN_CALL.id


def _staged() -> dict[Stage, list[ProbeSpec]]:
    return stage_plan(2, probe_order, "unknown", "other", True, "other-call").probes


def test_each_refusal_clause_is_probed_alone_first_and_in_company_in_the_company_look() -> None:
    stages = _staged()
    asked = [e.clause for e in needing(Need.PROBES)]
    for stage, specs in stages.items():
        company = OFF_DEFAULT if stage is COMPANY_LOOK else ALONE
        assert {p.company for p in specs} == {company}, stage
    assert [p.clause for p in stages[Stage.FIRST_LOOK]] == asked
    # Every clause probed more than once; so every clause of a wrong value.
    twice = [c for c in asked if sum(p.clause is c for s in stages.values() for p in s) > 1]
    assert [p.clause for p in stages[COMPANY_LOOK]] == twice
    wrong_values = {p.clause for p in stages[Stage.FIRST_LOOK] if p.form}
    assert wrong_values and wrong_values <= set(twice)
    for p in stages[COMPANY_LOOK]:
        # Every parameter sent; those the probe does not make wrong at their off-default value.
        assert {k for k, _ in p.form} == set(PARAMETER)
        wrong = {
            k for k, v in p.form if v != CALLBACK and not PARAMETER[k].accepts(v, careful=True)
        }
        company = {k for k, v in p.form if (k, v) in set(off_default_form())}
        assert wrong | company == set(PARAMETER) and not wrong & company, p.why


def test_a_company_probe_carries_a_receiver_url_and_needs_one() -> None:
    spec = _spec("REJECT-TRIM", "t").accompanied()
    assert (PARAMETER["RecordingStatusCallback"].name, CALLBACK) in spec.form
    harness = _Harness()
    urls = iter(["http://receiver/cb/1"])
    corpus = RefusalCorpus(
        cast(Harness, harness), COMPANY_LOOK, [spec], callback_url=lambda: next(urls)
    )
    list(corpus.for_clause(TRIM))
    assert "http://receiver/cb/1" in harness.client.sent[0]
    assert CALLBACK not in harness.client.sent[0]
    without = RefusalCorpus(cast(Harness, _Harness()), COMPANY_LOOK, [spec])
    with pytest.raises(ValueError, match="needs a receiver"):
        list(without.for_clause(TRIM))


def test_the_dry_run_says_which_company_each_probe_keeps() -> None:
    lines = describe(RunSettings(), calls_given=False)
    refusals = {e.clause.id for e in needing(Need.PROBES)}
    probes = [line for line in lines if line.endswith(tuple(f"[{c}]" for c in refusals))]
    start = next(i for i, line in enumerate(lines) if line.startswith("second look"))
    end = next(i for i, line in enumerate(lines) if line.startswith("then "))
    assert "company=off-default" in lines[start]
    second = lines[start + 1 : end]
    assert second and all(f"company={OFF_DEFAULT}" in line for line in second)
    rest = [line for line in probes if line not in second]
    assert rest and all(f"company={ALONE}" in line for line in rest)
