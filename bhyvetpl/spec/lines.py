"""Where each key of a TOML file is: tomllib parses values but keeps no line numbers.

Every error about a spec names the file, the line and the key, so this index maps each
dotted key path (`jails.bhyve.guests.fbsd1.cpu`) to the line that sets it, and each table
(`jails.bhyve`) to its header line. It reads only what it needs for that: headers,
`key =` lines, and enough of strings and arrays to skip lines that continue them.
"""

from __future__ import annotations

import re

_BARE_RE = re.compile(r"[A-Za-z0-9_-]+")


def _key(text: str) -> tuple[tuple[str, ...], str] | None:
    """A dotted key at the start of text, and what follows it; None if there is none."""
    parts: list[str] = []
    rest = text.lstrip()
    while True:
        if rest[:1] in ('"', "'"):
            end = rest.find(rest[0], 1)
            if end < 0:
                return None
            parts.append(rest[1:end])
            rest = rest[end + 1:].lstrip()
        else:
            match = _BARE_RE.match(rest)
            if not match:
                return None
            parts.append(match.group(0))
            rest = rest[match.end():].lstrip()
        if not rest.startswith("."):
            return tuple(parts), rest
        rest = rest[1:].lstrip()


def _open_brackets(value: str) -> int:
    """Brackets a value leaves open (strings skipped), to follow a multi-line array."""
    depth, quote = 0, ""
    for char in value:
        if quote:
            quote = "" if char == quote else quote
        elif char in ('"', "'"):
            quote = char
        elif char == "#":
            break
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
    return depth


def key_lines(text: str) -> dict[str, int]:
    """Each dotted key path and table header of a TOML text, with its 1-based line."""
    return _scan(text)[0]


def table_headers(text: str) -> list[tuple[int, tuple[str, ...]]]:
    """Every table header of a TOML text, in order: its 1-based line and its key path.

    Lines end at LF only (TOML's newline; a CRLF line keeps its CR), so line N here is
    the N-th piece of the text split at LF, where the spec editor inserts.
    """
    return _scan(text)[1]


def _scan(text: str) -> tuple[dict[str, int], list[tuple[int, tuple[str, ...]]]]:
    found: dict[str, int] = {}
    headers: list[tuple[int, tuple[str, ...]]] = []
    table: tuple[str, ...] = ()
    depth = 0
    multiline: str | None = None
    for number, line in enumerate(text.split("\n"), start=1):
        if multiline is not None:
            if multiline in line:
                multiline = None
            continue
        if depth > 0:
            depth += _open_brackets(line)
            continue
        stripped = line.strip()
        if stripped.startswith("["):
            inner = stripped.strip("[").split("]")[0]
            parsed = _key(inner)
            if parsed is not None:
                table = parsed[0]
                found.setdefault(".".join(table), number)
                headers.append((number, table))
            continue
        parsed = _key(stripped)
        if parsed is None or not parsed[1].startswith("="):
            continue
        path = ".".join(table + parsed[0])
        found.setdefault(path, number)
        value = parsed[1][1:].strip()
        for fence in ('"""', "'''"):
            if value.startswith(fence) and value.count(fence) == 1:
                multiline = fence
        depth = _open_brackets(value)
    return found, headers


def line_of(lines: dict[str, int], path: str) -> int:
    """The line of path, else of its nearest enclosing table that has one, else 1."""
    while path:
        if path in lines:
            return lines[path]
        path = path.rpartition(".")[0]
    return 1
