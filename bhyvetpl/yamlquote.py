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

_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r", "\0": "\\0"}


def _token(char: str) -> str:
    """One character as it may stand inside a double-quoted YAML scalar."""
    if char in _ESCAPES:
        return _ESCAPES[char]
    code = ord(char)
    if 0xD800 <= code <= 0xDFFF:
        # A byte that was not UTF-8 (surrogateescape): YAML has no way to say it.
        raise ValueError("text that is not UTF-8 cannot be written into a playbook")
    if code < 0x20 or 0x7F <= code <= 0x9F:
        return f"\\x{code:02x}"
    if code > 0x7E:   # printable, but kept ASCII so no reader's encoding matters
        return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
    return char


_PLAIN_RE = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]([\x20\x21\x23-\x5b\x5d-\x7e\n]*"
                       r"[\x21\x23-\x5b\x5d-\x7e])?")


def _folded(text: str, indent: int, unsafe: bool) -> str:
    """Printable ASCII without quote or backslash, no line starting blank: fold by slicing."""
    pad = "\\\n" + " " * indent
    pieces = []
    for part in text.split("\n"):
        cuts = []
        while len(part) > WIDTH:
            cut = WIDTH
            while cut > 1 and part[cut] == " ":   # a continuation may not start blank
                cut -= 1
            cuts.append(part[:cut])
            part = part[cut:]
        cuts.append(part)
        pieces.append(pad.join(cuts))
    return ("!unsafe " if unsafe else "") + '"' + ("\\n" + pad).join(pieces) + '"'


def quote(text: str, indent: int = 0, unsafe: bool = True) -> str:
    """Text as one YAML scalar that Ansible reads back exactly and never templates.

    Args:
        text: Any text (lone surrogates excepted).
        indent: The column continuation lines start at (deeper than the key's).
        unsafe: Tag it `!unsafe`; only off for text bhyvetpl composes itself.
    """
    # Ansible's loader resolves an `!unsafe` scalar's type as if it were plain, quotes or
    # not: `!unsafe "1"` is the number 1 and `!unsafe ""` is null. Jinja starts only at
    # `{{`, `{%` or `{#`, so text without `{` needs no tag, and with one it is no number.
    unsafe = unsafe and "{" in text
    if _PLAIN_RE.fullmatch(text) and "\n " not in text:   # common: no token per character
        return _folded(text, indent, unsafe)
    tokens = [_token(c) for c in text]
    lines: list[str] = []
    current = ""
    for index, token in enumerate(tokens):
        if not current and lines and token in (" ", "\t"):
            # leading blanks would be dropped
            token = "\\x20" if token == " " else "\\t"  # noqa: S105
        current += token
        breaks_here = token == "\\n" and index + 1 < len(tokens)  # noqa: S105
        if breaks_here or len(current) >= WIDTH:
            lines.append(current)
            current = ""
    if current or not lines:
        lines.append(current)
    pad = " " * indent
    body = ("\\\n" + pad).join(lines)
    return ("!unsafe " if unsafe else "") + f'"{body}"'
