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

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from contract.failures import ConfigurationError
from contract.terms import CLAUSE, is_http_url

FIELDS = ("clause", "reason", "link")
_TEXT = {"type": "string", "pattern": r"\S"}  # a blank string says nothing

# The whole document, closed at every level: a misspelled table or key is refused,
# not ignored. The clause IDs are read from the contract, never spelled here.
SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["implementation"],
    "properties": {
        "implementation": _TEXT,
        "deviation": {
            "type": "array",
            "items": {
                "type": "object",
                "additionalProperties": False,
                "required": list(FIELDS),
                "properties": {"clause": {"enum": list(CLAUSE)}, "reason": _TEXT, "link": _TEXT},
            },
        },
    },
}
_VALIDATOR = Draft202012Validator(SCHEMA)


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


def expected_deviations(
    expectations: Expectations | None, violated: Iterable[str]
) -> tuple[Deviation, ...]:
    """The one rule of what a failure is: an expected deviation when every clause it
    violates is declared, and then these declarations; otherwise (nothing declared, a
    clause not declared, nothing violated) none, and it is a failure. The suite asks it of
    a failing test (to show it as an xfail), the report of a failing clause."""
    clause_ids = list(dict.fromkeys(violated))
    found = [expectations.declared(c) for c in clause_ids] if expectations else []
    if not clause_ids or not all(found):
        return ()
    return tuple(d for d in found if d)


class _Source:
    """Finds lines in the raw text, as tomllib keeps none."""

    def __init__(self, text: str) -> None:
        self.text = text
        header = re.compile(r"^[ \t]*\[\[[ \t]*[\"']?deviation[\"']?[ \t]*\]\]", re.M)
        self.deviations = [m.start() for m in header.finditer(text)]

    def _line(self, pattern: str, start: int = 0) -> int | None:
        found = re.compile(pattern, re.M).search(self.text, start)
        return self.text.count("\n", 0, found.start()) + 1 if found else None

    def _start(self, index: int | None) -> int:
        if index is None:
            return 0
        return self.deviations[index] if index < len(self.deviations) else len(self.text)

    def header(self, index: int | None) -> int | None:
        if index is None or index >= len(self.deviations):
            return None
        return self.text.count("\n", 0, self.deviations[index]) + 1

    def table(self, name: str) -> int | None:
        quoted = f"[\"']?{re.escape(name)}[\"']?"
        return self._line(rf"^[ \t]*\[\[?[ \t]*{quoted}[ \t]*[.\]]")

    def key(self, name: str, index: int | None = None, value: str | None = None) -> int | None:
        """The line of `name =` at the top (index None) or in deviation `index`."""
        rest = r"[ \t]*[.=]" if value is None else rf"[ \t]*=[ \t]*[\"']{re.escape(value)}"
        return self._line(rf"^[ \t]*[\"']?{re.escape(name)}[\"']?{rest}", self._start(index))


def _at(line: int | None) -> str:
    return f" (line {line})" if line else ""


def _describe(error: ValidationError, source: _Source) -> str:
    """One schema error, said in the file's terms: which table or key, and where."""
    path = list(error.absolute_path)
    index = path[1] if len(path) > 1 and isinstance(path[1], int) else None
    where = f"deviation {index + 1}" if index is not None else ""
    name = str(path[-1]) if path else ""
    instance = error.instance
    if error.validator == "additionalProperties":
        known = error.schema.get("properties", {})
        problems = []
        for extra in sorted(set(instance) - set(known)):
            value = instance[extra]
            is_table = isinstance(value, dict) or (
                isinstance(value, list) and value and all(isinstance(v, dict) for v in value)
            )
            if index is None and is_table:
                line = source.table(extra) or source.key(extra)
                problems.append(f"unknown table {extra!r}{_at(line)}")
            else:
                line = source.key(extra, index)
                inside = f"{where}: " if where else ""
                problems.append(f"{inside}unknown key {extra!r}{_at(line)}")
        return "; ".join(problems)
    if error.validator == "required":
        if not path:
            return "'implementation' (the name of the implementation) is missing"
        missing = [k for k in FIELDS if k not in instance]
        return f"{where} lacks {', '.join(missing)}{_at(source.header(index))}"
    if name == "implementation":
        return "'implementation' (the name of the implementation) is missing"
    if error.validator == "enum" and isinstance(instance, str):
        line = source.key(name, index, instance)
        return f"{where}: no clause {instance!r} in the contract{_at(line)}"
    if name == "deviation":
        return f"'deviation' must be tables written [[deviation]]{_at(source.table(name))}"
    if error.validator == "pattern":  # blank: as good as missing
        return f"{where} lacks {name}{_at(source.key(name, index))}"
    if error.validator == "type":
        wanted = error.validator_value
        return f"{where}: {name} must be a {wanted}{_at(source.key(name, index))}"
    return f"{where or name}: {error.message}{_at(source.key(name, index))}"


def _in_file_order(error: ValidationError) -> list[tuple[int, int | str]]:
    """The top level first, then deviation by deviation, as the file reads."""
    return [(0, p) if isinstance(p, int) else (1, str(p)) for p in error.absolute_path]


def load_expectations(path: Path) -> Expectations:
    """Read and check a file; every problem is one line naming the file."""

    def bad(why: str) -> ConfigurationError:
        return ConfigurationError(f"--expectations {path}: {why}")

    try:
        text = path.read_text()
        data = tomllib.loads(text)
    except OSError as exc:
        raise bad(exc.strerror or str(exc)) from None
    except tomllib.TOMLDecodeError as exc:
        raise bad(f"not TOML: {exc}") from None
    source = _Source(text)
    errors = sorted(_VALIDATOR.iter_errors(data), key=_in_file_order)
    problems = list(dict.fromkeys(_describe(e, source) for e in errors))
    if problems:
        raise bad("; ".join(problems))
    deviations: dict[str, Deviation] = {}
    for i, entry in enumerate(data.get("deviation", []), 1):
        fields = {k: entry[k] for k in FIELDS}
        if not is_http_url(fields["link"]):
            line = source.key("link", i - 1)
            raise bad(f"deviation {i}: link {fields['link']!r} is not an http(s) URL{_at(line)}")
        if fields["clause"] in deviations:
            line = source.key("clause", i - 1)
            raise bad(f"clause {fields['clause']} is declared twice{_at(line)}")
        deviations[fields["clause"]] = Deviation(**fields)
    return Expectations(data["implementation"], str(path), MappingProxyType(deviations))
