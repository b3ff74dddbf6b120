"""Credentials a target must refuse, derived from the real ones the way real
authentication bugs happen: a comparison that ignores case, stops at the shorter
string, or looks a token up without its account; and Authorization headers that carry
no credentials at all.

Each derivation is deterministic, so the scrubber (conformance/client/secrets.py) can mask
every near miss the suite may send: a token with one character changed is the token,
all but that character. A probe is described by its `Auth` label, never by its value.
"""

from __future__ import annotations

import base64
import uuid
from dataclasses import dataclass

from contract.exchange import Auth
from contract.terms import ACCOUNT_SID_EXACT, MISSING_CREDENTIALS, WRONG_TOKEN, Clause


class NotDerivable(ValueError):
    """No such near miss can be derived (no other account's token is known)."""


def _swapped(value: str) -> str:
    """The value with its letters' case swapped; one without letters has no case to
    change, and gets one character changed instead (a replay, whose token is a
    placeholder, must send every probe the recorded run sent)."""
    swapped = value.swapcase()
    return swapped if swapped != value else one_changed(value)


_NEXT = {
    **{c: chr((ord(c) - 48 + 1) % 10 + 48) for c in "0123456789"},
    **{c: chr((ord(c) - 97 + 1) % 26 + 97) for c in "abcdefghijklmnopqrstuvwxyz"},
    **{c: chr((ord(c) - 65 + 1) % 26 + 65) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
}


def one_changed(token: str) -> str:
    """The token with its middle character replaced by the next of its kind (digit,
    lower or upper case letter; anything else by '0'), so of the same shape."""
    if not token:
        return "0"
    i = len(token) // 2
    return token[:i] + _NEXT.get(token[i], "0") + token[i + 1 :]


def near_miss_token(auth: Auth, token: str) -> str:
    """The wrong token a TOKEN_* probe sends, derived from the real one."""
    derive = {
        Auth.TOKEN_CASE: _swapped,
        Auth.TOKEN_TRUNCATED: lambda t: t[:-1],
        Auth.TOKEN_EXTENDED: lambda t: t + "0",
        Auth.TOKEN_ONE_CHANGED: one_changed,
        Auth.TOKEN_EMPTY: lambda t: "",
    }
    return derive[auth](token)


TOKEN_MISSES = (
    Auth.TOKEN_CASE,
    Auth.TOKEN_TRUNCATED,
    Auth.TOKEN_EXTENDED,
    Auth.TOKEN_ONE_CHANGED,
    Auth.TOKEN_EMPTY,
)


def basic(user: str, token: str, scheme: str = "Basic") -> str:
    """An Authorization header value of HTTP Basic (RFC 7617), UTF-8."""
    return f"{scheme} {base64.b64encode(f'{user}:{token}'.encode()).decode()}"


def authorization(auth: Auth, user: str, token: str, other_token: str | None = None) -> str | None:
    """The Authorization header a request with this credential carries (None: none).
    Raises NotDerivable for another account's token when none is known."""
    if auth is Auth.NONE:
        return None
    if auth is Auth.ACCOUNT:
        return basic(user, token)
    if auth is Auth.ACCOUNT_SCHEME_LOWERCASE:
        return basic(user, token, "basic")
    if auth is Auth.WRONG_TOKEN:  # unrelated to the real one: the classic probe
        return basic(user, f"not-{uuid.uuid4().hex}")
    if auth in TOKEN_MISSES:
        return basic(user, near_miss_token(auth, token))
    if auth is Auth.OTHER_TOKEN:
        if other_token is None:
            raise NotDerivable("no other account's token is known")
        return basic(user, other_token)
    if auth is Auth.ACCOUNT_SID_CASE:
        return basic(_swapped(user), token)
    if auth is Auth.SCHEME_ONLY:
        return "Basic"
    if auth is Auth.NOT_BASE64:
        return "Basic not*base64"
    if auth is Auth.USER_ONLY:  # no colon, so no token at all
        return f"Basic {base64.b64encode(user.encode()).decode()}"
    raise AssertionError(f"no derivation for {auth}")  # pragma: no cover


def derived_secrets(user: str, token: str) -> list[tuple[str, str]]:
    """Every (user, token) pair a near-miss probe may send that gives the real token
    away, whole or nearly: the scrubber masks each like the real pair."""
    pairs = [(user, near_miss_token(a, token)) for a in TOKEN_MISSES]
    pairs.append((_swapped(user), token))
    return [(u, t) for u, t in pairs if t]  # the empty token gives nothing away


@dataclass(frozen=True)
class CredentialProbe:
    auth: Auth
    clause: Clause
    why: str  # what it sends, by derivation: safe to print


_WRONG, _MISSING = WRONG_TOKEN, MISSING_CREDENTIALS
CREDENTIAL_PROBES: tuple[CredentialProbe, ...] = (
    CredentialProbe(Auth.TOKEN_TRUNCATED, _WRONG, "the token without its last character"),
    CredentialProbe(Auth.TOKEN_EMPTY, _WRONG, "the right project id, an empty token"),
    CredentialProbe(Auth.TOKEN_CASE, _WRONG, "the token with its letters' case swapped"),
    CredentialProbe(Auth.TOKEN_EXTENDED, _WRONG, "the token with a character appended"),
    CredentialProbe(Auth.TOKEN_ONE_CHANGED, _WRONG, "the token with one character changed"),
    CredentialProbe(Auth.OTHER_TOKEN, _WRONG, "this account's SID with another account's token"),
    CredentialProbe(
        Auth.ACCOUNT_SID_CASE,
        ACCOUNT_SID_EXACT,
        "the account SID with its letters' case swapped, the right token",
    ),
    CredentialProbe(Auth.SCHEME_ONLY, _MISSING, "an Authorization header of 'Basic' alone"),
    CredentialProbe(Auth.NOT_BASE64, _MISSING, "a Basic Authorization header that is no Base64"),
    CredentialProbe(Auth.USER_ONLY, _MISSING, "a Basic Authorization header with no token"),
)


def credential_probes(other_token_known: bool) -> list[CredentialProbe]:
    """The near misses a run sends: another account's token only where one is known
    (the embedded emulator's second account; never on a live target)."""
    return [p for p in CREDENTIAL_PROBES if other_token_known or p.auth is not Auth.OTHER_TOKEN]
