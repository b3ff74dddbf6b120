"""Comparing two answers to the same request, and two runs' status callbacks, field by
field, across the identifiers each run made for itself.

Identifiers are mapped, not ignored: the reference's account, calls, recordings, base
URL and receiver URL each stand for one of the other run's (seeded from what both runs
were given, learned from their answers: a SID first seen in an answer is mapped to the
SID in the same place of the other's). A field agrees when the other run's value is the
reference's with every identifier mapped, so a call_sid that echoes another call, or a
sid reused, is a difference, not noise.

A field that does not agree is noise when it is known to vary: it differed between the
two reference recordings (learned), or its reference value holds an identifier or time
the run made (a SID, an RFC 2822 date, a URL of the run, a duration). Noise is compared
by shape: the same JSON type, and each SID, date and URL of the run in the same place
(contract/rfc2822.py reads the dates, contract/terms.py's UUID the SIDs); a field whose
shape changed differs."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from conformance.client.receiver import Delivery
from conformance.differential.reference import Answer
from contract.rfc2822 import date_time_problem
from contract.terms import CALLBACK_FIELDS, RESPONSE_FIELD, UUID
from reports.differential import AGREE, DIFFER, NOISE

ABSENT = "<absent>"
# Fields that hold how long something took: a time the run made, like a date.
DURATIONS = frozenset(
    {RESPONSE_FIELD["duration"].name}
    | {name for name, mirrored in CALLBACK_FIELDS.items() if mirrored == "duration"}
)
CALLBACK_KIND = "status callback"
EVENT_FIELD = next(name for name, mirrored in CALLBACK_FIELDS.items() if mirrored == "status")


class Mapping:
    """The reference's identifiers and URLs, each to the other run's. SIDs are matched
    by shape (UUID) wherever they stand in a text; URLs and tokens by their spelling."""

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()) -> None:
        self.sids: dict[str, str] = {}
        self._back: dict[str, str] = {}
        self.texts: dict[str, str] = {}  # URLs and receiver tokens, longest first
        for ref, other in pairs:
            self.seed(ref, other)

    def seed(self, ref: str, other: str) -> None:
        if not ref:
            return
        if UUID.fullmatch(ref):
            self.sids.setdefault(ref.lower(), other)
            self._back.setdefault(other.lower(), ref.lower())
        else:
            self.texts[ref] = other
            self.texts = dict(sorted(self.texts.items(), key=lambda kv: -len(kv[0])))

    def apply(self, text: str) -> str:
        for ref, other in self.texts.items():
            if ref in text:
                text = text.replace(ref, other)
        return UUID.sub(lambda m: self.sids.get(m.group(0).lower(), m.group(0)), text)

    def learn(self, ref: Any, other: Any) -> bool:
        """Map a SID first seen in an answer to the other run's in its place; False when
        the other's is already another SID's (a SID reused), or either is no SID."""
        if not (isinstance(ref, str) and isinstance(other, str)):
            return False
        if not (UUID.fullmatch(ref) and UUID.fullmatch(other)):
            return False
        known = self.sids.get(ref.lower())
        if known is not None:
            return known.lower() == other.lower()
        if self._back.get(other.lower(), ref.lower()) != ref.lower():
            return False
        self.sids[ref.lower()] = other
        self._back[other.lower()] = ref.lower()
        return True


DATE = "<RFC 2822 date>"
SID = "{sid}"


def run_made(name: str, value: Any, mapping: Mapping) -> bool:
    """Whether the reference's value holds an identifier or time its run made."""
    if name.rsplit(".", 1)[-1].split(" ")[-1] in DURATIONS:
        return True
    if not isinstance(value, str):
        return False
    return (
        date_time_problem(value) is None
        or UUID.search(value) is not None
        or any(ref in value for ref in mapping.texts)
    )


def shape(value: Any, mapping: Mapping | None = None) -> str:
    """The JSON type, and for a string each date, SID and URL of the run by its place."""
    kind = json_type(value)
    if not isinstance(value, str):
        return kind
    if date_time_problem(value) is None:
        return DATE
    text = value
    for ref, other in (mapping.texts if mapping else {}).items():
        text = text.replace(other, "{" + ("url" if "/" in ref else "token") + "}")
    if UUID.search(text) or text != value:
        return UUID.sub(SID, text)
    return kind


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def shown(value: Any) -> str:
    """A value as a report shows it: JSON, or <absent>."""
    if value is _MISSING:
        return ABSENT
    return json.dumps(value, ensure_ascii=False)


_MISSING: Any = object()


@dataclass(frozen=True)
class FieldResult:
    field: str
    outcome: str  # AGREE, DIFFER or NOISE
    reference: str
    other: str


def flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Every leaf of a JSON document by its path: `subresource_uris.transcriptions`,
    `recordings[0].sid`; an empty object or array is a leaf."""
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield from flatten(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list) and value:
        for i, item in enumerate(value):
            yield from flatten(item, f"{prefix}[{i}]")
    else:
        yield prefix or "body", value


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return _MISSING


class Comparator:
    """Compares another run's answers and callbacks with the reference's, in the
    reference's order, learning SIDs as it goes. `noisy` holds the (place, field) pairs
    that varied between two recordings of the reference (learned by comparing those two
    with a Comparator of its own, conformance/differential/run.py)."""

    def __init__(self, mapping: Mapping, noisy: frozenset[tuple[str, str]] = frozenset()) -> None:
        self.mapping = mapping
        self.noisy = noisy

    def _field(self, place: str, name: str, ref: Any, other: Any) -> FieldResult:
        m = self.mapping
        if ref is _MISSING or other is _MISSING:
            outcome = AGREE if ref is other else DIFFER
            return FieldResult(name, outcome, shown(ref), shown(other))
        learned = m.learn(ref, other) if isinstance(ref, str) and UUID.fullmatch(ref) else None
        expected = m.apply(ref) if isinstance(ref, str) else ref
        if learned is False and UUID.fullmatch(str(ref)):
            outcome = DIFFER  # not a SID, or another one's: a SID reused
        elif json_type(expected) == json_type(other) and expected == other:
            outcome = AGREE
        elif (place, name) in self.noisy or run_made(name, ref, m):
            same = json_type(ref) == json_type(other) and shape(expected, m) == shape(other, m)
            outcome = NOISE if same else DIFFER
        else:
            outcome = DIFFER
        return FieldResult(name, outcome, shown(ref), shown(other))

    def answer(self, place: str, ref: Answer, other: Answer) -> list[FieldResult]:
        """The status, the content type, and every field of the body (an error's code,
        message, more_info and status among them): value and JSON type."""
        results = [
            self._field(place, "status", ref.status, other.status),
            self._field(place, "content-type", ref.content_type, other.content_type),
        ]
        a, b = _json(ref.text), _json(other.text)
        if a is _MISSING or b is _MISSING:  # not JSON: the body as one text
            if a is not _MISSING:
                ref_fields = dict(flatten(a))
                return [*results, *self._fields(place, ref_fields, {"body": other.text})]
            return [*results, self._field(place, "body", ref.text, other.text)]
        return [*results, *self._fields(place, dict(flatten(a)), dict(flatten(b)))]

    def _fields(self, place: str, ref: dict[str, Any], other: dict[str, Any]) -> list[FieldResult]:
        names = list(ref) + [n for n in other if n not in ref]
        return [self._field(place, n, ref.get(n, _MISSING), other.get(n, _MISSING)) for n in names]

    def callbacks(
        self, place: str, ref: list[Delivery], other: list[Delivery]
    ) -> list[FieldResult]:
        """One callback URL's deliveries: how many, the events in order of arrival, and
        each one's method, URL shape (path, and the query's names), content type and
        parameters (value and order)."""
        results = [
            self._field(place, "deliveries", len(ref), len(other)),
            self._field(
                place,
                "events in order of arrival",
                " → ".join(d.payload.get(EVENT_FIELD, "?") for d in ref),
                " → ".join(d.payload.get(EVENT_FIELD, "?") for d in other),
            ),
        ]
        for i, (a, b) in enumerate(zip(ref, other, strict=False), start=1):
            results += [
                self._field(place, f"#{i} method", a.method, b.method),
                self._field(place, f"#{i} URL path", a.raw_path, b.raw_path),
                self._field(place, f"#{i} content type", a.content_type, b.content_type),
                self._field(
                    place,
                    f"#{i} parameter order",
                    [n for n, _ in a.query + a.form],
                    [n for n, _ in b.query + b.form],
                ),
            ]
            pa, pb = a.payload, b.payload
            results += [
                self._field(place, f"#{i} {n}", pa.get(n, _MISSING), pb.get(n, _MISSING))
                for n in list(pa) + [n for n in pb if n not in pa]
            ]
        return results


ACROSS_FIELD = "order across URLs"
# A delivery by its place: its callback URL's index in the run's order, and its number
# among that URL's deliveries (from 1).
Label = tuple[int, int]


def arrivals(deliveries: Iterable[Delivery], tokens: list[str]) -> list[tuple[Label, str]]:
    """Each delivery to one of `tokens`, in order of arrival: its label and its event."""
    index = {t: j for j, t in enumerate(tokens)}
    seen: dict[int, int] = {}
    out = []
    for d in deliveries:
        j = index.get(d.token)
        if j is None:
            continue
        seen[j] = seen.get(j, 0) + 1
        out.append(((j, seen[j]), d.payload.get(EVENT_FIELD, "?")))
    return out


def order_across(
    ref: list[tuple[Label, str]],
    second: list[tuple[Label, str]] | None,
    other: list[tuple[Label, str]],
) -> list[tuple[Label, FieldResult]]:
    """The order of arrival across callback URLs: for each two deliveries to different
    URLs that arrived one right after the other at the reference, whether the other run's
    came in that order too (each with the label of the later one). Held to where the
    reference's second recording shows the same order (stable); where it does not, or
    with one recording (stability unknown: interleaving is timing), it is noise. A
    delivery the other run lacks is not ordered (its URL's `deliveries` says so)."""
    second_at = {label: n for n, (label, _) in enumerate(second or [])}
    other_at = {label: n for n, (label, _) in enumerate(other)}
    results = []
    for (a, event_a), (b, event_b) in pairwise(ref):
        if a[0] == b[0] or a not in other_at or b not in other_at:
            continue
        first = f"callback {a[0]} #{a[1]} {event_a}"
        then = f"callback {b[0]} #{b[1]} {event_b}"
        in_order = json.dumps(f"{first}, then {then}")
        held = other_at[a] < other_at[b]
        stable = a in second_at and b in second_at and second_at[a] < second_at[b]
        outcome = (AGREE if held else DIFFER) if stable else NOISE
        shown_other = in_order if held else json.dumps(f"{then}, then {first}")
        results.append((b, FieldResult(ACROSS_FIELD, outcome, in_order, shown_other)))
    return results
