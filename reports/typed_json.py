"""Frozen dataclasses as JSON: written out, read back, and described by a JSON Schema, all
three from the same type hints, so a report's types, its file and its schema cannot drift.

The hints understood are the few a report needs: str, int, float, bool, a StrEnum, a
dataclass, `X | None`, `tuple[X, ...]`, `tuple[X, X]` and `Mapping[K, V]` (K str or a
StrEnum). A field's metadata (see `spec`) renames its key, adds schema keywords
(description, minimum, pattern...) and marks it optional: absent from older files, so
not required, and given its default when read.

Written by hand rather than with pydantic (installed with schemathesis): its schema
spells every nullable as anyOf, titles every property and leaves objects open, and
would make the published schema harder to read than the report it describes."""

from __future__ import annotations

import dataclasses
import re
import types
from collections.abc import Mapping
from enum import StrEnum
from functools import cache
from typing import Any, get_args, get_origin, get_type_hints

KEY, OPTIONAL, SCHEMA = "json_key", "json_optional", "json_schema"


def spec(*, key: str | None = None, optional: bool = False, **schema: Any) -> dict[str, Any]:
    """A field's metadata: its JSON key (default: its name), whether older files may lack
    it, and JSON Schema keywords for its value (description, minimum, const...)."""
    return {KEY: key, OPTIONAL: optional, SCHEMA: schema}


def _key(field: dataclasses.Field[Any]) -> str:
    return field.metadata.get(KEY) or field.name


@cache
def _hints(cls: type) -> dict[str, Any]:
    return get_type_hints(cls)


def _optional_of(hint: Any) -> Any | None:
    """X for `X | None`, else None."""
    if get_origin(hint) is types.UnionType:
        rest = [a for a in get_args(hint) if a is not type(None)]
        if len(rest) == 1 and len(get_args(hint)) == 2:
            return rest[0]
    return None


# --- to JSON -----------------------------------------------------------------------


def to_json_data(value: Any) -> Any:
    """A dataclass (and what it holds) as JSON values, keys in field order."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {_key(f): to_json_data(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, tuple | list):
        return [to_json_data(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): to_json_data(v) for k, v in value.items()}
    return value


# --- from JSON ---------------------------------------------------------------------


def from_json_data(hint: Any, data: Any) -> Any:
    """`data` (valid against the schema of `hint`) read back as `hint`."""
    inner = _optional_of(hint)
    if inner is not None:
        return None if data is None else from_json_data(inner, data)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        hints = _hints(hint)
        given = {
            f.name: from_json_data(hints[f.name], data[_key(f)])
            for f in dataclasses.fields(hint)
            if _key(f) in data
        }
        return hint(**given)
    origin = get_origin(hint)
    if origin is tuple:
        return tuple(from_json_data(get_args(hint)[0], v) for v in data)
    if origin is Mapping:
        key, item = get_args(hint)
        return {from_json_data(key, k): from_json_data(item, v) for k, v in data.items()}
    if isinstance(hint, type) and issubclass(hint, StrEnum):
        return hint(data)
    return data


# --- JSON Schema -------------------------------------------------------------------


def def_name(cls: type) -> str:
    """ExchangeRequest -> exchange_request: the name of its schema under $defs."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower()


_PRIMITIVES: dict[Any, str] = {str: "string", int: "integer", float: "number", bool: "boolean"}


class _SchemaWriter:
    def __init__(self) -> None:
        self.defs: dict[str, dict[str, Any]] = {}

    def value(self, hint: Any) -> dict[str, Any]:
        inner = _optional_of(hint)
        if inner is not None:
            schema = self.value(inner)
            if set(schema) == {"type"}:
                return {"type": [schema["type"], "null"]}
            return {"oneOf": [{"type": "null"}, schema]}
        if isinstance(hint, type) and dataclasses.is_dataclass(hint):
            return {"$ref": f"#/$defs/{self.define(hint)}"}
        origin = get_origin(hint)
        if origin is tuple:
            args = get_args(hint)
            schema = {"type": "array", "items": self.value(args[0])}
            if args[-1] is not Ellipsis:  # a pair, say: as many items as it names
                schema |= {"minItems": len(args), "maxItems": len(args)}
            return schema
        if origin is Mapping:
            key, item = get_args(hint)
            schema = {"type": "object", "additionalProperties": self.value(item)}
            if issubclass(key, StrEnum):
                schema["propertyNames"] = {"enum": [k.value for k in key]}
            return schema
        if isinstance(hint, type) and issubclass(hint, StrEnum):
            return {"enum": [v.value for v in hint]}
        return {"type": _PRIMITIVES[hint]}

    def fields(self, cls: type) -> dict[str, Any]:
        """The schema of a dataclass's object: closed, its mandatory keys required."""
        hints = _hints(cls)
        properties, required = {}, []
        for f in dataclasses.fields(cls):
            own = f.metadata.get(SCHEMA, {})
            base = {} if "const" in own else self.value(hints[f.name])
            properties[_key(f)] = {**base, **own}
            if not f.metadata.get(OPTIONAL):
                required.append(_key(f))
        return {
            "type": "object",
            "required": required,
            "additionalProperties": False,
            "properties": properties,
        }

    def define(self, cls: type) -> str:
        name = def_name(cls)
        if name not in self.defs:
            self.defs[name] = {}  # claimed first: a type may refer to itself
            self.defs[name] = self.fields(cls)
        return name


def json_schema(cls: type, **head: Any) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a dataclass's JSON: `head` ($id, title,
    description...) first, then the object, then every dataclass it holds under $defs."""
    writer = _SchemaWriter()
    body = writer.fields(cls)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **head,
        **body,
        "$defs": dict(sorted(writer.defs.items())),
    }
