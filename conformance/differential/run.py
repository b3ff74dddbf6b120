"""A differential run: the noise learned from the reference's two recordings, then the
reference's requests sent to the candidate in the reference's order, each with the
candidate's identifiers and receiver in place of the reference's, and everything that
came back (answers, then status callbacks) compared and gathered into the report.

The candidate is sent nothing the reference's run did not send: one request for each
recorded exchange, its credential of the same kind (the cassette's label), under a budget
of what the reference's run sent in all (its probe included). As in a contract run, each
create keeps back from the budget the request that will stop what it starts (a call's
end, a recording's stop), and what the candidate started is told to a `Tracker` (the
harness of conformance/run/calls.py), whose clean-up stops what the run left running: a
budget, -x or Ctrl-C can end the run between a create and its stop."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Protocol

from conformance.client.cassette import RecordedRun
from conformance.client.receiver import CallbackReceiver, Delivery
from conformance.client.target import TargetClient
from conformance.client.wire import interrupt_deferred
from conformance.differential.accepted import AcceptedDifferences
from conformance.differential.compare import (
    CALLBACK_KIND,
    Comparator,
    FieldResult,
    Mapping,
    arrivals,
    order_across,
)
from conformance.differential.reference import Answer, Recorded, Reference, kind_of
from contract.exchange import Auth, Exchange, SentRequest, is_success
from contract.failures import Inconclusive
from contract.terms import STOP_STATUS
from reports.differential import (
    ACCEPTED,
    AGREE,
    DIFFER,
    Difference,
    DifferentialReport,
    Tally,
)


@dataclass(frozen=True)
class Side:
    """What one run used in place of another's: its base URL, receiver URL, account,
    the calls it was given, the SIDs it drew, the receiver tokens it handed out."""

    base_url: str
    callback_url: str
    account_sid: str
    calls: tuple[str, ...] = ()
    unknown_call_sid: str = ""
    other_account_sid: str = ""
    other_account_call_sid: str = ""
    tokens: tuple[str, ...] = ()

    @classmethod
    def of(cls, run: RecordedRun) -> Side:
        return cls(
            run.base_url,
            run.callback_url,
            run.project_id,
            tuple(run.options.get("call_sid") or ()),
            run.unknown_call_sid,
            run.other_account_sid,
            run.other_account_call_sid,
            tuple(run.tokens),
        )


def mapping_between(ref: Side, other: Side) -> Mapping:
    pairs = [
        (ref.base_url, other.base_url),
        (ref.callback_url, other.callback_url),
        (ref.account_sid, other.account_sid),
        (ref.unknown_call_sid, other.unknown_call_sid),
        (ref.other_account_sid, other.other_account_sid),
        (ref.other_account_call_sid, other.other_account_call_sid),
        *zip(ref.calls, other.calls, strict=False),
        *zip(ref.tokens, other.tokens, strict=False),
    ]
    return Mapping((a, b) for a, b in pairs if a and b and a != b)


def _by_token(deliveries: Iterable[Delivery]) -> dict[str, list[Delivery]]:
    found: dict[str, list[Delivery]] = defaultdict(list)
    for d in deliveries:
        found[d.token].append(d)
    return found


def _unlabelled(status: int) -> Auth:
    """The credential of a request an older cassette does not name: the account's, but
    a wrong token where the reference refused the credentials (sent with the account's,
    such a probe would start a recording the reference never started)."""
    return Auth.WRONG_TOKEN if status in (401, 403) else Auth.ACCOUNT


def learn_noise(first: Reference, second: Reference) -> frozenset[tuple[str, str]]:
    """The (place, field) pairs in which two recordings of the reference disagree."""
    comparator = Comparator(mapping_between(Side.of(first.run), Side.of(second.run)))
    noisy: set[tuple[str, str]] = set()
    for i, (a, b) in enumerate(zip(first.exchanges, second.exchanges, strict=True)):
        place = f"exchange {i}"
        noisy |= {
            (place, r.field)
            for r in comparator.answer(place, a.answer, b.answer)
            if r.outcome != AGREE
        }
    ours = _by_token(first.run.receiver().received)
    theirs = _by_token(second.run.receiver().received)
    for j, token in enumerate(first.run.tokens):
        other = second.run.tokens[j] if j < len(second.run.tokens) else ""
        place = f"callback {j}"
        found = comparator.callbacks(place, ours.get(token, []), theirs.get(other, []))
        noisy |= {(place, r.field) for r in found if r.outcome != AGREE}
    return frozenset(noisy)


class Tracker(Protocol):
    """Who cleans up what the candidate started (conformance/run/calls.py's Harness)."""

    def adopt_recording(self, sid: str, call: str) -> None: ...
    def recording_stopped(self, sid: str) -> None: ...
    def adopt_call(self, sid: str) -> None: ...
    def call_ended(self, sid: str) -> None: ...


class Role(Enum):
    """What a request does to the candidate's calls and recordings."""

    OTHER = "other"
    CREATE_RECORDING = "create a recording"
    STOP_RECORDING = "stop a recording"
    CREATE_CALL = "create a call"
    END_CALL = "end a call"


CALL_ENDED = "completed"  # the status a call's end sends (TargetClient.end_call)


def role_of(
    method: str, url: str, base_url: str, form: Iterable[tuple[str, str]]
) -> tuple[Role, str, str]:
    """The request's role, the call it names and the recording it names ("" if none)."""
    if method != "POST" or not url.startswith(base_url):
        return Role.OTHER, "", ""
    path = url[len(base_url) :].partition("?")[0]
    segments = path.strip("/").split("/")
    status = dict(form).get("Status")
    if segments[:1] != ["Accounts"] or len(segments) < 3:
        return Role.OTHER, "", ""
    rest = segments[2:]
    if rest == ["Calls.json"]:
        return Role.CREATE_CALL, "", ""
    if len(rest) == 2 and rest[0] == "Calls" and status == CALL_ENDED:
        return Role.END_CALL, rest[1].removesuffix(".json"), ""
    if len(rest) == 3 and rest[0] == "Calls" and rest[2] == "Recordings.json":
        return Role.CREATE_RECORDING, rest[1], ""
    if len(rest) == 4 and rest[0] == "Calls" and rest[2] == "Recordings" and status == STOP_STATUS:
        return Role.STOP_RECORDING, rest[1], rest[3].removesuffix(".json")
    return Role.OTHER, "", ""


class _Started:
    """The candidate's calls and recordings the run started and has not yet ended, each
    holding a request of the budget in reserve for its end (as the harness's own do)."""

    def __init__(self, client: TargetClient, tracker: Tracker | None) -> None:
        self.client = client
        self.tracker = tracker
        self.recordings: dict[str, str] = {}
        self.calls: set[str] = set()

    def send(self, request: SentRequest, base_url: str) -> Exchange:
        role, call, sid = role_of(request.method, request.url, base_url, request.form)
        reserves = role in (Role.CREATE_RECORDING, Role.CREATE_CALL)
        # A stop or an end of what this run started spends the request kept for it.
        ends = (role is Role.STOP_RECORDING and sid in self.recordings) or (
            role is Role.END_CALL and call in self.calls
        )
        if reserves:
            self.client.budget.reserve()  # BudgetExhausted: not sent
        with interrupt_deferred():  # a Ctrl-C waits for the answer, booked below
            try:
                exchange = self.client.send(
                    request.method, request.url, request.form, request.auth, cleanup=ends
                )
            except Inconclusive:
                if reserves:
                    self.client.budget.release()
                raise
            self._book(role, call, sid, exchange, reserves)
        return exchange

    def _book(self, role: Role, call: str, sid: str, exchange: Exchange, reserved: bool) -> None:
        named = exchange.body.get("sid")
        started = is_success(exchange) and isinstance(named, str) and bool(named.strip())
        if role is Role.CREATE_RECORDING and started:
            self.recordings[str(named)] = call
            if self.tracker:
                self.tracker.adopt_recording(str(named), call)
        elif role is Role.CREATE_CALL and started:
            self.calls.add(str(named))
            if self.tracker:
                self.tracker.adopt_call(str(named))
        elif reserved:
            self.client.budget.release()
        if role is Role.STOP_RECORDING and is_success(exchange) and sid in self.recordings:
            del self.recordings[sid]
            if self.tracker:
                self.tracker.recording_stopped(sid)
        if role is Role.END_CALL and is_success(exchange) and call in self.calls:
            self.calls.discard(call)
            if self.tracker:
                self.tracker.call_ended(call)


_ITEM = re.compile(r"\[\d+\]")


@dataclass
class _Gathered:
    by_kind: dict[str, Tally] = field(default_factory=dict)
    differences: dict[tuple[str, str], Difference] = field(default_factory=dict)
    unaccepted: int = 0  # fields that differ, not accepted

    def add(
        self,
        kind: str,
        index: int,
        results: list[FieldResult],
        curl: str,
        accepted: AcceptedDifferences | None,
    ) -> None:
        tally = self.by_kind.setdefault(kind, Tally())
        for r in results:
            reason = accepted.reason(kind, r.field) if accepted and r.outcome == DIFFER else None
            tally.add(ACCEPTED if reason else r.outcome)
            self.unaccepted += r.outcome == DIFFER and not reason
            if r.outcome != DIFFER:
                continue
            name = _ITEM.sub("[*]", r.field)  # every item of a listing alike
            key = (kind, name)
            if key in self.differences:
                self.differences[key].count += 1
            else:
                self.differences[key] = Difference(
                    kind, name, r.reference, r.other, 1, index, curl, reason
                )


def _compare_callbacks(
    primary: Reference,
    second: Reference | None,
    receiver: CallbackReceiver,
    comparator: Comparator,
    gathered: _Gathered,
    curl_of_token: dict[str, tuple[int, str]],
    sent: set[int],
    wait: Callable[[CallbackReceiver, dict[str, int]], None],
    accepted: AcceptedDifferences | None,
) -> None:
    """The callbacks the reference received, for the requests that were sent alone."""
    asked = {t for t, (i, _) in curl_of_token.items() if i in sent}
    expected = Counter(d.token for d in primary.run.receiver().received if d.token in asked)
    wait(receiver, dict(expected))
    ours, theirs = _by_token(primary.run.receiver().received), _by_token(receiver.received)
    for j, token in enumerate(primary.run.tokens):
        if not ours.get(token) and not theirs.get(token):
            continue  # none came to either: nothing to compare
        if token not in curl_of_token or curl_of_token[token][0] not in sent:
            continue  # its request was not sent (not compared, said above)
        index, curl = curl_of_token[token]
        found = comparator.callbacks(f"callback {j}", ours.get(token, []), theirs.get(token, []))
        gathered.add(CALLBACK_KIND, index, found, curl, accepted)
    # Across callback URLs: the order of the deliveries of the requests sent.
    tokens = [t if t in asked else "" for t in primary.run.tokens]
    ref = arrivals(primary.run.receiver().received, tokens)
    again = None
    if second is not None:
        theirs_sent = [
            t if j < len(tokens) and tokens[j] else "" for j, t in enumerate(second.run.tokens)
        ]
        again = arrivals(second.run.receiver().received, theirs_sent)
    for (j, _), result in order_across(ref, again, arrivals(receiver.received, tokens)):
        index, curl = curl_of_token[primary.run.tokens[j]]
        gathered.add(CALLBACK_KIND, index, [result], curl, accepted)


INTERRUPTED = "interrupted (Ctrl-C)"


def run_differential(
    references: list[Reference],
    client: TargetClient,
    receiver: CallbackReceiver,
    candidate: Side,
    wait: Callable[[CallbackReceiver, dict[str, int]], None],
    accepted: AcceptedDifferences | None = None,
    tracker: Tracker | None = None,
    maxfail: int = 0,
) -> DifferentialReport:
    """Sends the first reference's requests to the candidate (`client`, whose budget is
    already set), its callbacks to `receiver` (started, every reference token issued),
    and compares; `wait` waits for the callbacks the reference received. What the
    candidate starts is told to `tracker`, whose clean-up (the caller's) stops it.
    `maxfail` (pytest's -x, --maxfail N; 0: never) stops sending once that many
    exchanges differ; Ctrl-C stops it too (the report's `stopped_by` says which), and
    no status callback is then compared."""
    primary = references[0]
    noisy = learn_noise(primary, references[1]) if len(references) > 1 else frozenset()
    mapping = mapping_between(Side.of(primary.run), candidate)
    comparator = Comparator(mapping, noisy)
    gathered, not_compared = _Gathered(), []
    curl_of_token: dict[str, tuple[int, str]] = {}
    sent: set[int] = set()
    started = _Started(client, tracker)
    stopped_by: str | None = None
    differing, count = 0, len(primary.exchanges)

    def _exchange(i: int, rec: Recorded) -> bool:
        """Send exchange `i` and compare its answer; whether a field differs (not accepted)."""
        kind = kind_of(rec.method, rec.url, primary.run.base_url, rec.answer.status)
        form = tuple((name, mapping.apply(value)) for name, value in rec.form)
        auth = rec.auth or _unlabelled(rec.answer.status)
        request = SentRequest(rec.method, mapping.apply(rec.url), form, auth)
        curl = client.scrub(request.as_curl())
        for token in primary.run.tokens:
            if any(token in value for _, value in rec.form):
                curl_of_token.setdefault(token, (i, curl))
        try:
            exchange = started.send(request, candidate.base_url)
        except Inconclusive as exc:
            not_compared.append(f"exchange {i} ({kind}): {exc}")
            return False
        sent.add(i)
        got = exchange.response
        answer = Answer(got.status, got.content_type, got.text)
        before = gathered.unaccepted
        results = comparator.answer(f"exchange {i}", rec.answer, answer)
        gathered.add(kind, i, results, curl, accepted)
        return gathered.unaccepted > before

    at = 0  # the exchange in hand
    try:
        for at, rec in enumerate(primary.exchanges):
            if stopped_by is not None:
                left = f"exchanges {at} to {count - 1} ({count - at})"
                not_compared.append(f"{left}: not sent, {stopped_by}")
                break
            if _exchange(at, rec):
                differing += 1
            if maxfail and differing >= maxfail and stopped_by is None:
                stopped_by = f"-x/--maxfail {maxfail}: exchange {at} was the last sent"
    except KeyboardInterrupt:  # the exchange in hand is not compared, nor any after it
        stopped_by = INTERRUPTED
        sent.discard(at)
        not_compared.append(f"exchanges {at} to {count - 1} ({count - at}): {INTERRUPTED}")
    if stopped_by == INTERRUPTED:
        not_compared.append(f"status callbacks: {INTERRUPTED}")
    else:
        try:
            _compare_callbacks(
                primary,
                references[1] if len(references) > 1 else None,
                receiver,
                comparator,
                gathered,
                curl_of_token,
                sent,
                wait,
                accepted,
            )
        except KeyboardInterrupt:
            stopped_by = INTERRUPTED
            not_compared.append(f"status callbacks: {INTERRUPTED}")
    total = sum(1 for _ in noisy)
    noise = [
        "identifiers the runs made (SIDs, the base and receiver URLs) mapped: a field agrees "
        f"when it holds the candidate's own in the reference's place ({len(mapping.sids)} "
        "SIDs mapped)",
        "times and identifiers no request named (SIDs first seen, RFC 2822 dates, durations) "
        "compared by shape: the same JSON type, each SID, date and URL in the same place",
        (
            f"learned from two recordings of the reference: {total} fields differed between "
            "them, compared by shape"
            if len(references) > 1
            else "one recording of the reference: nothing learned beyond identifiers and times"
        ),
    ]
    if not primary.labelled:
        noise.append(
            "the reference's cassette names no request's credential (recorded before labels): "
            "each request was sent with the account's, a wrong token where the reference answered "
            "401 or 403"
        )
    return DifferentialReport(
        references=[str(r.directory) for r in references],
        candidate=client.target.base_url,
        reference_requests=primary.requests,
        candidate_requests=client.budget.spent,
        exchanges=len(primary.exchanges),
        compared=len(sent),
        not_compared=not_compared,
        by_kind=gathered.by_kind,
        differences=list(gathered.differences.values()),
        noise=noise,
        accepted_file=accepted.path if accepted else None,
        stopped_by=stopped_by,
    )
