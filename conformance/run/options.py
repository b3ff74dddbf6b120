"""Turning the command line into a target: validate every option, start the embedded
emulator when no --base-url is given, and make sure the target answers, all before
any check runs."""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from conformance.client.budget import Budget, BudgetExhausted
from conformance.client.cassette import RecordedRun
from conformance.client.proxies import ChosenProxy, excerpt, proxy_for
from conformance.client.secrets import Scrubber
from conformance.client.target import (
    LOOPBACK_HOSTS,
    CallPlan,
    Credentials,
    RetryPolicy,
    Target,
    credentials_from,
    parse_base_url,
    signing_key_from,
)
from conformance.client.wire import (
    DEFAULT_MAX_BODY,
    NoAnswer,
    UntrustedCertificate,
    Wire,
    tls_context,
)
from conformance.run.implementation import Implementation, implementation_from
from contract.expectations import Expectations, load_expectations
from contract.failures import ConfigurationError
from contract.terms import CLAUSE, SIGNATURE

if TYPE_CHECKING:
    from emulator import RunningEmulator

# Reads an option by its dest (pytest's config.getoption): its value as the parser made it.
Option = Callable[[str], Any]

# Every pair of values, and every triple of the parameters that shape a recording
# (strategies/covering.py): 47 rows. Strength 3, every triple of all, is 119. Under a
# budget too: the plan goes out in the order that exposes the most soonest (a first
# look, then the richest rows), so a budget that ends it midway has sent more than a
# weaker plan sent whole (measured: benchmarks/speed.py, docs/benchmarks.md "Speed").
DEFAULT_STRENGTH = 2
NO_SIGNING_KEY = (
    "no signing key was given (--signing-key or SIGNALWIRE_SIGNING_KEY): the callbacks' "
    "signatures cannot be computed without the project's key, which only the user has"
)


@dataclass(frozen=True)
class RunSettings:
    callback_host: str = "127.0.0.1"
    callback_port: int = 0
    callback_url: str | None = None
    callback_timeout: float = 10.0
    callback_grace: float = 0.3
    coverage_strength: int = DEFAULT_STRENGTH
    other_account_sid: str = ""
    # A call in progress on another account: this account must know it no more than a
    # call that does not exist (the embedded emulator makes one on its second account).
    other_account_call_sid: str = ""
    # A fresh uuid4 names no existing call (122 random bits).
    unknown_call_sid: str = field(default_factory=lambda: str(uuid.uuid4()))
    max_requests: int | None = None
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    max_response_bytes: int = DEFAULT_MAX_BODY
    call_wait: float = 30.0  # seconds the suite's call may take to be in-progress


@dataclass
class SuiteSession:
    target: Target
    settings: RunSettings
    emulator: RunningEmulator | None = None  # when embedded
    replayed: RecordedRun | None = None  # the recorded run a replay plays back
    implementation: Implementation = field(default_factory=Implementation)
    proxy: ChosenProxy | None = None  # the proxy the run goes through, said in its first lines
    expectations: Expectations | None = None
    # One budget for the whole run: the reachability probe counts, like every request.
    budget: Budget = field(default_factory=Budget)
    probe_requests: int = 0  # the reachability probe's tries

    @property
    def scrubber(self) -> Scrubber:
        return self.target.scrubber()

    @property
    def signatures(self) -> str:
        """Whether the run judges the callbacks' signatures, in a line."""
        if self.target.credentials.signing_key:
            return f"callback signatures ({SIGNATURE.id}): judged, with the signing key given"
        return f"callback signatures ({SIGNATURE.id}): not tested: {NO_SIGNING_KEY}"

    @property
    def unjudgeable(self) -> dict[str, str]:
        """The clauses this run cannot judge for want of what only the user has, and why:
        reported not tested, and not counted against the result."""
        if self.target.credentials.signing_key:
            return {}
        return {SIGNATURE.id: NO_SIGNING_KEY}

    @property
    def description(self) -> str:
        through = f", {self.proxy}" if self.proxy else ""
        if self.replayed:
            return f"a cassette's replay (nothing is sent) of a run against {self.target.base_url}"
        if self.emulator:
            return f"embedded emulator at {self.target.base_url}"
        host = urlsplit(self.target.base_url).hostname or ""
        where = "target on loopback" if host in LOOPBACK_HOSTS else "remote target"
        return f"{where} at {self.target.base_url}{through}"

    def close(self) -> None:
        if self.emulator is not None:
            self.emulator.stop()


