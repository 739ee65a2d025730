"""Golden-file comparison; BHYVETPL_UPDATE_GOLDEN=1 rewrites a file and still fails with the diff.

An update is never a silent pass: the run that rewrites a golden file fails and shows what
changed, so a regression cannot be accepted by re-running with the variable set.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

GOLDEN = Path(__file__).resolve().parent / "golden"


def golden_diff(relpath: str, old: str | None, new: str) -> str:
    """A unified diff from the golden file's text (None: missing) to the rendered text."""
    lines = difflib.unified_diff((old or "").splitlines(keepends=True),
                                 new.splitlines(keepends=True),
                                 f"golden/{relpath}", "rendered")
    return "".join(lines) or "(no textual difference)"


def assert_golden(relpath: str, text: str) -> None:
    """Compare text with tests/golden/relpath; with BHYVETPL_UPDATE_GOLDEN=1 rewrite, then fail."""
    path = GOLDEN / relpath
    old = path.read_text(encoding="utf-8") if path.is_file() else None
    if old == text:
        return
    if os.environ.get("BHYVETPL_UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        raise AssertionError(f"updated golden file {relpath}; review the diff, then run "
                             f"again without BHYVETPL_UPDATE_GOLDEN:\n"
                             f"{golden_diff(relpath, old, text)}")
    if old is None:
        raise AssertionError(f"missing golden file {path}; create it with "
                             "BHYVETPL_UPDATE_GOLDEN=1 (that run fails and shows it)")
    raise AssertionError(f"{relpath} differs from its golden file:\n"
                         f"{golden_diff(relpath, old, text)}")
