"""Pure text edits of host files: bhyvetpl's marked blocks and devfs ruleset headers.

emit.py carries an awk program that does exactly what `replace_block` does, so the
Python run and the sh script leave byte-identical files.
"""

from __future__ import annotations

from dataclasses import dataclass

from bhyvetpl.errors import BhyvetplError, ExitCode
from bhyvetpl.hostfs import devfs
from bhyvetpl.model.jail import RESERVED_RULESETS
from bhyvetpl.plan.actions import EditBlock, WriteFile


class HostFileError(BhyvetplError):
    """A host file cannot be edited safely (an unterminated block, no anchor line)."""


class RulesetInUseError(BhyvetplError):
    """The devfs ruleset number or name is taken by a ruleset bhyvetpl did not write."""

    exit_code = ExitCode.USAGE


def _lines(text: str) -> list[str]:
    """Lines as awk reads them: split at LF only; a final LF starts no other line.

    A lone CR is not a line break, and a CRLF line keeps its CR.
    """
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def _is(line: str, marker: str) -> bool:
    """Whether line is the marker, ended by LF or by CRLF (a file edited on Windows)."""
    return line in (marker, marker + "\r")


def _find(lines: list[str], marker: str, start: int = 0) -> int | None:
    return next((i for i in range(start, len(lines)) if _is(lines[i], marker)), None)


def replace_block(text: str, block: str, begin: str, end: str,
                  anchor: str | None = None, name: str = "file") -> str:
    """Return text with the block between begin and end replaced by block, or added.

    Every other byte stays as it was; in a file whose first line ends in CRLF the new
    block's lines end in CRLF too.

    Args:
        text: The file as it is now ("" when it does not exist).
        block: The new block, markers included.
        begin: The opening marker line.
        end: The closing marker line.
        anchor: Add a missing block before the last line equal to this (None: at the end).
        name: The file's name, for error messages.

    Raises:
        HostFileError: The block has no end marker, or the anchor line is missing.
    """
    lines, new = _lines(text), _lines(block)
    if lines and lines[0].endswith("\r"):   # a CRLF file stays CRLF
        new = [line + "\r" for line in new]
    start = _find(lines, begin)
    if start is not None:
        stop = _find(lines, end, start + 1)
        if stop is None:
            raise HostFileError(f"{name}: `{begin}` has no `{end}` after it; fix the file "
                                "by hand")
        out = lines[:start] + new + lines[stop + 1:]
    elif anchor is None:
        out = lines + new
    else:
        at = next((i for i in range(len(lines) - 1, -1, -1) if _is(lines[i], anchor)), None)
        if at is None:
            raise HostFileError(f"{name}: no line `{anchor}` to put the block before")
        out = lines[:at] + new + lines[at:]
    return "".join(line + "\n" for line in out)


def strip_block(text: str, begin: str, end: str) -> list[str]:
    """The lines outside bhyvetpl's own block (an unterminated block hides nothing)."""
    lines = _lines(text)
    start = _find(lines, begin)
    stop = _find(lines, end, start + 1) if start is not None else None
    if start is not None and stop is not None:
        return lines[:start] + lines[stop + 1:]
    return lines


@dataclass(frozen=True, slots=True)
class RulesetClash:
    """A ruleset header outside bhyvetpl's block that uses our number or name."""

    header: str
    next_free: int


def ruleset_clash(text: str, number: int, name: str, begin: str, end: str) -> RulesetClash | None:
    """Find a foreign ruleset header using number or name, and the next free number."""
    used: set[int] = set(RESERVED_RULESETS)
    clash = None
    for line in strip_block(text, begin, end):
        found = devfs.header(line)
        if found:
            used.add(found[1])
            if clash is None and (found[1] == number or found[0] == name):
                clash = line.strip()
    if clash is None:
        return None
    free = number + 1
    while free in used:
        free += 1
    return RulesetClash(clash, free)


def new_text(step: WriteFile | EditBlock, current: str | None) -> str:
    """What the file holds after the step (pure: apply, dry-run diffs and plan use it)."""
    if isinstance(step, WriteFile):
        return step.text
    return replace_block(current or "", step.block, step.begin, step.end, step.anchor,
                         str(step.path))
