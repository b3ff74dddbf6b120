"""Who is being tested, as a published report names it (--implementation-* options)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from contract.failures import ConfigurationError
from contract.terms import is_http_url
from reports.report import Implementation  # as the report names it

__all__ = ["Implementation", "implementation_from"]

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
FIELDS = ("organization", "project", "version", "url", "contact")


def implementation_from(
    get: Callable[[str], Any], embedded: Implementation | None
) -> Implementation:
    """From the options. Naming an implementation asks for a publishable report, so
    then its organization, project and version are required and its URL and contacts
    must be links; with none named, the embedded emulator names itself."""
    given = {name: get(f"implementation_{name}") for name in FIELDS}
    if not any(given.values()):
        return embedded or Implementation()
    missing = [f"--implementation-{n}" for n in FIELDS[:3] if not (given[n] or "").strip()]
    if missing:
        raise ConfigurationError(f"a named implementation also needs {', '.join(missing)}")
    if given["url"] and not is_http_url(given["url"]):
        raise ConfigurationError(f"--implementation-url {given['url']!r} is not an http(s) URL")
    bad = [c for c in given["contact"] if not (_EMAIL.match(c) or is_http_url(c))]
    if bad:
        raise ConfigurationError(
            f"--implementation-contact {bad[0]!r} is neither an e-mail address nor an http(s) URL"
        )
    return Implementation(
        given["organization"],
        given["project"],
        given["version"],
        given["url"],
        tuple(given["contact"]),
    )
