"""Writing rendered files (atomically, all or nothing) and plain-text summaries."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from bhyvetpl.errors import BhyvetplError
from bhyvetpl.render import RenderedFile


class OutputError(BhyvetplError):
    """A rendered file could not be written."""


# Host files are not always UTF-8 (a Latin-1 comment in rc.conf): keep unknown bytes as
# they are, both when reading them and when writing the edited file back.
BYTES_AS_IS = "surrogateescape"


def write_atomic(path: Path, text: str, mode: int | None = None) -> bool:
    """Write text to path via a temp file and rename; return False if it was unchanged.

    mode sets the new file's permission bits (mkstemp alone would leave 0600).
    """
    try:
        if path.is_file() and path.read_text(encoding="utf-8", errors=BYTES_AS_IS) == text:
            return False
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", errors=BYTES_AS_IS,
                           newline="\n") as handle:
                handle.write(text)
                if mode is not None:
                    os.fchmod(handle.fileno(), mode)
            Path(tmp).replace(path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from exc
    return True


def write_tree(root: Path, files: Sequence[RenderedFile]) -> list[Path]:
    """Write every file below root; the files were all rendered before the first write."""
    written = []
    for rendered in files:
        target = root.joinpath(*rendered.relpath.parts)
        write_atomic(target, rendered.text)
        written.append(target)
    return written


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain aligned text table (cheap to import, readable in any terminal or log)."""
    widths = [max(len(str(c)) for c in col) for col in zip(headers, *rows, strict=False)]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip(), line]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
            for row in rows]
    return "\n".join(out)


def tree(root: Path, paths: Sequence[Path]) -> str:
    """The written files as an indented tree below root."""
    lines = [f"{root}/"]
    seen: set[tuple[str, ...]] = set()
    for path in sorted(paths):
        parts = path.relative_to(root).parts
        for depth in range(1, len(parts) + 1):
            key = parts[:depth]
            if key not in seen:
                seen.add(key)
                suffix = "/" if depth < len(parts) else ""
                lines.append("    " * depth + parts[depth - 1] + suffix)
    return "\n".join(lines)
