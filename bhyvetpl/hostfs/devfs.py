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


def matches(pattern: str, node: str) -> bool:
    """Match a devfs rule path as fnmatch(3) with FNM_PATHNAME does: * never crosses /."""
    regex = "".join("[^/]*" if ch == "*" else "[^/]" if ch == "?" else re.escape(ch)
                    for ch in pattern)
    return re.fullmatch(regex, node) is not None
