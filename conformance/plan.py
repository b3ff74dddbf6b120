"""What a run will send, listed without sending it (`--dry-run`). Built from the same
plans the run itself sends, so the listing cannot drift from the run."""

from __future__ import annotations

from urllib.parse import urlencode

from hypothesis import settings as hypothesis_settings

from conformance.corpus import event_probe_plan, plan_forms, refusal_plan
from conformance.session import RunSettings
from strategies.covering import CALLBACK

# The tests that draw requests from Hypothesis (schemathesis runs twice: positive, negative).
HYPOTHESIS_RUNS = {
    "generated valid requests": 1,
    "generated invalid requests": 1,
    "schemathesis positive and negative data": 2,
}
IDENTITY_FETCHES = 3


def describe(settings: RunSettings, calls_given: bool) -> list[str]:
    lines = ["dry run: nothing is sent. Planned, in the order a request budget spends it:"]
    total = 0
    if not calls_given:
        lines.append("  POST Calls.json (the call to record; ended at the end: 1 more)")
        total += 2
    forms = plan_forms(settings.coverage_strength)
    lines.append(
        f"covering plan, strength {settings.coverage_strength}: {len(forms)} creates, "
        "each stopped at once"
    )
    lines += [f"  POST Recordings.json {_show(f)}" for f in forms]
    total += 2 * len(forms) + IDENTITY_FETCHES
    lines.append(f"  GET Recordings/{{sid}}.json x{IDENTITY_FETCHES} (fetched back)")
    probes = refusal_plan("{unknown uuid}", settings.other_account_sid or "{other account}")
    events = event_probe_plan()
    lines.append(
        f"probes: {len(probes)} that must be refused, {len(events)} event encodings, "
        "1 unknown parameter"
    )
    for p in probes:
        where = f" CallSid={p.call_sid}" if p.call_sid else ""
        where += f" AccountSid={p.account_sid}" if p.account_sid else ""
        lines.append(
            f"  POST Recordings.json {_show(p.form)}{where} auth={p.auth} [{p.clause.id}]"
            + (" (+ the call's recordings listed before and after)" if p.listed else "")
        )
        total += 1 + (2 if p.listed else 0)
    lines += [f"  POST Recordings.json {_show(form)} (stopped if accepted)" for _, form in events]
    total += 2 * len(events) + 2
    examples = hypothesis_settings().max_examples
    generated = sum(HYPOTHESIS_RUNS.values()) * examples
    lines.append(
        "Hypothesis: "
        + ", ".join(f"{name} (up to {n * examples})" for name, n in HYPOTHESIS_RUNS.items())
    )
    lines.append(
        f"planned: {total} requests, counting a stop for every create, plus up to "
        f"{2 * generated} drawn by Hypothesis (each create with its stop)"
    )
    if settings.max_requests is not None:
        lines.append(
            f"the budget of {settings.max_requests} ends the run there; clean-up is "
            "reserved within it"
        )
    return lines


def _show(form: tuple[tuple[str, str], ...]) -> str:
    shown = tuple((k, "{receiver URL}" if v == CALLBACK else v) for k, v in form)
    return urlencode(shown) or "(no parameters)"
