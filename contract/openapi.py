"""The project's OpenAPI 3.1 document of "Create a Recording", derived from the contract."""

from __future__ import annotations

import re
from typing import Any

from contract.rfc2822 import JSON_SCHEMA_PATTERN
from contract.terms import (
    CONTRACT_VERSION,
    ERROR_FIELDS,
    PARAMETERS,
    RESPONSE_FIELDS,
    Parameter,
    ResponseField,
)

CREATE_PATH = "/Accounts/{AccountSid}/Calls/{CallSid}/Recordings.json"

# RFC 2822's grammar as a pattern; the suite's SCHEMA-RFC2822 check also judges what a
# pattern cannot (nested comments, the day-of-week, days of the month).
RFC2822_PATTERN = JSON_SCHEMA_PATTERN


def _parameter_schema(p: Parameter) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "string", "description": p.sentence}
    if p.format == "uri":
        schema.update(format="uri", pattern=r"^https?://[^\s/]+")
    elif p.multi:
        one = "|".join(re.escape(v) for v in p.domain)
        schema["pattern"] = rf"^({one})( ({one}))*$"
    else:
        schema["enum"] = list(p.domain)
    if p.default is not None:
        schema["default"] = p.default
    return schema


def _field_schema(f: ResponseField) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": [f.json_type, "null"] if f.nullable else f.json_type}
    if f.always_null:
        schema = {"type": "null"}
    if f.format == "uuid":
        schema["format"] = "uuid"
    elif f.format == "rfc2822":
        schema["pattern"] = RFC2822_PATTERN
    if f.enum:
        schema["enum"] = list(f.enum)
    if f.json_type == "object":
        schema["additionalProperties"] = {"type": "string"}
    schema["description"] = f.sentence
    return schema


def recording_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": [f.name for f in RESPONSE_FIELDS],
        "properties": {f.name: _field_schema(f) for f in RESPONSE_FIELDS},
    }


def error_schema() -> dict[str, Any]:
    return {
        "type": "object",
        "required": list(ERROR_FIELDS),
        "properties": {name: {"type": t} for name, t in ERROR_FIELDS.items()},
    }


def openapi_document() -> dict[str, Any]:
    uuid_param = {"type": "string", "format": "uuid"}
    path_parameters = [
        {"name": n, "in": "path", "required": True, "schema": uuid_param}
        for n in ("AccountSid", "CallSid")
    ]
    json_of = lambda ref: {"application/json": {"schema": {"$ref": ref}}}  # noqa: E731
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Create a Recording (recording-conformance contract)",
            "version": CONTRACT_VERSION,
        },
        "paths": {
            CREATE_PATH: {
                "post": {
                    "operationId": "create_recording",
                    "parameters": path_parameters,
                    "requestBody": {
                        "required": False,
                        "content": {
                            "application/x-www-form-urlencoded": {
                                "schema": {
                                    "type": "object",
                                    "properties": {
                                        p.name: _parameter_schema(p) for p in PARAMETERS
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        # 200 is the contract's reading; 201 is tolerated (SUCCESS-STATUS-200).
                        "200": {
                            "description": "The request has succeeded.",
                            "content": json_of("#/components/schemas/Recording"),
                        },
                        "201": {
                            "description": "Created (tolerated).",
                            "content": json_of("#/components/schemas/Recording"),
                        },
                        "4XX": {
                            "description": "Refused.",
                            "content": json_of("#/components/schemas/Error"),
                        },
                    },
                },
                # The call's recordings, which the suite reads to see what a refused
                # request created; documented so the path's methods are all declared.
                "get": {
                    "operationId": "list_call_recordings",
                    "parameters": path_parameters,
                    "responses": {
                        "200": {
                            "description": "The call's recordings.",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["recordings"],
                                        "properties": {
                                            "recordings": {
                                                "type": "array",
                                                "items": {"$ref": "#/components/schemas/Recording"},
                                            }
                                        },
                                    }
                                }
                            },
                        },
                        "4XX": {
                            "description": "Refused.",
                            "content": json_of("#/components/schemas/Error"),
                        },
                    },
                },
            }
        },
        "components": {
            "schemas": {"Recording": recording_schema(), "Error": error_schema()},
            "securitySchemes": {"basic": {"type": "http", "scheme": "basic"}},
        },
        "security": [{"basic": []}],
    }
