"""Golden-file comparison; regenerate only on purpose with BHYVETPL_UPDATE_GOLDEN=1."""

from __future__ import annotations

import os
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "golden"


def assert_golden(relpath: str, text: str) -> None:
    """Compare text with tests/golden/relpath (or rewrite it when asked to)."""
    path = GOLDEN / relpath
    if os.environ.get("BHYVETPL_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert path.is_file(), f"missing golden file {path}; run with BHYVETPL_UPDATE_GOLDEN=1"
    assert text == path.read_text(encoding="utf-8"), f"{relpath} differs from its golden file"
