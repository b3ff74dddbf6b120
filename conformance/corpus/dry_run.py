"""What a run will send, listed without sending it (`--dry-run`). Built from the same
plans the run itself sends, so the listing cannot drift from the run."""

from __future__ import annotations

from urllib.parse import urlencode

from hypothesis import settings as hypothesis_settings

from conformance.checks.generic import MODES
from conformance.clauses.registry import CREATE_AND_STOP, ENTRIES, probe_order
from conformance.clauses.schedule import Rank, Stage
from conformance.corpus.plan import stage_plan
from conformance.corpus.refusals import COMPANY_LOOK, ProbeSpec
from conformance.run.listing import page_size_for
from conformance.run.options import RunSettings
from contract.forms import Form
from contract.terms import PAGE_SIZE_PARAM, REFUSED_CREATES_NOTHING
from strategies.covering import CALLBACK
from strategies.invalid import OFF_DEFAULT, off_default_form

# The tests that draw requests from Hypothesis (schemathesis runs twice: positive, negative).
HYPOTHESIS_RUNS = {
    "generated valid requests": 1,
    "generated invalid requests": 1,
    "schemathesis positive and negative data": len(MODES),
}


def describe(
    settings: RunSettings,
    calls_given: bool,
    other_token_known: bool = False,
    calls_vouched: bool = False,
) -> list[str]:
    """The planned requests in the order a budget spends them, a line each, with the
    place where the budget (if any) ends the run marked."""
    plan: list[tuple[str, int]] = []  # (line, requests it costs)
    listing = f"GET Calls/{{sid}}/Recordings.json?{PAGE_SIZE_PARAM}="
    listing += str(page_size_for(settings.max_response_bytes))
    if calls_vouched:
        line = (
            "  GET Calls/{sid}/Recordings.json (the given call, vouched for with "
            "--no-call-check: proves the credentials; if it cannot, a create without "
            "credentials, 1 more)"
        )
        plan.append((line, 1))
    elif calls_given:
        plan.append(("  GET Calls/{sid}.json (the given call, checked to be in progress)", 1))
    if calls_given or calls_vouched:
        plan.append(
            (
                f"  {listing} (the given call's recordings before the run, every page: a "
                f"request a page) [{REFUSED_CREATES_NOTHING.id}]",
                1,
            )
        )
    else:
        plan.append(("  POST Calls.json (the call to record; ended at the end: 1 more)", 2))
    staged = stage_plan(
        settings.coverage_strength,
        probe_order,
        "{unknown uuid}",
        settings.other_account_sid or "{other account}",
        other_token_known,
        # the embedded emulator (whose second account's token is known) makes one
        settings.other_account_call_sid or ("{other account's call}" if other_token_known else ""),
    )
    first_rows, rest_rows = staged.first_rows, staged.rest_rows
    first, second, rest = (staged.probes[s] for s in Stage)
    fetching = [e for e in ENTRIES if e.fetches]
    own = [(e, p) for e in ENTRIES if e.rank(None) is Rank.OWN_PROBES for p in e.probes]
    plan.append(
        (
            f"first look: {len(first_rows)} rows of the covering plan (strength "
            f"{settings.coverage_strength}), each stopped at once, and a probe of each "
            f"refusal clause ({len(first)}), each clause judged as soon as its probe is "
            f"answered{_company(Stage.FIRST_LOOK)}",
            0,
        )
    )
    plan += _creates(first_rows)
    plan += [
        (f"  GET Recordings/{{sid}}.json x{e.fetches} (fetched back) [{e.clause.id}]", e.fetches)
        for e in fetching
    ]
    plan += _probes(first)
    heading = f"second look: another probe of each refusal clause ({len(second)})"
    plan.append((heading + _company(Stage.SECOND_LOOK), 0))
    plan += _probes(second)
    plan.append(
        (
            f"then {len(own)} requests of the clause tests' own (event encodings, HTTP-level "
            f"variations), the other {len(rest_rows)} rows of the plan and the other "
            f"{len(rest)} probes{_company(Stage.WHOLE)}",
            0,
        )
    )
    for entry, v in own:
        shown = "".join(f" [{k}: {value}]" for k, value in v.headers)
        line = f"  POST Recordings.json {_show(v.form)}{shown} auth={v.auth} ({v.why})"
        plan.append((f"{line} [{entry.clause.id}]", CREATE_AND_STOP))
    plan += _creates(rest_rows)
    plan += _probes(rest)
    # The whole run's listing: its first request is kept back from the start (listing.py).
    last = f"  {listing} (the call's recordings after the run, every page; its first request "
    last += f"kept back from the start) [{REFUSED_CREATES_NOTHING.id}]"
    total = sum(cost for _, cost in plan) + 1 + 1  # the reachability probe, the last listing
    examples = hypothesis_settings().max_examples
    generated = sum(HYPOTHESIS_RUNS.values()) * examples
    lines = [
        "dry run: nothing is sent. Planned, in the order a request budget spends it:",
        "  GET {base URL} (is the target reachable?)",
    ]
    spent, marked = 2, False  # the reachability probe, and the request kept back
    for line, cost in plan:
        spent += cost
        if settings.max_requests is not None and spent > settings.max_requests and not marked:
            lines.append(
                f"  --- the budget of {settings.max_requests} ends here: what follows is "
                "not sent (the clean-up is reserved within it) ---"
            )
            marked = True
        lines.append(line)
    lines.append(
        "Hypothesis: "
        + ", ".join(f"{name} (up to {n * examples})" for name, n in HYPOTHESIS_RUNS.items())
    )
    lines.append(last)
    lines.append(
        f"planned: {total} requests, counting a stop for every create, plus up to "
        f"{2 * generated} drawn by Hypothesis (each create with its stop)"
    )
    if settings.max_requests is not None and not marked:
        lines.append(
            f"the budget of {settings.max_requests} ends the run there; clean-up is "
            "reserved within it"
        )
    return lines


def _company(stage: Stage) -> str:
    """What the heading of a stage says of its probes' company (each line says it too)."""
    if stage is not COMPANY_LOOK:
        return ""
    return (
        f", each in company (company={OFF_DEFAULT}: every other parameter of "
        f"{_show(off_default_form())}, the probe's own in its place)"
    )


def _creates(forms: list[Form]) -> list[tuple[str, int]]:
    return [(f"  POST Recordings.json {_show(f)}", CREATE_AND_STOP) for f in forms]


def _probes(specs: list[ProbeSpec]) -> list[tuple[str, int]]:
    out = []
    previous_listed = False
    for p in specs:
        where = f" CallSid={p.call_sid}" if p.call_sid else ""
        where += f" AccountSid={p.account_sid}" if p.account_sid else ""
        line = (
            f"  POST Recordings.json {_show(p.form)}{where} auth={p.auth} "
            f"company={p.company} [{p.clause.id}]"
        )
        listed = (
            " (+ the call's recordings listed before and after, every page)" if p.listed else ""
        )
        # Listed probes in a row share a listing (corpus.RefusalCorpus).
        listings = (1 if previous_listed else 2) if p.listed else 0
        out.append((line + listed, 1 + listings))
        previous_listed = p.listed
    return out


def _show(form: tuple[tuple[str, str], ...]) -> str:
    shown = tuple((k, "{receiver URL}" if v == CALLBACK else v) for k, v in form)
    return urlencode(shown) or "(no parameters)"
