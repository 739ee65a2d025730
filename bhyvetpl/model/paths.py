"""Checks for path flags: normalised, no `..`, no control or shell-active characters.

Two kinds. Paths on this machine (`--root`, `-o`, `--template`, `--cwd`) may be
relative and are taken from the working directory first. Paths in the host's or a
jail's namespace (`--prefix`, `--vm-dir`, `--sharedir`) must be absolute: they are
placed below `--root`, and without `..` they cannot leave it.
"""

from __future__ import annotations

import posixpath
import unicodedata
from pathlib import Path, PurePosixPath

from bhyvetpl.errors import SpecError
from bhyvetpl.model import values

# `$` and backticks expand in sh and in Bastille's `eval`; `%` is a printf directive;
# `\` and `"` are escapes in sh, vm-bhyve configs and rc.conf values.
FORBIDDEN = frozenset("$`%\\\"")
LOCAL_FORM = ("a path (relative ones start at the working directory) without `..`, "
              "control characters or any of $ ` % \\ \"")
TARGET_FORM = "an absolute path without `..`, control characters or any of $ ` % \\ \""


def _check(field: str, value: str, form: str) -> str:
    """The normalised path, or SpecError for `..`, control characters or shell-active ones."""
    if (not value or any(unicodedata.category(c).startswith("C") or c in FORBIDDEN
                         for c in value)
            or ".." in PurePosixPath(value).parts):
        raise SpecError(field, value, form)
    normal = posixpath.normpath(value)
    # normpath keeps a leading `//` (POSIX leaves its meaning open): one slash is enough.
    return "/" + normal.lstrip("/") if normal.startswith("/") else normal


def local_path(field: str, value: str | Path, cwd: Path | None = None) -> Path:
    """A path on this machine: absolute (from cwd, default the working directory), normal.

    Raises:
        SpecError: `..`, a control character, or a shell-active one (FORBIDDEN).
    """
    text = str(value)
    _check(field, text, LOCAL_FORM)
    base = (cwd or Path.cwd()).as_posix() if not text.startswith("/") else ""
    return Path(_check(field, posixpath.join(base, text) if base else text, LOCAL_FORM))


def target_path(field: str, value: str) -> PurePosixPath:
    """A path in the host's (or a jail's) namespace, to be placed below --root.

    Raises:
        SpecError: Relative, `..`, a control character, or a shell-active one.
    """
    if not value.startswith("/"):
        raise SpecError(field, value, TARGET_FORM)
    # These paths reach Bastille's eval and vm-bhyve's configs: after normalising, only
    # plain segments (values.abs_path) are taken, the narrowest form an admin path needs.
    return PurePosixPath(values.abs_path(field, _check(field, value, TARGET_FORM)))
