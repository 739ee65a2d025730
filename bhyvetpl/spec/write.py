"""Write a spec file: atomically, and never over an existing one unless asked."""

from __future__ import annotations

from pathlib import Path

from bhyvetpl.errors import SpecError
from bhyvetpl.hostfs import HostFS, as_bytes


def write_spec(path: Path, text: str, force: bool = False) -> None:
    """Write text to path (temp file and rename; a symlink is refused).

    Raises:
        SpecError: path exists and force is not set (exit 2): a spec is the admin's.
    """
    fs = HostFS(path.parent)
    if not force and fs.read(path) is not None:
        raise SpecError(str(path), "exists", "a new file, or --force to replace it")
    fs.write(path, as_bytes(text))
