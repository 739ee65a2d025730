"""The recorded FreeBSD 14 host `bhyvetpl demo --plan` plans the sample lab against.

Its facts and the host files they were read from ship in bhyvetpl/data/, built from
recorded FreeBSD outputs by tests/demo_facts.py (a test keeps them up to date).
"""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

from bhyvetpl.facts.model import Facts
from bhyvetpl.facts.record import loads
from bhyvetpl.hostfs import HostFS, as_bytes

DATA = Path(__file__).resolve().parent.parent / "data"
FACTS_FILE = DATA / "demo-facts.json"
ROOT_FILE = DATA / "demo-root.json"


def demo_facts() -> Facts:
    """The recorded host's facts."""
    return loads(FACTS_FILE.read_text(encoding="utf-8"), source=str(FACTS_FILE))


def demo_root(into: Path) -> Path:
    """Write the recorded host's files below into (an empty scratch directory); return it.

    A plan reads the host's files (rc.conf, jail.conf) to diff them; these are the
    files the recorded facts were read from.
    """
    files: dict[str, str] = json.loads(ROOT_FILE.read_text(encoding="utf-8"))
    fs = HostFS(into)
    for rel, text in files.items():
        fs.write(fs.place(PurePosixPath("/") / rel), as_bytes(text))
    return into
