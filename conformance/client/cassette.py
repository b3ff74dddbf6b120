"""Cassettes: a run's HTTP exchanges with the target, recorded by vcrpy, beside what
else the run saw or drew (the status callbacks that reached its receiver, the random
SIDs and receiver URLs it used, the options that shape its requests). A live run can
then be replayed offline, spending nothing, and reaches the same verdicts.

    pytest conformance ... --record-cassette DIR
    pytest conformance --replay-cassette DIR

Replay runs Hypothesis derandomized, as the recording did, so it draws the same
requests in the same order; vcrpy answers each from the cassette, matched on method,
URL and body. The API token is never written: vcrpy writes the Authorization header as the label of
the credential it carried (`[credential: account]`, contract/exchange.py's Auth, so a
differential run, conformance/differential/, sends the same kind of credential), and
whatever the target sent back is masked (and cut to the bound the suite reads).
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import zlib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from conformance.client.receiver import CallbackReceiver, Delivery
from conformance.client.secrets import Scrubber
from conformance.client.wire import DEFAULT_MAX_BODY
from contract.exchange import Auth
from contract.failures import ConfigurationError
from strategies.credentials import NotDerivable, authorization

if TYPE_CHECKING:
    import vcr.request

# Read past the bound before masking, so a secret that straddles it is masked whole.
_MARGIN = 4096

EXCHANGES = "exchanges.yaml"
RECORDED = "recorded-run.json"
FORMAT = 1
# Options that decide what a run sends; a replay takes them from the recording.
SHAPING_OPTIONS = (
    "path_suffix",
    "call_sid",
    "no_call_check",
    "call_to",
    "call_from",
    "call_url",
    "coverage_strength",
    "max_requests",
    "retries",
    "retry_max_wait",
)


@dataclass
class RecordedRun:
    base_url: str
    project_id: str
    options: dict[str, Any]
    unknown_call_sid: str
    other_account_sid: str
    max_examples: int
    callback_url: str
    tokens: list[str] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    probe_requests: int = 1  # the reachability probe's tries, counted like any request
    other_token_known: bool = False  # whether the run tried another account's token
    other_account_call_sid: str = ""  # another account's call, probed as unknown
    # Who was tested, as the recorded run named it: its replay's report names it too.
    implementation: dict[str, Any] = field(default_factory=dict)
    format: int = FORMAT

    def over(self, get: Callable[[str], Any]) -> Callable[[str], Any]:
        """An option reader that answers the shaping options as they were recorded."""
        return lambda name: self.options[name] if name in self.options else get(name)

    def receiver(self) -> CallbackReceiver:
        """A receiver that hands out the recorded URLs and already holds what arrived."""
        delivered = [
            Delivery(
                d["token"],
                d["method"],
                tuple((k, v) for k, v in d["query"]),
                tuple((k, v) for k, v in d["form"]),
                d["content_type"],
                d.get("raw_path", ""),
                d.get("raw_query", ""),
                tuple((k, v) for k, v in d.get("headers", ())),
                d.get("cut", ""),
                d.get("partial", False),
                None if d.get("signatures") is None else tuple(map(tuple, d["signatures"])),
            )
            for d in self.deliveries
        ]
        return CallbackReceiver(self.callback_url, tokens=self.tokens, deliveries=delivered)

    def save(self, directory: Path) -> None:
        (directory / RECORDED).write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, directory: Path) -> RecordedRun:
        path = directory / RECORDED
        if not (directory / EXCHANGES).is_file() or not path.is_file():
            raise ConfigurationError(
                f"--replay-cassette {directory}: no recorded run there "
                f"(want {EXCHANGES} and {RECORDED}, written by --record-cassette)"
            )
        try:
            data = json.loads(path.read_text())
            if data.get("format") != FORMAT:
                raise ValueError(f"format {data.get('format')!r}, this suite reads {FORMAT}")
            return cls(**data)
        except (ValueError, TypeError) as exc:
            raise ConfigurationError(f"--replay-cassette {directory}: {path.name}: {exc}") from None


CREDENTIAL_LABEL = "[credential: {}]"


def credential_labels(user: str, token: str, other_token: str | None) -> dict[str, str]:
    """Each Authorization header the run may send, by value, and the label a cassette
    writes in its place (a label never holds the credential)."""
    labels: dict[str, str] = {}
    for auth in reversed(Auth):  # where two spell the same header, the first one's label
        try:
            value = authorization(auth, user, token, other_token)
        except NotDerivable:
            continue
        if value is not None:
            labels[value] = CREDENTIAL_LABEL.format(auth.value)
    return labels


def credential_of(label: str) -> Auth | None:
    """The credential a cassette's label names (None: not a label)."""
    for auth in Auth:
        if label == CREDENTIAL_LABEL.format(auth.value):
            return auth
    return None


