"""Accepted differences: what a candidate is known, and accepted, to answer otherwise
than the reference, each with a reason; like the expectations file of the contract's
deviations (contract/expectations.py), in TOML (see expectations/differences/):

    candidate = "Example emulator"
    [[accepted]]
    kind = "POST /Accounts/{AccountSid}/Calls/{CallSid}/Recordings.json → 400"
    field = "message"
    reason = "Our messages are our own; clients branch on the code."

`kind` and `field` are matched whole, or as shell-style patterns (`*`, `?`, `[...]`):
`field = "#* RecordingUrl"` accepts that parameter of every callback. An accepted
difference is still reported, as accepted; it no longer fails the run."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from contract.failures import ConfigurationError

OPTION = "--accepted-differences"
_TEXT = {"type": "string", "pattern": r"\S"}
# Closed at every level: a misspelled key is refused, not ignored.
SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "candidate": _TEXT,
        "accepted": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": ["kind", "field", "reason"],
                "properties": {"kind": _TEXT, "field": _TEXT, "reason": _TEXT},
            },
        },
    },
}
_VALIDATOR = Draft202012Validator(SCHEMA)


@dataclass(frozen=True)
class Accepted:
    kind: str
    field: str
    reason: str

    def covers(self, kind: str, field: str) -> bool:
        return fnmatchcase(kind, self.kind) and fnmatchcase(field, self.field)


@dataclass(frozen=True)
class AcceptedDifferences:
    path: str
    entries: tuple[Accepted, ...]

    def reason(self, kind: str, field: str) -> str | None:
        """Why this difference is accepted (None: it is not)."""
        return next((a.reason for a in self.entries if a.covers(kind, field)), None)


def load_accepted(path: Path) -> AcceptedDifferences:
    """Raises ConfigurationError, one line, for a file that cannot be read or is wrong."""
    try:
        data = tomllib.loads(path.read_text())
    except OSError as exc:
        raise ConfigurationError(f"{OPTION} {path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigurationError(f"{OPTION} {path}: not TOML: {exc}") from None
    error = next(iter(_VALIDATOR.iter_errors(data)), None)
    if error is not None:
        where = "/".join(map(str, error.absolute_path)) or "the document"
        raise ConfigurationError(f"{OPTION} {path}: {where}: {error.message}")
    entries = tuple(Accepted(a["kind"], a["field"], a["reason"]) for a in data.get("accepted", ()))
    return AcceptedDifferences(str(path), entries)
