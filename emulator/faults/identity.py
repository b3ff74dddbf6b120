"""Faults in who may do what to which call: authentication, unknown and malformed
calls, and the identity of recordings."""

from __future__ import annotations

import uuid
from datetime import datetime

from contract.terms import PAGE_SIZE_DEFAULT
from emulator.faults import Body, Fault, fault
from emulator.store import Call, now


@fault("auth-none-accepted", "AUTH-MISSING-401", "a request without credentials is let in")
class AuthNoneAccepted(Fault):
    def authenticated(
        self, verdict: bool, path_account: str, user: str | None, known_credentials: bool
    ) -> bool:
        return verdict or user is None


@fault("auth-any-token", "AUTH-WRONG-TOKEN-401", "the project id alone is enough, any token")
class AuthAnyToken(Fault):
    def authenticated(
        self, verdict: bool, path_account: str, user: str | None, known_credentials: bool
    ) -> bool:
        return verdict or user == path_account


@fault(
    "auth-any-account",
    "AUTH-OTHER-ACCOUNT-401",
    "any account's credentials act on any account's path",
)
class AuthAnyAccount(Fault):
    def authenticated(
        self, verdict: bool, path_account: str, user: str | None, known_credentials: bool
    ) -> bool:
        return verdict or known_credentials


@fault(
    "auth-token-prefix",
    "AUTH-WRONG-TOKEN-401",
    "a token is compared only as far as the one sent: a prefix of it, even empty, lets in",
)
class AuthTokenPrefix(Fault):
    def token_matches(self, verdict: bool, sent: str | None, token: str) -> bool:
        return verdict or (sent is not None and token.startswith(sent))


@fault("auth-refused-403", "AUTH-WRONG-TOKEN-401", "refused credentials answer 403, not 401")
class AuthRefused403(Fault):
    def error(self, status: int, body: Body) -> tuple[int, Body]:
        return (403, {**body, "status": 403}) if status == 401 else (status, body)


def _phantom(sid: str, account_sid: str) -> Call:
    return Call(sid, account_sid, "", "", "")


@fault("unknown-call-accepted", "CALL-UNKNOWN-404", "an unknown CallSid gets a recording")
class UnknownCallAccepted(Fault):
    def find_call(self, call: Call | None, sid: str, account_sid: str) -> Call | None:
        return call or _phantom(sid, account_sid)


@fault(
    "other-accounts-call-reached",
    "CALL-UNKNOWN-404",
    "a call is found by its sid alone: another account's call gets a recording",
)
class OtherAccountsCallReached(Fault):
    def owns_call(self, verdict: bool) -> bool:
        return True


@fault("unknown-call-400", "CALL-UNKNOWN-404", "an unknown CallSid answers 400, not 404")
class UnknownCall400(Fault):
    def error(self, status: int, body: Body) -> tuple[int, Body]:
        return (400, {**body, "status": 400}) if status == 404 else (status, body)


def _is_uuid(sid: str) -> bool:
    try:
        return str(uuid.UUID(sid)) == sid
    except ValueError:
        return False


@fault(
    "malformed-call-accepted", "CALL-MALFORMED-4XX", "a CallSid that is no uuid gets a recording"
)
class MalformedCallAccepted(Fault):
    def find_call(self, call: Call | None, sid: str, account_sid: str) -> Call | None:
        return call if call or _is_uuid(sid) else _phantom(sid, account_sid)


@fault("sids-reused", "IDENTITY-UNIQUE-SID", "every recording gets the first recording's sid")
class SidsReused(Fault):
    def __init__(self) -> None:
        self.first: str | None = None

    def new_sid(self, sid: str) -> str:
        self.first = self.first or sid
        return self.first


@fault("fetch-forgets-trim", "IDENTITY-FETCH", "a fetched recording reports the other trim")
class FetchForgetsTrim(Fault):
    def fetched_body(self, body: Body) -> Body:
        flipped = "do-not-trim" if body.get("trim") == "trim-silence" else "trim-silence"
        return {**body, "trim": flipped}


@fault(
    "refused-creates-once-call-is-full",
    "REFUSED-CREATES-NOTHING",
    f"a refused create starts a recording anyway once the call holds {PAGE_SIZE_DEFAULT} "
    "(a page of its listing): never in a run's first look",
)
class RefusedCreatesOnceCallIsFull(Fault):
    def created_by_refusal(
        self, status: int, call: Call, on_call: int, user: str | None
    ) -> datetime | None:
        return now() if on_call >= PAGE_SIZE_DEFAULT else None


_SHORT_PAGE = 5  # recordings a page holds, whatever PageSize asks


@fault(
    "no-credentials-create-on-a-later-page",
    "AUTH-MISSING-401",
    f"pages hold at most {_SHORT_PAGE}, and once the call holds a page, a request without "
    "credentials is refused but starts a recording dated as the call's start, so newest first "
    "it lists last: only next_page_uri shows it",
)
class NoCredentialsCreateOnALaterPage(Fault):
    def created_by_refusal(
        self, status: int, call: Call, on_call: int, user: str | None
    ) -> datetime | None:
        hidden = status == 401 and user is None and on_call >= _SHORT_PAGE
        return call.created if hidden else None

    def page_size(self, asked: int) -> int:
        return min(asked, _SHORT_PAGE)
