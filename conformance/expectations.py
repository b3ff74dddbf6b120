"""Declared expectations of a named implementation: the clauses it is known, and
accepted, to break, each with a reason and a link. A run shows such a failure as an
"expected deviation", never skips it, and says when a declared one no longer fails.

A file per implementation, in TOML (see expectations/):

    implementation = "Example Telephony"
    [[deviation]]
    clause = "SUCCESS-STATUS-200"
    reason = "Answers 201 Created, as Twilio does."
    link = "https://example.com/docs/recordings"
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from conformance.contract import CLAUSE, is_http_url
from conformance.failures import ConfigurationError


@dataclass(frozen=True)
class Deviation:
    clause: str
    reason: str
    link: str


@dataclass(frozen=True)
class Expectations:
    implementation: str
    path: str
    deviations: MappingProxyType[str, Deviation]

    def declared(self, clause_id: str) -> Deviation | None:
        return self.deviations.get(clause_id)


def load_expectations(path: Path) -> Expectations:
    """Read and check a file; every problem is one line naming the file."""

    def bad(why: str) -> ConfigurationError:
        return ConfigurationError(f"--expectations {path}: {why}")

    try:
        data = tomllib.loads(path.read_text())
    except OSError as exc:
        raise bad(exc.strerror or str(exc)) from None
    except tomllib.TOMLDecodeError as exc:
        raise bad(f"not TOML: {exc}") from None
    name = data.get("implementation")
    if not isinstance(name, str) or not name.strip():
        raise bad("'implementation' (the name of the implementation) is missing")
    deviations: dict[str, Deviation] = {}
    for i, entry in enumerate(data.get("deviation", []), 1):
        fields = {k: entry.get(k) for k in ("clause", "reason", "link")}
        missing = [k for k, v in fields.items() if not isinstance(v, str) or not v.strip()]
        if missing:
            raise bad(f"deviation {i} lacks {', '.join(missing)}")
        if fields["clause"] not in CLAUSE:
            raise bad(f"deviation {i}: no clause {fields['clause']!r} in the contract")
        if not is_http_url(fields["link"]):
            raise bad(f"deviation {i}: link {fields['link']!r} is not an http(s) URL")
        if fields["clause"] in deviations:
            raise bad(f"clause {fields['clause']} is declared twice")
        deviations[fields["clause"]] = Deviation(**fields)
    return Expectations(name, str(path), MappingProxyType(deviations))
