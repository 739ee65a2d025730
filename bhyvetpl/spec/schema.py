"""A JSON Schema of the spec file for editors, generated from the key tables in spec/keys.py."""

from __future__ import annotations

import json
from typing import Any

from bhyvetpl.spec.keys import GUEST_KEYS, HOST_KEYS, JAIL_KEYS, VERSION, Key

_TYPES: dict[str, dict[str, Any]] = {
    "str": {"type": "string"}, "int": {"type": "integer"}, "bool": {"type": "boolean"},
    "list": {"type": "array", "items": {"type": "string"}},
}


def _table(keys: dict[str, Key], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {name: {**_TYPES[key.kind], "description": key.form}
                             for name, key in keys.items()}
    return {"type": "object", "additionalProperties": False,
            "properties": {**props, **(extra or {})}}


def spec_schema() -> dict[str, Any]:
    """The schema as a dict (draft 2020-12)."""
    guest = _table(GUEST_KEYS)
    jail = _table(JAIL_KEYS, {"guests": {"type": "object", "additionalProperties": guest}})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "bhyvetpl spec",
        "type": "object",
        "additionalProperties": False,
        "required": ["version"],
        "properties": {
            "version": {"const": VERSION},
            "host": _table(HOST_KEYS),
            "jails": {"type": "object", "additionalProperties": jail},
        },
    }


def schema_json() -> str:
    """The schema as indented JSON text."""
    return json.dumps(spec_schema(), indent=2) + "\n"
