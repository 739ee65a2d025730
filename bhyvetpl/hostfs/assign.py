"""`name="value"` files that sh sources or the loader reads: rc.conf, loader.conf, bastille.conf.

One reader for all of them, read the way sh reads plain assignments: single or double
quotes, a bare word, a trailing `# comment`, the last assignment winning. With
`expand=True` (bastille.conf), `$name` and `${name}` in double quotes or bare words take
the value of an earlier line; anything sh would have to run (`$(...)`, backticks, a name
the file does not set) makes the value unreadable (None) rather than guessed.

loader.conf is read by the loader itself (stand/lua/config.lua), not by sh: with
`sh=False` a `$(...)` or a backtick is text the loader keeps, not a command.
"""

from __future__ import annotations

import re

_LINE_RE = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_.]*)=(.*)", re.ASCII)
_VAR_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)", re.ASCII)
_TAIL_RE = re.compile(r"\s*(#.*)?")


def _word(text: str) -> tuple[str, bool] | None:
    """The value at the start of text and whether sh would expand it; None if malformed."""
    if text[:1] in ("'", '"'):
        end = text.find(text[0], 1)
        if end < 0 or not _TAIL_RE.fullmatch(text[end + 1:]):
            return None
        return text[1:end], text[0] == '"'
    word, _, rest = text.partition(" ")
    word, _, tab_rest = word.partition("\t")
    if not _TAIL_RE.fullmatch(" " + rest + tab_rest) or "#" in word or "'" in word or '"' in word:
        return None
    return word, True


def assignments(text: str, *, expand: bool = False, sh: bool = True) -> dict[str, str | None]:
    """Every assigned name with its value (None: present, but not readable without sh).

    Args:
        text: The file.
        expand: Replace `$name` and `${name}` with earlier lines' values (bastille.conf).
        sh: The file is sourced by sh, so a value that runs a command is unreadable.
    """
    found: dict[str, str | None] = {}
    for line in text.splitlines():
        match = _LINE_RE.fullmatch(line)
        if not match:
            continue
        name, parsed = match.group(1), _word(match.group(2))
        if parsed is None:
            found[name] = None
            continue
        value, expands = parsed
        if sh and expands and ("`" in value or "$(" in value):
            found[name] = None
            continue
        if expands and expand:
            value = _VAR_RE.sub(lambda m: found.get(m.group(1) or m.group(2)) or "\0", value)
            found[name] = None if "\0" in value else value
        else:
            found[name] = value
    return found


def readable(text: str, *, sh: bool = True) -> dict[str, str]:
    """The assignments whose values can be read without sh (rc.conf, loader.conf)."""
    return {k: v for k, v in assignments(text, sh=sh).items() if v is not None}
