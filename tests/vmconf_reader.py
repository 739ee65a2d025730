"""vm-bhyve's config::load and config::get, as reference.md section 2 describes them.

Used to prove that what bhyvetpl renders is read back as meant, without vm-bhyve.
"""

from __future__ import annotations

import re


def load(text: str) -> dict[str, str]:
    """Keep lines starting with [a-z], cut at '#', strip trailing spaces, delete '"'.

    config::get takes the first line whose text before '=' is the key.
    """
    values: dict[str, str] = {}
    for raw in text.split("\n"):
        if not re.match(r"[a-z]", raw):
            continue
        line = raw.split("#", 1)[0].rstrip(" ").replace('"', "")
        key, sep, value = line.partition("=")
        if sep and key not in values:
            values[key] = value
    return values