def _at_least(name: str, value: int, least: int) -> int:
    if value < least:
        raise ConfigurationError(f"{name} must be at least {least}, not {value}")
    return value


def _budget(value: int | None) -> int | None:
    # Under 8 the suite cannot even start, judge and clean up one recording.
    return None if value is None else _at_least("--max-requests", value, 8)


def _positive(name: str, value: float) -> float:
    if value <= 0:
        raise ConfigurationError(f"{name} must be positive, not {value}")
    return value


# A SID is a few dozen characters (34, or a uuid's 36); the bound keeps every line that
# quotes one a line.
MAX_IDENTIFIER = 256


def identifier(name: str, value: str) -> str:
    """An identifier the user gave, which names a path segment: one line, bounded."""
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ConfigurationError(
            f"{name} {excerpt(value)} holds a control character (a line break?): "
            "an identifier is one line"
        )
    if len(value) > MAX_IDENTIFIER:
        raise ConfigurationError(
            f"{name} {excerpt(value)} is too long for an identifier "
            f"(at most {MAX_IDENTIFIER} characters)"
        )
    return value


def _identifiers(get: Option) -> None:
    for option, name in (
        ("project_id", "--project-id"),
        ("other_account_sid", "--other-account-sid"),
        ("other_account_call_sid", "--other-account-call-sid"),
    ):
        if get(option):
            identifier(name, get(option))
    for sid in get("call_sid"):
        identifier("--call-sid", sid)


def _ca_bundle(get: Option) -> str | None:
    """--ca-bundle, checked; and SSL_CERT_FILE, which the default context reads (the
    environment is a peer too: a bad one is one line, not a traceback)."""
    path = get("ca_bundle")
    for name, value, given in (
        ("SSL_CERT_FILE=", os.environ.get("SSL_CERT_FILE", ""), None),
        ("--ca-bundle ", path, path),
    ):
        if not value:
            continue
        try:
            tls_context(given)
        except (OSError, ValueError) as exc:  # ssl.SSLError is an OSError
            reason = " ".join(str(exc).split())[:200]
            raise ConfigurationError(
                f"{name}{excerpt(value)} is not a file of PEM certificates: {reason}"
            ) from None
    return path or None


def _settings(get: Option) -> RunSettings:
    """The run's settings, every bound checked."""
    strength = get("coverage_strength")
    strength = DEFAULT_STRENGTH if strength is None else strength
    if not 1 <= strength <= 3:
        raise ConfigurationError(f"--coverage-strength must be 1, 2 or 3, not {strength}")
    callback_url = get("callback_url")
    return RunSettings(
        callback_host=get("callback_host"),
        callback_port=get("callback_port"),
        callback_url=parse_base_url(callback_url) if callback_url else callback_url,
        callback_timeout=_positive("--callback-timeout", get("callback_timeout")),
        callback_grace=max(0.0, get("callback_grace")),
        coverage_strength=strength,
        other_account_sid=get("other_account_sid") or "",
        other_account_call_sid=get("other_account_call_sid") or "",
        max_requests=_budget(get("max_requests")),
        retry=RetryPolicy(
            attempts=1 + _at_least("--retries", get("retries"), 0),
            max_wait=_positive("--retry-max-wait", get("retry_max_wait")),
        ),
        max_response_bytes=_at_least("--max-response-bytes", get("max_response_bytes"), 1024),
        call_wait=_positive("--call-wait", get("call_wait")),
    )


def _calls(get: Option) -> CallPlan:
    given = tuple(get("call_sid"))
    if get("no_call_check") and not given:
        raise ConfigurationError(
            "--no-call-check vouches for the calls given with --call-sid, and none is given: "
            "name the call to record (against a mock, any SID its paths accept)"
        )
    return CallPlan(
        given, get("call_to"), get("call_from"), get("call_url"), bool(get("no_call_check"))
    )


@dataclass(frozen=True)
class _Found:
    """Where the target is, the accounts the run uses on it, and the settings it fixes."""

    base_url: str
    credentials: Credentials
    other: Credentials | None  # a second account, where its token is known
    settings: RunSettings
    emulator: RunningEmulator | None = None


def _replayed_target(get: Option, replayed: RecordedRun, settings: RunSettings) -> _Found:
    """A replay: the recorded target, and the probes the recorded run sent, sent again
    (another account's token too)."""
    known = Credentials(replayed.other_account_sid, "-") if replayed.other_token_known else None
    credentials = Credentials(replayed.project_id, "-", signing_key_from(get("signing_key")))
    settings = replace(
        settings,
        other_account_sid=replayed.other_account_sid,
        other_account_call_sid=replayed.other_account_call_sid,
        unknown_call_sid=replayed.unknown_call_sid,
    )
    return _Found(replayed.base_url, credentials, known, settings)


