"""What the suite sent and what the target answered, free of secrets.

A request never holds the API token: only a label for the credential used, so
every rendering (terminal, reports, reproducer commands) is safe to publish.
"""

from __future__ import annotations

import json
import shlex
from dataclasses import dataclass
from enum import StrEnum
from typing import Any
from urllib.parse import urlencode

Form = tuple[tuple[str, str], ...]


class Auth(StrEnum):
    """Which credential a request carried."""

    ACCOUNT = "account"  # the target's project id and API token
    NONE = "none"
    WRONG_TOKEN = "wrong-token"  # the right project id, a token that is not its own


_CURL_USER = {
    Auth.ACCOUNT: '"$SIGNALWIRE_PROJECT_ID:$SIGNALWIRE_API_TOKEN"',
    Auth.WRONG_TOKEN: '"$SIGNALWIRE_PROJECT_ID:not-the-token"',
}


@dataclass(frozen=True)
class SentRequest:
    method: str
    url: str
    form: Form = ()
    auth: Auth = Auth.ACCOUNT

    def as_curl(self) -> str:
        """A command that sends the same request, credentials read from the environment."""
        words = ["curl", "-sS", "-X", self.method, shlex.quote(self.url)]
        if self.auth in _CURL_USER:
            words += ["-u", _CURL_USER[self.auth]]
        for name, value in self.form:
            words += ["--data-urlencode", shlex.quote(f"{name}={value}")]
        return " ".join(words)

    def body(self) -> str:
        return urlencode(self.form)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "url": self.url,
            "form": [list(pair) for pair in self.form],
            "auth": str(self.auth),
            "curl": self.as_curl(),
        }


_NOT_JSON = object()


@dataclass(frozen=True)
class Received:
    status: int
    content_type: str
    text: str

    @property
    def json(self) -> Any:
        """The parsed body, or None when it is not JSON (see `is_json`)."""
        value = self._parsed()
        return None if value is _NOT_JSON else value

    @property
    def is_json(self) -> bool:
        return self._parsed() is not _NOT_JSON

    def _parsed(self) -> Any:
        try:
            return json.loads(self.text)
        except ValueError:
            return _NOT_JSON

    def to_dict(self) -> dict[str, Any]:
        return {"status": self.status, "content_type": self.content_type, "body": self.text}


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
            f"          form: {self.request.body() or '(empty)'}\n"
            f"reproduce: {self.request.as_curl()}\n"
            f"response: HTTP {self.response.status} ({self.response.content_type or 'no type'})\n"
            f"          {text}"
        )

    def to_dict(self) -> dict[str, Any]:
        return {"request": self.request.to_dict(), "response": self.response.to_dict()}


_TOKEN_OPTION = "--api-token"
_TOKEN_FROM_ENV = '"$SIGNALWIRE_API_TOKEN"'


def redacted_command(args: list[str], token: str) -> str:
    """The words of a command line, shell-quoted, with the API token read from the
    environment instead of written out."""
    words, hide_next = [], False
    for arg in args:
        if hide_next or (token and arg == token):
            words.append(_TOKEN_FROM_ENV)
        elif arg.startswith(f"{_TOKEN_OPTION}="):
            words.append(f"{_TOKEN_OPTION}={_TOKEN_FROM_ENV}")
        else:
            words.append(shlex.quote(arg))
        hide_next = arg == _TOKEN_OPTION
    return " ".join(words)