PROJECT_PACKAGES = ("contract", "conformance", "strategies", "emulator", "reports")


def import_project_modules() -> None:
    """Hypothesis also draws constants from the source of every local module loaded, so
    a recording and its replay must have the same modules loaded to draw the same
    requests: load them all, whichever target the run has (the embedded emulator is
    loaded when recording against it, but never when replaying)."""
    for name in PROJECT_PACKAGES:
        package = importlib.import_module(name)
        for module in pkgutil.walk_packages(package.__path__, f"{name}."):
            leaf = module.name.rpartition(".")[2]
            if not leaf.startswith("test_") and leaf not in ("conftest", "__main__"):
                importlib.import_module(module.name)  # pytest imports the tests itself


def _decoded(raw: bytes, encoding: str, limit: int) -> bytes:
    """A gzip or deflate body decoded (at most `limit` bytes), so that it can be masked;
    another encoding is not recorded at all, since it could not be."""
    if not encoding or encoding == "identity":
        return raw
    if encoding in ("gzip", "deflate"):
        wbits = 16 + zlib.MAX_WBITS if encoding == "gzip" else zlib.MAX_WBITS
        try:
            return zlib.decompressobj(wbits).decompress(raw, limit)
        except zlib.error:
            pass
    return f"[{encoding} body not recorded]".encode()


class Cassette:
    """vcrpy, active from `open` to `close`, on the target's requests only (the embedded
    emulator's own callback deliveries pass untouched)."""

    def __init__(
        self,
        directory: Path,
        base_url: str,
        replay: bool,
        scrub: Scrubber | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        labels: dict[str, str] | None = None,
    ) -> None:
        self.directory = directory
        self.replay = replay
        path = directory / EXCHANGES
        if not replay:
            directory.mkdir(parents=True, exist_ok=True)
            path.unlink(missing_ok=True)  # a recording starts empty

        def only_target(request: vcr.request.Request) -> vcr.request.Request | None:
            return request if request.uri.startswith(base_url) else None

        mask = scrub or Scrubber()
        known = labels or {}
        # Imported here, not with the module: vcrpy brings aiohttp and yaml (~0.1 s),
        # and only a run that records or replays a cassette needs it.
        import vcr

        def scrubbed(response: dict[str, Any]) -> dict[str, Any]:
            """What the target sent, decoded, masked and cut to the bound a check reads."""
            headers = {k.lower(): vs for k, vs in response.get("headers", {}).items()}
            body = response.get("body") or {}
            raw = body.get("string", b"")
            raw = raw.encode() if isinstance(raw, str) else raw
            raw = _decoded(raw, headers.pop("content-encoding", [""])[-1], max_body + _MARGIN)
            headers.pop("content-length", None)  # the stored body is decoded and cut
            # Latin-1 maps every byte to one character, and the secrets are ASCII.
            body["string"] = mask(raw[: max_body + _MARGIN].decode("latin-1"))[:max_body].encode(
                "latin-1"
            )
            response["headers"] = {mask(k): [mask(v) for v in vs] for k, vs in headers.items()}
            status = response.get("status") or {}
            if isinstance(status.get("message"), str):
                status["message"] = mask(status["message"])
            return response

        recorder = vcr.VCR(
            record_mode="none" if replay else "all",
            match_on=("method", "uri", "body"),
            # The credential's label (credential_labels), or nothing: never its value.
            filter_headers=[("authorization", lambda key, value, request: known.get(value))],
            before_record_request=only_target,
            before_record_response=scrubbed,
        )
        self._context = recorder.use_cassette(str(path))

    def open(self) -> Cassette:
        self._context.__enter__()
        return self

    def close(self) -> None:
        self._context.__exit__(None, None, None)