def _given_target(get: Option, settings: RunSettings, connect: bool) -> _Found:
    """A target given with --base-url: on loopback, or remote once allowed."""
    if get("emulator_fault") or get("emulator_variant"):
        raise ConfigurationError(
            "--emulator-fault and --emulator-variant apply to the embedded emulator only; "
            "drop --base-url or start the emulator with --fault"
        )
    base_url = parse_base_url(get("base_url"))
    host = urlsplit(base_url).hostname
    if host not in LOOPBACK_HOSTS and not get("allow_remote"):
        raise ConfigurationError(
            f"target host {host} is not on loopback, and every request to a live account "
            "may cost money: pass --allow-remote to run against it"
        )
    # A dry run sends nothing, so it needs no credentials.
    credentials = (
        credentials_from(get("project_id"), get("api_token"), signing_key=get("signing_key"))
        if connect
        else Credentials(get("project_id") or "-", "-", signing_key_from(get("signing_key")))
    )
    identifier("SIGNALWIRE_PROJECT_ID", credentials.project_id)
    return _Found(base_url, credentials, None, settings)


def _embedded_listed(get: Option, settings: RunSettings) -> _Found:
    """The embedded emulator in a dry run: not started; it has a second account, whose
    token a run will try."""
    key = signing_key_from(get("signing_key"))
    second = Credentials("{second account}", "-")
    return _Found("{embedded emulator}", Credentials("-", "-", key), second, settings)


def _embedded_started(get: Option, settings: RunSettings, calls: CallPlan) -> _Found:
    """The embedded emulator, started with the faults asked for, its two accounts the
    run's own and the other one."""
    if calls.vouched:
        raise ConfigurationError(
            "--no-call-check vouches for a call of a --base-url target; the embedded "
            "emulator makes its own: drop --no-call-check and --call-sid"
        )
    from emulator import catalog, start  # the embedded default

    unknown = [f for f in get("emulator_fault") if f not in catalog()]
    if unknown:
        raise ConfigurationError(
            f"unknown --emulator-fault {', '.join(unknown)} "
            f"(python -m emulator --list-faults lists them)"
        )
    # Given a signing key, the emulator signs with it, as the user's target would;
    # without one it signs with its own, which the run does not know (not tested).
    key = signing_key_from(get("signing_key"))
    from emulator.variants import VARIANTS

    odd = [v for v in get("emulator_variant") if v not in VARIANTS]
    if odd:
        raise ConfigurationError(
            f"unknown --emulator-variant {', '.join(odd)} (known: {', '.join(VARIANTS)})"
        )
    emulator = start(
        accounts=2,
        faults=tuple(get("emulator_fault")),
        signing_key=key,
        variants=tuple(get("emulator_variant")),
    )
    own, theirs = emulator.accounts
    if not settings.other_account_sid:
        settings = replace(settings, other_account_sid=theirs.sid)
    if not settings.other_account_call_sid:
        settings = replace(settings, other_account_call_sid=emulator.call_on(theirs))
    return _Found(
        emulator.base_url,
        Credentials(own.sid, own.token, key),
        Credentials(theirs.sid, theirs.token),
        settings,
        emulator,
    )


def _clauses(get: Option) -> None:
    """The clauses asked for with --clause are the contract's, and some test can judge
    them: said before anything is sent."""
    wanted = set(get("clause") or ())
    unknown = sorted(wanted - set(CLAUSE))
    if unknown:
        raise ConfigurationError(f"--clause {', '.join(unknown)}: no such clause in the contract")
    unseen = sorted(c for c in wanted if not CLAUSE[c].testable)
    if unseen:
        raise ConfigurationError(
            f"--clause {', '.join(unseen)}: no client can observe it, so no test judges it"
        )


