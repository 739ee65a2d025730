"""A jail.conf as Bastille writes it: one `NAME {` block, one parameter a line."""

from __future__ import annotations

import re
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class JailConf:
    """The parameters of one jail block in a jail.conf (`name;` becomes `name: ""`)."""

    name: str
    params: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)


def jail_conf(text: str, name: str | None) -> JailConf | None:
    """The `NAME { ... }` block of a jail.conf as Bastille writes it (one param a line).

    With name None, the first block: a jail's own jail.conf under Bastille holds one.
    """
    inside = False
    conf = JailConf(name or "")
    wanted = re.escape(name) if name else r"[^\s{]+"
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not inside:
            inside = re.fullmatch(rf"{wanted}\s*\{{", line) is not None
            continue
        if line.startswith("}"):
            return conf
        if not line.endswith(";"):
            continue
        key, sep, value = line[:-1].partition("=")
        key = key.strip().rstrip("+").strip()
        conf.params[key] = value.strip().strip("\"'") if sep else ""
        conf.lines[key] = number
    return conf if inside else None
