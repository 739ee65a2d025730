"""The one routine that quotes a word for /bin/sh; every emitted argument goes through it."""

from __future__ import annotations

import re

SAFE_RE = re.compile(r"[A-Za-z0-9@%+=:,./_-]+", re.ASCII)


def quote(word: str) -> str:
    r"""Quote word for POSIX sh: bare when it holds only inert characters, else '...'.

    Inside single quotes nothing is special but the quote itself, written as '\''.
    """
    if SAFE_RE.fullmatch(word):
        return word
    return "'" + word.replace("'", "'\\''") + "'"


def join(argv: tuple[str, ...] | list[str]) -> str:
    """A command line for sh: each word quoted by `quote`."""
    return " ".join(quote(word) for word in argv)
