"""Masking the API token and the signing key in whatever the target sends back.

A hostile or careless target may echo the Authorization header, or the token it
decoded, in a body, a header or a status line. Everything the suite stores or prints
of an answer passes through a `Scrubber` first, and so does every log record, so the
token reaches no report, cassette, log or terminal.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from strategies.credentials import derived_secrets

MASK = "[REDACTED]"


def _forms(user: str, token: str) -> list[str]:
    """The spellings of a credential that a server could send back."""
    pair = f"{user}:{token}"
    encoded = [base64.b64encode(s.encode()).decode() for s in (pair, token)]
    encoded += [base64.urlsafe_b64encode(s.encode()).decode() for s in (pair, token)]
    # Unpadded forms too; the token alone last, since it is inside all the others.
    variants = [pair, *encoded, *(e.rstrip("=") for e in encoded), token]
    return [v for v in dict.fromkeys(variants) if v]


@dataclass(frozen=True)
class Scrubber:
    secrets: tuple[str, ...] = field(default=(), repr=False)

    @classmethod
    def for_credentials(
        cls,
        user: str,
        token: str,
        others: tuple[tuple[str, str], ...] = (),
        keys: tuple[str, ...] = (),
    ) -> Scrubber:
        """The token, the near misses of it the suite derives (strategies/credentials.py:
        the token with one character changed is the token but for that character), the
        tokens of `others` (user, token), and the signing `keys`, each in every spelling."""
        # A secret too short to be unguessable would mask half of every body; it is also
        # not worth hiding. Real tokens and keys are dozens of characters.
        keys = tuple(k for k in keys if len(k) >= 6)
        if len(token) < 6 and not keys:
            return cls(())
        pairs = [(user, token), *derived_secrets(user, token)] if len(token) >= 6 else []
        pairs += [(u, t) for u, t in others if len(t) >= 6]
        forms = {form for u, t in pairs for form in _forms(u, t)}
        forms |= {form for k in keys for form in _forms(user, k)}
        # Longest first: a near miss may hold the token (extended) or lie inside it.
        return cls(tuple(sorted(forms, key=lambda f: (-len(f), f))))

    def __call__(self, text: str) -> str:
        for secret in self.secrets:
            if secret in text:
                text = text.replace(secret, MASK)
        return text


def scrub_log_records(scrubber: Scrubber) -> Callable[[], None]:
    """Mask secrets in every log record, whichever logger made it (httpx and httpcore
    log status lines and headers as they arrive), until the returned undo is called."""
    previous = logging.getLogRecordFactory()
    if not scrubber.secrets:
        return lambda: None

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        message = record.getMessage()
        masked = scrubber(message)
        if masked != message:
            record.msg, record.args = masked, None
        return record

    logging.setLogRecordFactory(factory)
    return lambda: logging.setLogRecordFactory(previous)
