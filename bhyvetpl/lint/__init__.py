"""`bhyvetpl lint`: vm-bhyve guest configs and Bastillefiles, read the way their consumers do."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from bhyvetpl.errors import BhyvetplError
from bhyvetpl.hostfs.vmconf import is_known, load
from bhyvetpl.lint.bastillefile import HOOKS, lint_bastillefile
from bhyvetpl.lint.finding import Finding, Severity
from bhyvetpl.lint.vmconf import lint_vmconf

Kind = Literal["bastillefile", "vmconf"]
_FIRST_WORD = re.compile(r"([A-Za-z_+]+)[ \t]")


class LintInputError(BhyvetplError):
    """A path to lint is missing or unreadable."""


def detect_kind(path: Path, text: str) -> Kind:
    """`Bastillefile` by name; otherwise by the first hook-like or key=value line."""
    if path.name.lower() == "bastillefile":
        return "bastillefile"
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _FIRST_WORD.match(stripped)
        if match and match.group(1).isupper() and match.group(1).lower() in HOOKS:
            return "bastillefile"
        return "vmconf"
    return "vmconf"


def lint_text(path: Path, text: str, kind: Kind | None = None) -> list[Finding]:
    """Lint one file's text as the kind given or detected."""
    if (kind or detect_kind(path, text)) == "bastillefile":
        return lint_bastillefile(path, text)
    return lint_vmconf(path, text)


def expand(paths: Iterable[Path]) -> list[Path]:
    """Files as given; directories become their Bastillefiles and guest *.conf files."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.is_file() and (
                p.name == "Bastillefile" or (p.suffix == ".conf" and _is_guest_config(p))))
        elif path.is_file():
            files.append(path)
        else:
            raise LintInputError(f"{path}: no such file or directory")
    return files


def _is_guest_config(path: Path) -> bool:
    """A *.conf found in a directory counts when it sets a key vm-bhyve reads for guests."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return True  # let lint_paths report it
    return any(line.key and is_known(line.key) for line in load(text))


def lint_paths(paths: Iterable[Path]) -> list[Finding]:
    """Lint every file (directories expanded), in the order given."""
    findings: list[Finding] = []
    for path in expand(paths):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise LintInputError(f"{path}: cannot read: {exc}") from exc
        findings += lint_text(path, text)
    return findings


__all__ = ["Finding", "Kind", "LintInputError", "Severity", "detect_kind", "expand",
           "lint_paths", "lint_text"]
