"""/etc/devfs.rules: its ruleset headers, includes and unhidden paths, and rule matching.

One header pattern serves host prepare's clash check, emit.py's awk and the doctor. It
reads headers as rc.subr's devfs_rulesets_from_file does (a line of the shape `[...]...`
after `read` drops leading blanks, the number taken after the `=`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# The same pattern as emit.py's awk check: `[NAME=NUMBER]`, NAME without "=".
HEADER_RE = re.compile(r"^[ \t]*\[([^=]*)=([0-9]+)\]")
_UNHIDE_RE = re.compile(r"^\s*add\s+path\s+(['\"]?)([^'\"\s]+)\1\s+unhide\b")


def header(line: str) -> tuple[str, int] | None:
    """The (name, number) of a ruleset header line, or None for any other line."""
    match = HEADER_RE.match(line)
    return (match.group(1), int(match.group(2))) if match else None


@dataclass(frozen=True, slots=True)
class Ruleset:
    """One `[name=NUMBER]` section of devfs.rules: its includes and unhidden paths."""

    name: str
    number: int
    line: int
    includes: tuple[str, ...] = ()
    unhidden: tuple[str, ...] = ()


def rulesets(text: str) -> tuple[Ruleset, ...]:
    """Parse /etc/devfs.rules (comments start with #, anywhere on a line)."""
    sections: list[Ruleset] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0]
        found = header(line)
        if found:
            sections.append(Ruleset(found[0], found[1], number))
            continue
        if not sections:
            continue
        last = sections[-1]
        words = line.split()
        if words[:2] == ["add", "include"] and len(words) > 2:
            sections[-1] = Ruleset(last.name, last.number, last.line,
                                   (*last.includes, words[2]), last.unhidden)
        elif match := _UNHIDE_RE.match(line):
            sections[-1] = Ruleset(last.name, last.number, last.line, last.includes,
                                   (*last.unhidden, match.group(2)))
    return tuple(sections)


_GLOB_RE = re.compile(r"\*|\?|\[!?\]?[^]/]*\]|.", re.DOTALL)


def _glob_part(part: str) -> str:
    if part == "*":
        return "[^/]*"
    if part == "?":
        return "[^/]"
    if len(part) > 2 and part.startswith("["):
        negate = part[1] == "!"
        body = part[2:-1] if negate else part[1:-1]
        escaped = "".join("\\" + ch if ch in "\\^[]" else ch for ch in body)
        return f"[^/{escaped}]" if negate else f"[{escaped}]"
    return re.escape(part)


def matches(pattern: str, node: str) -> bool:
    """Match a devfs rule path as the kernel's fnmatch(3) with FNM_PATHNAME does.

    `*` and `?` never cross `/`; `[...]` (and `[!...]`) is a bracket expression, as in
    devfs_rule.c's devfs_rule_matchpath -> fnmatch(pattern, path, FNM_PATHNAME).
    """
    regex = "".join(_glob_part(part) for part in _GLOB_RE.findall(pattern))
    return re.fullmatch(regex, node) is not None
