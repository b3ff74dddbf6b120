"""A reference: one recorded run (conformance/client/cassette.py), read as the list of its
exchanges in the order they were sent, each with the credential it carried (by label)
and what came back; and the kind of exchange each one is, as reports group them."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from conformance.client.cassette import EXCHANGES, RecordedRun, credential_of
from contract.exchange import Auth
from contract.failures import ConfigurationError

OPTION = "--differential"


@dataclass(frozen=True)
class Answer:
    """What came back, as compare.py reads it (a reference's or the candidate's)."""

    status: int
    content_type: str
    text: str


@dataclass(frozen=True)
class Recorded:
    method: str
    url: str
    form: tuple[tuple[str, str], ...]
    auth: Auth | None  # None: the cassette names no credential (recorded before labels)
    answer: Answer


@dataclass(frozen=True)
class Reference:
    directory: Path
    run: RecordedRun
    exchanges: tuple[Recorded, ...]

    @property
    def labelled(self) -> bool:
        """Whether the cassette names each request's credential (newer cassettes do)."""
        return any(e.auth is not None for e in self.exchanges)

    @property
    def requests(self) -> int:
        """What the recorded run sent: its probe, then every exchange."""
        return self.run.probe_requests + len(self.exchanges)


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return "" if value is None else str(value)


def _header(headers: dict[str, Any], name: str) -> str:
    for key, values in (headers or {}).items():
        if key.lower() == name:
            return _text(values[-1] if isinstance(values, list) and values else values)
    return ""


def load_reference(directory: Path) -> Reference:
    """Raises ConfigurationError, one line, for a directory that holds no recording."""
    try:
        run = RecordedRun.load(directory)
    except ConfigurationError as exc:
        raise ConfigurationError(str(exc).replace("--replay-cassette", OPTION, 1)) from None
    # vcrpy's own reader (imported here: it brings yaml, which only such a run needs).
    from vcr.serializers import yamlserializer

    try:
        data = yamlserializer.deserialize((directory / EXCHANGES).read_text())
        exchanges = tuple(_recorded(i) for i in data["interactions"])
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ConfigurationError(f"{OPTION} {directory}: {EXCHANGES}: {exc}") from None
    if not exchanges:
        raise ConfigurationError(f"{OPTION} {directory}: {EXCHANGES} holds no exchange")
    return Reference(directory, run, exchanges)


def _recorded(interaction: dict[str, Any]) -> Recorded:
    request, response = interaction["request"], interaction["response"]
    labels = [
        _text(v)
        for k, vs in (request.get("headers") or {}).items()
        if k.lower() == "authorization"
        for v in vs
    ]
    auth = credential_of(labels[-1]) if labels else None
    body = _text(request.get("body"))
    return Recorded(
        request["method"],
        request["uri"],
        tuple(parse_qsl(body, keep_blank_values=True)),
        auth,
        Answer(
            int(response["status"]["code"]),
            _header(response.get("headers"), "content-type"),
            _text((response.get("body") or {}).get("string")),
        ),
    )


def same_plan(first: Reference, second: Reference) -> None:
    """Two references must be two recordings of one plan: the same requests in the same
    order (the same options and seed), or their differences are not noise."""
    a, b = first.exchanges, second.exchanges
    if len(a) != len(b):
        raise ConfigurationError(
            f"{OPTION} {first.directory} and {second.directory} are not two recordings of one "
            f"plan ({len(a)} and {len(b)} exchanges): record both with the same options and "
            "--hypothesis-seed"
        )
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        kx = (x.method, kind_of(x.method, x.url, first.run.base_url, x.answer.status))
        ky = (y.method, kind_of(y.method, y.url, second.run.base_url, y.answer.status))
        if kx[1].rsplit(" → ", 1)[0] != ky[1].rsplit(" → ", 1)[0] or [n for n, _ in x.form] != [
            n for n, _ in y.form
        ]:
            raise ConfigurationError(
                f"{OPTION} {first.directory} and {second.directory} are not two recordings of "
                f"one plan: exchange {i} is {kx[1]} in one, {ky[1]} in the other"
            )


# The path segment after each of these names a resource of the run: its SID's place.
_PLACES = {"Accounts": "{AccountSid}", "Calls": "{CallSid}", "Recordings": "{RecordingSid}"}


def kind_of(method: str, url: str, base_url: str, status: int) -> str:
    """`POST /Accounts/{AccountSid}/Calls/{CallSid}/Recordings.json → 400`: the method,
    the path below the base URL with each SID by its place, the query's names, and the
    reference's status."""
    path = url[len(base_url) :] if url.startswith(base_url) else urlsplit(url).path
    path, _, query = path.partition("?")
    segments = path.split("/")
    for i in range(1, len(segments)):
        place = _PLACES.get(segments[i - 1])
        if place and segments[i]:
            _stem, dot, suffix = segments[i].partition(".")
            segments[i] = place + (dot + suffix if suffix == "json" else "")
    names = "&".join(f"{n}=…" for n, _ in parse_qsl(query, keep_blank_values=True))
    return f"{method} {'/'.join(segments)}{'?' + names if names else ''} → {status}"
