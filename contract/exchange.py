"""What the suite sent and what the target answered, free of secrets.

A request never holds the API token: only a label for the credential used, so
every rendering (terminal, reports, reproducer commands) is safe to publish.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import urlencode

from contract.forms import Form


class Auth(StrEnum):
    """Which credential a request carried: a label, never the credential. Those past
    WRONG_TOKEN are derived from the real ones (strategies/credentials.py)."""

    ACCOUNT = "account"  # the target's project id and API token
    NONE = "none"
    WRONG_TOKEN = "wrong-token"  # the right project id, a token that is not its own
    # Near misses of the real credentials, the way lenient comparisons let them in.
    TOKEN_CASE = "token-case-swapped"
    TOKEN_TRUNCATED = "token-truncated"
    TOKEN_EXTENDED = "token-extended"
    TOKEN_ONE_CHANGED = "token-one-character-changed"
    TOKEN_EMPTY = "token-empty"
    OTHER_TOKEN = "other-accounts-token"  # this account's SID, another account's token
    ACCOUNT_SID_CASE = "account-sid-case-swapped"  # with the right token
    # Authorization headers that carry no credentials.
    SCHEME_ONLY = "header-scheme-only"
    NOT_BASE64 = "header-not-base64"
    USER_ONLY = "header-user-only"
    # The right credentials, spelled differently as RFC 9110 allows (scheme "basic").
    ACCOUNT_SCHEME_LOWERCASE = "account-scheme-lowercase"


_ID, _TOKEN = "$SIGNALWIRE_PROJECT_ID", "$SIGNALWIRE_API_TOKEN"
_SWAP = "| tr a-zA-Z A-Za-z)"
# curl words for each credential, read from the environment, never written out.
_CURL_AUTH: dict[Auth, list[str]] = {
    Auth.ACCOUNT: ["-u", f'"{_ID}:{_TOKEN}"'],
    Auth.WRONG_TOKEN: ["-u", f'"{_ID}:not-the-token"'],
    Auth.TOKEN_CASE: ["-u", f'"{_ID}:$(printf %s "{_TOKEN}" {_SWAP}"'],
    Auth.TOKEN_TRUNCATED: ["-u", f'"{_ID}:${{SIGNALWIRE_API_TOKEN%?}}"'],
    Auth.TOKEN_EXTENDED: ["-u", f'"{_ID}:{_TOKEN}0"'],
    Auth.TOKEN_ONE_CHANGED: ["-u", f'"{_ID}:<the token, one character changed>"'],
    Auth.TOKEN_EMPTY: ["-u", f'"{_ID}:"'],
    Auth.OTHER_TOKEN: ["-u", f'"{_ID}:$OTHER_ACCOUNT_TOKEN"'],
    Auth.ACCOUNT_SID_CASE: ["-u", f'"$(printf %s "{_ID}" {_SWAP}:{_TOKEN}"'],
    Auth.SCHEME_ONLY: ["-H", "'Authorization: Basic'"],
    Auth.NOT_BASE64: ["-H", "'Authorization: Basic not*base64'"],
    Auth.USER_ONLY: ["-H", f'"Authorization: Basic $(printf %s "{_ID}" | base64)"'],
    Auth.ACCOUNT_SCHEME_LOWERCASE: [
        "-H",
        f'"Authorization: basic $(printf %s "{_ID}:{_TOKEN}" | base64 -w0)"',
    ],
}


@dataclass(frozen=True)
class SentRequest:
    method: str
    url: str
    form: Form = ()
    auth: Auth = Auth.ACCOUNT
    # Headers sent as spelled here instead of the suite's own (name case, parameters).
    headers: tuple[tuple[str, str], ...] = ()

    def as_curl(self) -> str:
        """A command that sends the same request, credentials read from the environment."""
        words = ["curl", "-sS", "-X", self.method, shlex.quote(self.url)]
        words += _CURL_AUTH.get(self.auth, [])
        for name, value in self.headers:
            words += ["-H", shlex.quote(f"{name}: {value}")]
        for name, value in self.form:
            words += ["--data-urlencode", shlex.quote(f"{name}={value}")]
        return " ".join(words)

    def body(self) -> str:
        return urlencode(self.form)


_NOT_JSON = object()
_TOO_DEEP = object()


MAX_JSON_DEPTH = 64  # nesting the suite parses; no answer of this API comes near it


def _too_deep(text: str) -> bool:
    """Whether arrays and objects nest deeper than MAX_JSON_DEPTH (strings skipped)."""
    if text.count("[") + text.count("{") <= MAX_JSON_DEPTH:
        return False  # the common case, without a walk
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            escaped, in_string = (False, True) if escaped else (char == "\\", char != '"')
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_JSON_DEPTH:
                return True
        elif char in "]}":
            depth -= 1
    return False


def _parse(text: str, readable: bool) -> Any:
    if not readable:
        return _NOT_JSON
    if _too_deep(text):  # a hostile body is a verdict, never a RecursionError
        return _TOO_DEEP
    try:
        return json.loads(text)
    except ValueError:
        return _NOT_JSON


@dataclass(frozen=True)
class Received:
    status: int
    content_type: str
    text: str  # decoded as UTF-8 (invalid bytes replaced), secrets masked
    utf8: bool = True  # the body was valid UTF-8
    oversized: bool = False  # the body passed the read bound; `text` is its start

    _parsed: Any = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Parsed once, here: every check reads it.
        object.__setattr__(self, "_parsed", _parse(self.text, self.utf8 and not self.oversized))

    @property
    def json(self) -> Any:
        """The parsed body, or None when it is not JSON the suite can read."""
        unread = self._parsed is _NOT_JSON or self._parsed is _TOO_DEEP
        return None if unread else self._parsed

    def unreadable(self) -> str:
        """Why the body is not JSON the suite can read, or '' when it is."""
        if self.oversized:
            return "the body is larger than the suite reads"
        if not self.utf8:
            return "the body is not valid UTF-8, as JSON must be (RFC 8259, section 8.1)"
        if self._parsed is _TOO_DEEP:
            return f"the JSON nests deeper than {MAX_JSON_DEPTH} levels, more than the suite parses"
        return "the body is not JSON" if self._parsed is _NOT_JSON else ""


@dataclass(frozen=True)
class Exchange:
    request: SentRequest
    response: Received

    @property
    def body(self) -> dict[str, Any]:
        """The JSON object answered, or an empty dict for anything else."""
        value = self.response.json
        return value if isinstance(value, dict) else {}

    def render(self, limit: int = 2000) -> str:
        text = self.response.text
        if len(text) > limit:
            text = text[:limit] + f"... ({len(self.response.text)} characters)"
        return (
            f"request:  {self.request.method} {self.request.url}\n"
            + "".join(f"          {k}: {v}\n" for k, v in self.request.headers)
            + f"          form: {self.request.body() or '(empty)'}\n"
            f"reproduce: {self.request.as_curl()}\n"
            f"response: HTTP {self.response.status} ({self.response.content_type or 'no type'})\n"
            f"          {text}"
        )


def is_success(exchange: Exchange) -> bool:
    return 200 <= exchange.response.status < 300


# Each secret option, and the variable its value is read from instead of written out.
_SECRET_OPTIONS = {
    "--api-token": '"$SIGNALWIRE_API_TOKEN"',
    "--signing-key": '"$SIGNALWIRE_SIGNING_KEY"',
}


def redacted_command(args: list[str], token: str, signing_key: str | None = None) -> str:
    """The words of a command line, shell-quoted, with the API token and the signing key
    read from the environment instead of written out."""
    secrets = {token: _SECRET_OPTIONS["--api-token"]} if token else {}
    if signing_key:
        secrets[signing_key] = _SECRET_OPTIONS["--signing-key"]
    words, hidden = [], None
    for arg in args:
        option, eq, _ = arg.partition("=")
        if hidden is not None:
            words.append(hidden)
        elif arg in secrets:
            words.append(secrets[arg])
        elif eq and option in _SECRET_OPTIONS:
            words.append(f"{option}={_SECRET_OPTIONS[option]}")
        else:
            words.append(shlex.quote(arg))
        hidden = _SECRET_OPTIONS.get(arg)
    return " ".join(words)
