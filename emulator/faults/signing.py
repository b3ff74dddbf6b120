"""Faults in the signatures of status callbacks: the mistakes real signers make (the
scheme is contract/signing.py's). Each is seen only by a run given the signing key."""

from __future__ import annotations

import base64
from collections.abc import Callable
from urllib.parse import unquote, urlsplit, urlunsplit

from contract.signing import hmac_digest, signature, signed_text
from contract.terms import SIGNATURE_ALIAS_HEADER, SIGNATURE_HEADER, SIGNATURE_HEADERS
from emulator.faults import Fault, ToSign, fault

_CLAUSE = "CALLBACK-SIGNATURE"
Sign = Callable[[dict[str, str], ToSign], dict[str, str]]


def signing_fault(name: str, summary: str, sign: Sign) -> None:
    class SigningFault(Fault):
        def signature_headers(self, headers: dict[str, str], to_sign: ToSign) -> dict[str, str]:
            return sign(headers, to_sign)

    SigningFault.__name__ = SigningFault.__qualname__ = "".join(p.title() for p in name.split("-"))
    fault(name, _CLAUSE, summary)(SigningFault)


def _both(value: Callable[[ToSign], str]) -> Sign:
    """Both headers carry the same wrong value, as a signer with one mistake sends them."""
    return lambda headers, s: dict.fromkeys(SIGNATURE_HEADERS, value(s))


def _signed(text: Callable[[ToSign], str], key: Callable[[ToSign], str] | None = None) -> Sign:
    """Base64 HMAC-SHA1, as the scheme says, of another text or with another key."""

    def value(s: ToSign) -> str:
        secret = key(s) if key else s.signing_key
        return base64.b64encode(hmac_digest(secret, text(s))).decode()

    return _both(value)


def _faithful_text(s: ToSign) -> str:
    return signed_text(s.url, s.form)


def _without_query(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(query=""))


signing_fault("signature-missing", "callbacks carry no signature header", lambda h, s: {})
signing_fault(
    "signature-keyed-by-api-token",
    "callbacks are signed with the API token instead of the signing key (as Twilio keys them)",
    _signed(_faithful_text, key=lambda s: s.api_token),
)
signing_fault(
    "signature-url-without-query",
    "the signed URL is the one requested without its query string",
    _signed(lambda s: signed_text(_without_query(s.url), s.form)),
)
signing_fault(
    "signature-params-unsorted",
    "POST parameters are signed in the order sent, not sorted by name",
    _signed(lambda s: s.url + "".join(k + v for k, v in s.form)),
)
signing_fault(
    "signature-get-without-payload",
    "a GET callback is signed over the URL given, without the payload added to its query",
    _signed(
        lambda s: (
            s.callback.url.partition("#")[0] if s.callback.method == "GET" else _faithful_text(s)
        )
    ),
)
signing_fault(
    "signature-post-without-params",
    "a POST callback is signed over the URL alone, as a GET would be",
    _signed(lambda s: s.url),
)
signing_fault(
    "signature-url-decoded",
    "the signed URL is percent-decoded, not the URL as requested",
    _signed(lambda s: signed_text(unquote(s.url), s.form)),
)
signing_fault(
    "signature-hex",
    "the HMAC is written in hexadecimal, not base64 (the vendor's RELAY/JSON encoding)",
    _both(lambda s: hmac_digest(s.signing_key, _faithful_text(s)).hex()),
)
signing_fault(
    "signature-sha256",
    "the HMAC is HMAC-SHA256, not HMAC-SHA1",
    _both(
        lambda s: base64.b64encode(hmac_digest(s.signing_key, _faithful_text(s), "sha256")).decode()
    ),
)
signing_fault(
    "signature-alias-header-only",
    f"the signature is sent as {SIGNATURE_ALIAS_HEADER} alone, without {SIGNATURE_HEADER}",
    lambda h, s: {SIGNATURE_ALIAS_HEADER: h[SIGNATURE_ALIAS_HEADER]},
)
signing_fault(
    "signature-alias-keyed-by-api-token",
    f"{SIGNATURE_HEADER} is right, but {SIGNATURE_ALIAS_HEADER} is keyed by the API token",
    lambda h, s: {
        **h,
        SIGNATURE_ALIAS_HEADER: signature(s.api_token, s.url, s.form),
    },
)
