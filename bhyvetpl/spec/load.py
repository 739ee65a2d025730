"""Read a spec file into checked sections; every error names the file, the line and the key.

Types and key names are checked here against spec/keys.py; values are checked by the
model, the same code the flags go through, and a model error is re-raised at the line
of the key it concerns.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bhyvetpl.errors import SpecError
from bhyvetpl.spec.keys import GUEST_KEYS, HOST_KEYS, JAIL_KEYS, TOP_KEYS, VERSION, Key
from bhyvetpl.spec.lines import key_lines, line_of

DEFAULT_SPEC = Path("/usr/local/etc/bhyvetpl.toml")
_AT_LINE_RE = re.compile(r"\(at line ([0-9]+),")
Values = dict[str, Any]


class SpecFileError(SpecError):
    """A spec file error: `FILE:LINE: KEY: ...`, one line, exit 2."""

    def __init__(self, source: str, line: int, key: str, value: object, accepted: str) -> None:
        """Place the message at the file and line of the key."""
        super().__init__(f"{source}:{line}: {key}", value, accepted)
        self.line = line


@dataclass(frozen=True, slots=True)
class GuestEntry:
    """`[jails.J.guests.G]`: the guest's keys as written."""

    name: str
    values: Values


@dataclass(frozen=True, slots=True)
class JailEntry:
    """`[jails.J]`: the jail's keys as written, and its guests in file order."""

    name: str
    values: Values
    guests: tuple[GuestEntry, ...] = ()


@dataclass(frozen=True, slots=True)
class SpecFile:
    """A spec as read: its source name and text, host keys and jails in file order."""

    source: str
    text: str
    host: Values = field(default_factory=dict)
    jails: tuple[JailEntry, ...] = ()

    @property
    def lines(self) -> dict[str, int]:
        """Each key's line: scanned only when an error needs it (a big spec has thousands)."""
        return key_lines(self.text)

    def error(self, path: str, value: object, accepted: str) -> SpecFileError:
        """An error placed at path's line (or its table's)."""
        return SpecFileError(self.source, line_of(self.lines, path), path, value, accepted)


def _check_kind(spec: SpecFile, path: str, key: Key, value: object) -> None:
    ok = {"str": isinstance(value, str), "bool": isinstance(value, bool),
          "int": isinstance(value, int) and not isinstance(value, bool),
          "list": isinstance(value, list) and all(isinstance(v, str) for v in value)}[key.kind]
    if not ok:
        kind = {"str": "a string", "int": "a whole number", "bool": "true or false",
                "list": "a list of strings"}[key.kind]
        raise spec.error(path, value, f"{kind}: {key.form}")


def _section(spec: SpecFile, path: str, table: object, keys: dict[str, Key],
             nested: tuple[str, ...] = ()) -> Values:
    if not isinstance(table, dict):
        raise spec.error(path, table, "a table")
    out: Values = {}
    for name, value in table.items():
        if name in nested:
            continue
        if name not in keys:
            raise spec.error(f"{path}.{name}", name, "one of " + ", ".join(
                [*keys, *nested]))
        _check_kind(spec, f"{path}.{name}", keys[name], value)
        out[name] = value
    return out


def parse_spec(text: str, source: str) -> SpecFile:
    """Check the structure and types of a spec's text (values are the model's to check)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        where = _AT_LINE_RE.search(str(exc))
        raise SpecFileError(source, int(where.group(1)) if where else 1, "toml",
                            str(exc).split(" (at ")[0], "TOML syntax") from exc
    spec = SpecFile(source, text)
    for name in data:
        if name not in TOP_KEYS:
            raise spec.error(name, name, "one of " + ", ".join(TOP_KEYS))
    if data.get("version") != VERSION:
        raise spec.error("version", data.get("version"), f"version = {VERSION}")
    host = _section(spec, "host", data.get("host", {}), HOST_KEYS)
    jails = []
    raw_jails = data.get("jails", {})
    if not isinstance(raw_jails, dict):
        raise spec.error("jails", raw_jails, "tables [jails.NAME]")
    for jail, table in raw_jails.items():
        values = _section(spec, f"jails.{jail}", table, JAIL_KEYS, nested=("guests",))
        raw_guests = table.get("guests", {})
        if not isinstance(raw_guests, dict):
            raise spec.error(f"jails.{jail}.guests", raw_guests, "tables [jails.J.guests.NAME]")
        guests = tuple(GuestEntry(g, _section(spec, f"jails.{jail}.guests.{g}", t, GUEST_KEYS))
                       for g, t in raw_guests.items())
        jails.append(JailEntry(jail, values, guests))
    return SpecFile(source, text, host, tuple(jails))


def example_spec(name: str = "lab") -> Path:
    """A shipped example spec: in the wheel (bhyvetpl/examples), or the checkout's examples/."""
    here = Path(__file__).resolve().parent.parent
    for candidate in (here / "examples", here.parent / "examples"):
        if (candidate / f"{name}.toml").is_file():
            return candidate / f"{name}.toml"
    raise SpecError("example", name, f"an example shipped next to {here}")


def read_spec(path: Path) -> SpecFile:
    """Read and check a spec file; a missing or unreadable file is an error naming it."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"spec {path}", exc.strerror or str(exc), "a readable TOML file"
                        ) from exc
    except UnicodeDecodeError as exc:
        raise SpecError(f"spec {path}", "not UTF-8", "a UTF-8 TOML file") from exc
    return parse_spec(text, str(path))