def session_from_options(get: Option, connect: bool = True) -> SuiteSession:
    """`get(name)` reads an option (pytest's config.getoption). Without `connect`, the
    options are checked but no emulator starts and nothing is sent (a dry run). The
    target is one of four: a cassette's replay, a target given with --base-url, or the
    embedded emulator, listed (a dry run) or started."""
    _identifiers(get)
    _clauses(get)
    if get("accepted_differences") and not get("differential"):
        raise ConfigurationError(
            "--accepted-differences applies to a differential run: add --differential DIR, "
            "or use --expectations FILE for a contract run's declared deviations"
        )
    ca_bundle = _ca_bundle(get)
    replayed = _replayed(get)
    if replayed:
        get, connect = replayed.over(get), False
    settings = _settings(get)
    suffix = get("path_suffix")
    if suffix not in ("", ".json"):
        raise ConfigurationError(f"--path-suffix must be '.json' or '', not {suffix!r}")
    timeout = _positive("--request-timeout", get("request_timeout"))
    calls = _calls(get)
    if replayed:
        found = _replayed_target(get, replayed, settings)
    elif get("base_url"):
        found = _given_target(get, settings, connect)
    elif not connect:
        found = _embedded_listed(get, settings)
    else:
        found = _embedded_started(get, settings, calls)
    settings = found.settings
    if not settings.other_account_sid:
        settings = replace(settings, other_account_sid=str(uuid.uuid4()))
    # No proxy to loopback (the embedded emulator); to a remote target, the environment's.
    proxy = proxy_for(found.base_url) if get("base_url") and not replayed else None
    target = Target(
        found.base_url,
        found.credentials,
        suffix,
        timeout,
        calls,
        found.other,
        proxy=proxy.url if proxy else None,
        ca_bundle=ca_bundle,
    )
    session = SuiteSession(
        target, settings, found.emulator, replayed, budget=Budget(settings.max_requests)
    )
    session.proxy = proxy
    try:
        recorded = _recorded_name(replayed) if replayed else None
        embedded = recorded or _embedded_name(get, found.emulator)
        session.implementation = implementation_from(get, embedded)
        if get("expectations"):
            session.expectations = load_expectations(Path(get("expectations")))
    except ConfigurationError:
        session.close()
        raise
    if replayed:  # the recorded run's probe is spent again, so a budget ends where it did
        for _ in range(replayed.probe_requests):
            session.budget.charge()
    if not connect:
        return session
    try:
        session.probe_requests = ensure_reachable(target, settings.retry, session.budget)
    except ConfigurationError:
        session.close()
        raise
    return session


def _recorded_name(replayed: RecordedRun) -> Implementation | None:
    named = dict(replayed.implementation)
    if not named:
        return None
    return Implementation(**{**named, "contact": tuple(named.get("contact", ()))})


def _embedded_name(get: Option, emulator: RunningEmulator | None) -> Implementation | None:
    if emulator is None:
        return None
    faults = get("emulator_fault")
    project = "reference emulator" + (f" with fault {', '.join(faults)}" if faults else "")
    return Implementation("recording-conformance", project, version("recording-conformance"))


def _replayed(get: Option) -> RecordedRun | None:
    directory = get("replay_cassette")
    if not directory:
        return None
    if get("record_cassette"):
        raise ConfigurationError("--record-cassette and --replay-cassette exclude each other")
    if get("base_url") or get("emulator_fault"):
        raise ConfigurationError(
            "--replay-cassette replays the recorded target: drop --base-url and --emulator-fault"
        )
    return RecordedRun.load(Path(directory))


def ensure_reachable(target: Target, retry: RetryPolicy, budget: Budget) -> int:
    """Any HTTP answer will do; only a transport failure on every try stops the run
    (a flaky network may lose one request, and the run's own requests are retried).
    Each try is a request to the target, and counts against the budget; their count
    is returned."""
    # Any status will do: no body read.
    wire = Wire(
        min(target.timeout, 10.0), max_body=0, proxy=target.proxy, ca_bundle=target.ca_bundle
    )
    try:
        for attempt in range(1, retry.attempts + 1):
            try:
                budget.charge()
            except BudgetExhausted:
                raise ConfigurationError(
                    f"the request budget of {budget.limit} was spent proving the target reachable"
                ) from None
            try:
                wire.request("GET", target.base_url, content=None, headers={}, auth=None)
                return attempt
            except UntrustedCertificate as exc:  # no retry will change it
                raise ConfigurationError(
                    f"target {target.base_url}: its {exc}; if it is signed by a private CA, "
                    "give that CA's certificate with --ca-bundle FILE (or SSL_CERT_FILE=FILE)"
                ) from None
            except NoAnswer as exc:
                if attempt == retry.attempts:
                    raise ConfigurationError(
                        f"target {target.base_url} is unreachable: {exc}"
                    ) from None
                time.sleep(retry.delay(attempt, None))
        raise ConfigurationError(f"target {target.base_url}: no try allowed (retry attempts 0)")
    finally:
        wire.close()
