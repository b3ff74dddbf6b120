"""No false positive: a faithful server that makes other choices the contract allows
passes every clause, as the reference emulator does. The emulator, behind a proxy that
answers as another faithful server might (extra fields, keys in another order, other
RFC 2822 spellings of its dates, a charset on its JSON type, gzip), calling back late."""

from __future__ import annotations

from pathlib import Path

import httpx

from contract.rfc2822 import date_time_problem
from emulator.hostile import ENV, Behaviour, hostile, other_allowed_choices
from power.runner import run_suite_in_process

LATE = 1.0  # seconds every status callback waits


def test_the_proxy_answers_with_other_choices() -> None:
    with hostile(Behaviour(alter=other_allowed_choices)) as target:
        answer = httpx.post(
            f"{target.base_url}/Accounts/{ENV['SIGNALWIRE_PROJECT_ID']}/Calls.json",
            data={"To": "+15550100001", "From": "+15550100002", "Url": "http://127.0.0.1:9/"},
            auth=(ENV["SIGNALWIRE_PROJECT_ID"], ENV["SIGNALWIRE_API_TOKEN"]),
        )
    assert answer.headers["content-encoding"] == "gzip"  # httpx decodes it, as the suite's
    assert answer.headers["content-type"] == "application/json; charset=utf-8"
    body = answer.json()
    assert list(body)[-1] == "sid" and "vendor_extension" in body
    assert body["date_created"][0].isdigit()  # no day-of-week
    assert date_time_problem(body["date_created"]) is None


def test_a_faithful_server_making_other_allowed_choices_passes(tmp_path: Path) -> None:
    with hostile(Behaviour(alter=other_allowed_choices), callback_delay=LATE) as target:
        run = run_suite_in_process("--base-url", target.base_url, report_dir=tmp_path, env=ENV)
    assert run.failures == (), run.output[-3000:]
    assert run.returncode == 0, run.output[-3000:]  # success: every clause judged, and held
