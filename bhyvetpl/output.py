"""Writing rendered files (atomically, never over a file bhyvetpl did not write) and summaries."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path, PurePosixPath

from bhyvetpl.errors import BhyvetplError, ExitCode
from bhyvetpl.hostfs import NEW_FILE_MODE, HostFS, as_bytes
from bhyvetpl.render import RenderedFile


class OutputError(BhyvetplError):
    """A rendered file could not be written."""


class OverwriteError(OutputError):
    """An existing file bhyvetpl did not write would be replaced (exit 2; --force does it)."""

    exit_code = ExitCode.USAGE


# `render -o DIR` keeps here what it wrote: relpath and sha256. A file whose bytes still
# match its line was written by bhyvetpl and not edited since, so it may be replaced.
MANIFEST = ".bhyvetpl-manifest"


def _digest(data: bytes) -> str:
    import hashlib  # only -o needs it: kept off the start-up path of a printing render

    return hashlib.sha256(data).hexdigest()


def _manifest(fs: HostFS) -> dict[str, str]:
    text = fs.read_text(fs.root / MANIFEST) or ""
    pairs = (line.split("  ", 1) for line in text.splitlines() if "  " in line)
    return {rel: digest for digest, rel in pairs}


def write_tree(root: Path, files: Sequence[RenderedFile], force: bool = False) -> list[Path]:
    """Write every file below root; the files were all rendered before the first write.

    An existing file is replaced only when bhyvetpl wrote it (its bytes match the
    manifest) or force is set; it keeps its mode. Checked for every file first, so a
    refusal writes nothing.

    Raises:
        OverwriteError: A file bhyvetpl did not write (or one edited since) is in the way.
    """
    fs = HostFS(root)
    known = _manifest(fs)
    plan = []
    for rendered in files:
        rel = rendered.relpath.as_posix()
        target = fs.root.joinpath(*rendered.relpath.parts)
        current = fs.read(target)
        data = as_bytes(rendered.text)
        if (current is not None and not force and current.data != data
                and known.get(rel) != _digest(current.data)):
            raise OverwriteError(f"{target} exists and was not written by bhyvetpl (or was "
                                 "edited since): move it away, or pass --force to replace it")
        plan.append((rel, target, data, current.mode if current else NEW_FILE_MODE))
    written = []
    for rel, target, data, mode in plan:
        if (now := fs.read(target)) is None or now.data != data:
            fs.write(target, data, mode)
        known[rel] = _digest(data)
        written.append(target)
    fs.write(fs.root / MANIFEST, as_bytes("".join(
        f"{digest}  {rel}\n" for rel, digest in sorted(known.items()))))
    return written


def write_file(path: Path, text: str, force: bool = False) -> Path:
    """Write one rendered file (`render guest -o`, `import vmrun -o`) with write_tree's rule.

    The file's folder keeps the manifest, so a file there that bhyvetpl did not write
    (or one edited since) is refused unless force is set, as for a folder of files.
    """
    path = path.absolute()
    return write_tree(path.parent, [RenderedFile(PurePosixPath(path.name), text)], force)[0]


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
