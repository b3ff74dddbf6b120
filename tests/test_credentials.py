"""Credentials attacked the way real authentication bugs happen: near misses derived
from the real token and account, each refused, each named in the plan, none of them
(nor the token they give away) ever printed or stored."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conformance.client.secrets import Scrubber
from conformance.corpus.refusals import ProbeSpec, refusal_plan
from contract.exchange import Auth
from contract.terms import UNKNOWN_CALL
from emulator.hostile import SID, TOKEN, Behaviour, echo_credentials, hostile
from power.runner import run_suite
from reports.schema import report_schema
from strategies.credentials import (
    CREDENTIAL_PROBES,
    NotDerivable,
    authorization,
    basic,
    credential_probes,
    derived_secrets,
    near_miss_token,
    one_changed,
)

_TOKENS = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.", min_size=6
)
_SIDS = st.uuids().map(str)
OTHER_TOKEN = "another-accounts-token-0c1d"


@given(_SIDS, _TOKENS)
def test_no_near_miss_is_the_real_credential(sid: str, token: str) -> None:
    right = basic(sid, token)
    for probe in CREDENTIAL_PROBES:
        assert authorization(probe.auth, sid, token, OTHER_TOKEN) != right, probe.auth


@given(_TOKENS)
def test_one_character_changed_keeps_the_length_and_changes_one(token: str) -> None:
    changed = one_changed(token)
    assert len(changed) == len(token)
    assert sum(a != b for a, b in zip(changed, token, strict=True)) == 1


def test_a_token_without_letters_gets_one_character_changed_for_its_case() -> None:
    # No case to change, yet a probe to send: a replay sends what the recorded run sent.
    assert near_miss_token(Auth.TOKEN_CASE, "0123456789") == "0123466789"


def test_another_accounts_token_is_tried_only_where_one_is_known() -> None:
    assert Auth.OTHER_TOKEN in {p.auth for p in credential_probes(other_token_known=True)}
    assert Auth.OTHER_TOKEN not in {p.auth for p in credential_probes(other_token_known=False)}
    with pytest.raises(NotDerivable):
        authorization(Auth.OTHER_TOKEN, SID, TOKEN, None)


def test_the_refusal_plan_sends_each_near_miss_expecting_401() -> None:
    planned = {p.auth: p for p in refusal_plan("u", "o", other_token_known=True)}
    for probe in CREDENTIAL_PROBES:
        assert planned[probe.auth].status == 401
        assert planned[probe.auth].clause is probe.clause


def test_the_report_schema_names_every_credential_label() -> None:
    request = report_schema()["$defs"]["exchange_request"]["properties"]
    assert request["auth"]["enum"] == [a.value for a in Auth]


def _spellings(user: str, token: str) -> list[str]:
    pair = f"{user}:{token}"
    encoded = base64.b64encode(pair.encode()).decode()
    return [token, pair, encoded, encoded.rstrip("="), base64.b64encode(token.encode()).decode()]


@given(_SIDS, _TOKENS)
def test_every_near_miss_that_gives_the_token_away_is_masked(sid: str, token: str) -> None:
    scrub = Scrubber.for_credentials(sid, token)
    for user, near in derived_secrets(sid, token):
        for text in _spellings(user, near):
            assert near not in scrub(f"<{text}>"), (user, near, text)
            assert token[:-1] not in scrub(f"<{text}>"), (user, near, text)


def test_the_near_misses_that_give_nothing_away_are_not_masked() -> None:
    # The empty token and the header of the project id alone hold no part of the token.
    assert all(t for _, t in derived_secrets(SID, TOKEN))
    assert Scrubber.for_credentials(SID, TOKEN)(f"{SID}:") == f"{SID}:"


# -- whole runs --------------------------------------------------------------------------

REFUSALS = ("-k", "test_request_is_refused")


def test_a_token_compared_only_as_far_as_sent_is_caught_naming_its_clause(
    tmp_path: Path,
) -> None:
    run = run_suite("--emulator-fault", "auth-token-prefix", *REFUSALS, report_dir=tmp_path)
    assert "AUTH-WRONG-TOKEN-401" in run.violated, run.output[-3000:]
    assert "token-truncated" in (tmp_path / "conformance.json").read_text()


def test_near_misses_echoed_by_the_target_reach_no_output(tmp_path: Path) -> None:
    reports, cassette = tmp_path / "reports", tmp_path / "cassette"
    with hostile(Behaviour(alter=echo_credentials)) as target:
        run = run_suite(
            "--base-url",
            target.base_url,
            "--record-cassette",
            str(cassette),
            *REFUSALS,
            report_dir=reports,
            env={"SIGNALWIRE_PROJECT_ID": SID, "SIGNALWIRE_API_TOKEN": TOKEN},
        )
        sent = {s.authorization for s in target.behaviour.seen}
    # The near misses were sent, and echoed back...
    assert basic(SID, one_changed(TOKEN)) in sent and basic(SID, TOKEN[:-1]) in sent
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert {"conformance.json", "exchanges.yaml"} <= {p.name for p in written}
    # ...and neither they nor the token they give away reached any output.
    secrets = [s for u, t in [(SID, TOKEN), *derived_secrets(SID, TOKEN)] for s in _spellings(u, t)]
    for secret in secrets:
        assert secret not in run.output, secret
        assert [p.name for p in written if secret.encode() in p.read_bytes()] == [], secret


def test_another_accounts_call_is_probed_as_unknown_only_when_one_is_known() -> None:
    def unknown_calls(plan: list[ProbeSpec]) -> list[tuple[str | None, int | None]]:
        return [(p.call_sid, p.status) for p in plan if p.clause is UNKNOWN_CALL]

    assert unknown_calls(refusal_plan("u", "o", other_call="theirs")) == [
        ("u", 404),
        ("theirs", 404),
    ]
    assert unknown_calls(refusal_plan("u", "o")) == [("u", 404)]
