"""The signature of a status callback, as the vendor's SDKs validate it (the clause is
CALLBACK-SIGNATURE in contract/terms.py, with its sources).

The signed text is the full URL requested (query included: a GET's payload is in it),
followed by each POST parameter's name and value, sorted by name; the signature is
base64(HMAC-SHA1(signing key, that text)). Validators try the URL with and without its
port (the scheme's default one, when it names none), since signers disagree on it. The
emulator signs with these functions and the suite's check verifies with them;
tests/test_signing.py holds both to the vendor's own validator (the `signalwire`
package), an oracle independent of them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


def signed_text(url: str, params: Iterable[tuple[str, str]] = ()) -> str:
    """The URL, then each parameter's name and value, sorted by name (a name given twice
    keeps its values in the order sent)."""
    return url + "".join(name + value for name, value in sorted(params, key=lambda p: p[0]))


def hmac_digest(key: str, text: str, algorithm: str = "sha1") -> bytes:
    return hmac.new(key.encode(), text.encode(), getattr(hashlib, algorithm)).digest()


def signature(key: str, url: str, params: Iterable[tuple[str, str]] = ()) -> str:
    """The value of the signature header for a request of `url` with these form
    parameters (none for a GET)."""
    return base64.b64encode(hmac_digest(key, signed_text(url, params))).decode()


def port_spellings(url: str) -> tuple[str, ...]:
    """The URL as validators try it: as given, and with its port dropped (when it has
    one) or its scheme's default port added (when it has none). (The Python validator
    cuts the host at its first colon to drop a port, which breaks an IPv6 literal; the
    JavaScript one drops it right, and so does this.)"""
    parts = urlsplit(url)
    host, colon, port = parts.netloc.rpartition(":")
    if colon and port.isdigit():
        other = urlunsplit(parts._replace(netloc=host))
    elif parts.scheme in _DEFAULT_PORTS:
        other = urlunsplit(parts._replace(netloc=f"{parts.netloc}:{_DEFAULT_PORTS[parts.scheme]}"))
    else:
        return (url,)
    return tuple(dict.fromkeys((url, other)))


def valid_signatures(key: str, url: str, params: Iterable[tuple[str, str]] = ()) -> set[str]:
    """Every signature a validator accepts for this request."""
    pairs = list(params)
    return {signature(key, spelling, pairs) for spelling in port_spellings(url)}
