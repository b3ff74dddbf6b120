"""The check of the signatures of status callbacks, with the project's signing key.

The suite computes the signature itself (contract/signing.py), over the URL the target
requested, rebuilt from the URL given (up to the receiver's /cb/{token}, which a tunnel
may serve under another origin) and the path and query as they arrived, byte for byte;
the parameters are those of the form body. tests/test_signing.py holds the computation
to the vendor's own validator.
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from urllib.parse import unquote, urlsplit, urlunsplit

from conformance.checks.callbacks import Observed
from conformance.client.receiver import Delivery
from contract.failures import Violation
from contract.signing import hmac_digest, signed_text, valid_signatures
from contract.terms import (
    PARAMETER,
    SIGNATURE_ALIAS_HEADER,
    SIGNATURE_HEADER,
    SIGNATURE_HEADERS,
)

_URL = PARAMETER["RecordingStatusCallback"]
Pairs = tuple[tuple[str, str], ...]


def url_requested(given: str, d: Delivery) -> str:
    """The URL the delivery requested: the origin (and any prefix) of the URL given, then
    the path from the receiver's marker on and the query, as they arrived."""
    marker = f"/cb/{d.token}"
    origin = given[: given.index(marker)]
    path = d.raw_path[d.raw_path.index(marker) :]
    return origin + path + (f"?{d.raw_query}" if d.raw_query else "")


def _b64(digest: bytes) -> str:
    return base64.b64encode(digest).decode()


def _no_query(url: str) -> str:
    return urlunsplit(urlsplit(url)._replace(query=""))


def _sha1(key: str, text: str) -> str:
    return _b64(hmac_digest(key, text))


# The mistakes real signers make, each as the signature it gives: named in a failure,
# so that it explains itself. Each is computed with the signing key.
_MISTAKES: tuple[tuple[str, Callable[[str, str, Pairs], str]], ...] = (
    ("the URL without its query", lambda k, u, p: _sha1(k, signed_text(_no_query(u), p))),
    ("the parameters in the order sent", lambda k, u, p: _sha1(k, u + "".join(map("".join, p)))),
    ("the URL alone, no parameters", lambda k, u, p: _sha1(k, u)),
    ("the percent-decoded URL", lambda k, u, p: _sha1(k, signed_text(unquote(u), p))),
    (
        "the HMAC in hexadecimal, not base64",
        lambda k, u, p: hmac_digest(k, signed_text(u, p)).hex(),
    ),
    (
        "HMAC-SHA256, not HMAC-SHA1",
        lambda k, u, p: _b64(hmac_digest(k, signed_text(u, p), "sha256")),
    ),
)


def _diagnosis(key: str, url: str, params: Pairs, received: str) -> str:
    """What the received signature is, among the known mistakes, if it is one."""
    for what, mistake in _MISTAKES:
        if mistake(key, url, params) == received:
            return f" (what the signing key gives with {what})"
    return " (no known mistake with the signing key gives it: another key, or another text)"


def _problems(d: Delivery, key: str, url: str) -> list[str]:
    params = d.form
    valid = valid_signatures(key, url, params)
    assert d.signatures is not None
    sent = {name: [v for h, v in d.signatures if h == name] for name in SIGNATURE_HEADERS}
    problems = []
    if not sent[SIGNATURE_HEADER]:
        alone = f" ({SIGNATURE_ALIAS_HEADER} alone)" if sent[SIGNATURE_ALIAS_HEADER] else ""
        problems.append(f"no {SIGNATURE_HEADER} header{alone}")
    for name, values in sent.items():
        for value in values:
            if value not in valid:
                problems.append(f"{name}: {value[:200]!r}{_diagnosis(key, url, params, value)}")
    return problems


def callbacks_are_signed(o: Observed) -> bool:
    """Judged on the deliveries whose path and headers the receiver kept, when the run
    has the signing key; a run without it judges nothing here (and is not-tested)."""
    key = o.signing_key
    if not key:
        return False
    given = o.created.sent(_URL.name) or ""
    judged = [
        d
        for d in o.deliveries
        if d.signatures is not None
        and d.raw_path
        and f"/cb/{d.token}" in given
        and f"/cb/{d.token}" in d.raw_path
    ]
    for d in judged:
        url = url_requested(given, d)
        problems = _problems(d, key, url)
        if problems:
            names = ", ".join(k for k, _ in sorted(d.form, key=lambda p: p[0]))
            expected = sorted(valid_signatures(key, url, d.form))
            raise Violation(
                f"{SIGNATURE_HEADER}: one of {expected}: base64 HMAC-SHA1 with the signing "
                f"key of the URL requested, {url[:1000]!r}"
                + (f", then the form parameters sorted by name ({names})" if names else ""),
                f"{d.method} callback ({d.payload.get('RecordingStatus', '?')}): "
                + "; ".join(problems)[:1200],
                o.created.exchange,
            )
    return bool(judged)
