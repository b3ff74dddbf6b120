"""A differential run: the noise learned from the reference's two recordings, then the
reference's requests sent to the candidate in the reference's order, each with the
candidate's identifiers and receiver in place of the reference's, and everything that
came back (answers, then status callbacks) compared and gathered into the report.

The candidate is sent nothing the reference's run did not send: one request for each
recorded exchange, its credential of the same kind (the cassette's label), under a budget
of what the reference's run sent in all (its probe included)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from conformance.client.cassette import RecordedRun
from conformance.client.receiver import CallbackReceiver, Delivery
from conformance.client.target import TargetClient
from conformance.differential.accepted import AcceptedDifferences
from conformance.differential.compare import (
    CALLBACK_KIND,
    Comparator,
    FieldResult,
    Mapping,
)
from conformance.differential.reference import Answer, Reference, kind_of
from contract.exchange import Auth, SentRequest
from contract.failures import Inconclusive
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


_ITEM = re.compile(r"\[\d+\]")


@dataclass
class _Gathered:
    by_kind: dict[str, Tally] = field(default_factory=dict)
    differences: dict[tuple[str, str], Difference] = field(default_factory=dict)

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


def run_differential(
    references: list[Reference],
    client: TargetClient,
    receiver: CallbackReceiver,
    candidate: Side,
    wait: Callable[[CallbackReceiver, dict[str, int]], None],
    accepted: AcceptedDifferences | None = None,
) -> DifferentialReport:
    """Sends the first reference's requests to the candidate (`client`, whose budget is
    already set), its callbacks to `receiver` (started, every reference token issued),
    and compares; `wait` waits for the callbacks the reference received."""
    primary = references[0]
    noisy = learn_noise(primary, references[1]) if len(references) > 1 else frozenset()
    mapping = mapping_between(Side.of(primary.run), candidate)
    comparator = Comparator(mapping, noisy)
    gathered, not_compared = _Gathered(), []
    curl_of_token: dict[str, tuple[int, str]] = {}
    sent: set[int] = set()
    for i, rec in enumerate(primary.exchanges):
        kind = kind_of(rec.method, rec.url, primary.run.base_url, rec.answer.status)
        form = tuple((name, mapping.apply(value)) for name, value in rec.form)
        auth = rec.auth or _unlabelled(rec.answer.status)
        request = SentRequest(rec.method, mapping.apply(rec.url), form, auth)
        curl = client.scrub(request.as_curl())
        for token in primary.run.tokens:
            if any(token in value for _, value in rec.form):
                curl_of_token.setdefault(token, (i, curl))
        try:
            exchange = client.send(request.method, request.url, request.form, request.auth)
        except Inconclusive as exc:
            not_compared.append(f"exchange {i} ({kind}): {exc}")
            continue
        sent.add(i)
        got = exchange.response
        answer = Answer(got.status, got.content_type, got.text)
        gathered.add(
            kind, i, comparator.answer(f"exchange {i}", rec.answer, answer), curl, accepted
        )
    # The callbacks the reference received, for the requests that were sent alone.
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
        compared=len(primary.exchanges) - len(not_compared),
        not_compared=not_compared,
        by_kind=gathered.by_kind,
        differences=list(gathered.differences.values()),
        noise=noise,
        accepted_file=accepted.path if accepted else None,
    )
