"""The one routine quoting text for the Ansible playbook: YAML injection is shell injection.

A value from the plan (a path, an argv word, a file's text) becomes one double-quoted
YAML scalar in which every character that could end it, start an escape or a comment,
or be read as anything but itself is escaped, and which carries Ansible's `!unsafe`
tag when it holds a `{`, so that `{{` in it is never templated. Long values are folded
with escaped line breaks (YAML 1.2, 7.3.1), which add no character: lines stay short.
"""

from __future__ import annotations

import re

WIDTH = 100   # ansible-lint's yamllint allows 160 columns; indentation comes on top
# A piece of WIDTH characters escapes to at most 10 times as many (\UXXXXXXXX): longer
# than this, it is cut again into pieces of WIDTH // 10.
LIMIT = 140

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}
# What is not printable ASCII other than `"` and `\`: the only characters escaped.
_SPECIAL_RE = re.compile(r'[^\x20\x21\x23-\x5b\x5d-\x7e]')
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _token(char: str) -> str:
    """One character as it may stand inside a double-quoted YAML scalar."""
    if char in _ESCAPES:
        return _ESCAPES[char]
    code = ord(char)
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return f"\\x{code:02x}"
    # printable, but kept ASCII so no reader's encoding matters
    return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"


def _escape(text: str) -> str:
    """Text with every special character escaped; safe runs are copied by the regex engine."""
    return _SPECIAL_RE.sub(lambda found: _token(found.group()), text)


def _lines(segment: str, first: bool) -> list[str]:
    r"""One line of the text (no LF) as escaped pieces, each short enough for a YAML line.

    A folded continuation line loses its leading blanks (YAML 1.2, 7.3.1): a piece
    that starts with a space, other than the scalar's first, starts with `\x20`.
    """
    pieces: list[str] = []
    start = 0
    while start < len(segment) or not pieces:
        raw = segment[start:start + WIDTH]
        piece = _escape(raw)
        if len(piece) > LIMIT:
            raw = segment[start:start + WIDTH // 10]
            piece = _escape(raw)
        if piece[:1] == " " and not (first and not pieces):
            piece = "\\x20" + piece[1:]
        pieces.append(piece)
        start += len(raw)
        if not raw:
            break
    return pieces


def quote(text: str, indent: int = 0, unsafe: bool = True) -> str:
    """Text as one YAML scalar that Ansible reads back exactly and never templates.

    Args:
        text: Any text (lone surrogates excepted).
        indent: The column continuation lines start at (deeper than the key's).
        unsafe: Tag it `!unsafe`; only off for text bhyvetpl composes itself.

    Raises:
        ValueError: The text holds a lone surrogate (a byte that was not UTF-8).
    """
    if _SURROGATE_RE.search(text):
        # A byte that was not UTF-8 (surrogateescape): YAML has no way to say it.
        raise ValueError("text that is not UTF-8 cannot be written into a playbook")
    # Ansible's loader resolves an `!unsafe` scalar's type as if it were plain, quotes or
    # not: `!unsafe "1"` is the number 1 and `!unsafe ""` is null. Jinja starts only at
    # `{{`, `{%` or `{#`, so text without `{` needs no tag, and with one it is no number.
    unsafe = unsafe and "{" in text
    tag = "!unsafe " if unsafe else ""
    if len(text) <= WIDTH and not _SPECIAL_RE.search(text) and text[:1] != " ":
        return f'{tag}"{text}"'   # the common case: one short line, nothing to escape
    segments = text.split("\n")
    lines: list[str] = []
    for number, segment in enumerate(segments):
        pieces = _lines(segment, number == 0)
        if number + 1 < len(segments):
            pieces[-1] += "\\n"   # and the YAML line breaks after it
        lines += pieces
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()   # text ending in LF: its `\n` closes the last line
    body = ("\\\n" + " " * indent).join(lines)
    return f'{tag}"{body}"'
