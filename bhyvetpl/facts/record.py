"""Facts to and from JSON, so tests and the demo plan against a recorded host.

The loader is strict: an unknown key, a missing required key or a value of the wrong
type is an error naming the path of the value, never a silently different host.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from typing import Any

from bhyvetpl.errors import SpecError
from bhyvetpl.facts.model import Facts

FORMAT = 1


def dumps(facts: Facts) -> str:
    """Facts as indented JSON with a format number (lists for tuples)."""
    return json.dumps({"format": FORMAT, "facts": dataclasses.asdict(facts)}, indent=2,
                      sort_keys=False) + "\n"


def loads(text: str, source: str = "facts") -> Facts:
    """Facts from dumps() output; SpecError names the bad value's place."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SpecError(source, f"line {exc.lineno}", "JSON written by `bhyvetpl facts "
                        "--json`") from exc
    if not isinstance(data, dict) or data.get("format") != FORMAT or "facts" not in data:
        raise SpecError(source, "format", f'an object with "format": {FORMAT} and "facts"')
    result = _build(Facts, data["facts"], f"{source}: facts")
    assert isinstance(result, Facts)  # noqa: S101 - _build returns the class it is given
    return result


def _build(kind: Any, value: Any, where: str) -> Any:
    """Check value against the type annotation kind and build it (recursively)."""
    origin = typing.get_origin(kind)
    if dataclasses.is_dataclass(kind) and isinstance(kind, type):
        return _build_class(kind, value, where)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(kind)
        if value is None and type(None) in options:
            return None
        inner = [o for o in options if o is not type(None)]
        return _build(inner[0], value, where)
    if origin is tuple:
        if not isinstance(value, list):
            raise SpecError(where, value, "a list")
        item = typing.get_args(kind)[0]
        return tuple(_build(item, v, f"{where}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        item = typing.get_args(kind)[1]
        if not isinstance(value, dict) or not all(
                isinstance(k, str) and type(v) is item for k, v in value.items()):
            raise SpecError(where, value, f"an object of {item.__name__}s")
        return dict(value)
    if kind is bool or kind is str or kind is int:
        if type(value) is not kind:
            raise SpecError(where, value, f"a {kind.__name__}")
        return value
    raise SpecError(where, value, f"a value of {kind}")  # pragma: no cover - model types only


def _build_class(cls: type, value: Any, where: str) -> Any:
    if not isinstance(value, dict):
        raise SpecError(where, value, f"an object for {cls.__name__}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(value) - names)
    if unknown:
        raise SpecError(f"{where}.{unknown[0]}", unknown[0], "a key of " + cls.__name__)
    kwargs = {name: _build(hints[name], value[name], f"{where}.{name}")
              for name in names if name in value}
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise SpecError(where, value, f"every required key of {cls.__name__}") from exc
