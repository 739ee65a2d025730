"""Where facts come from: one pass over the host below a root, or a file recorded earlier.

The CLI names a root or a file; reading either happens here, so no command module
touches the host or the runner's choice.
"""

from __future__ import annotations

from pathlib import Path

from bhyvetpl.adapters.runner import SubprocessRunner
from bhyvetpl.errors import SpecError
from bhyvetpl.facts.collect import HostReader, collect, read_cpu
from bhyvetpl.facts.model import Cpu, Facts
from bhyvetpl.facts.record import loads
from bhyvetpl.hostfs import HostFS
from bhyvetpl.model.paths import local_path


def host_facts(root: Path) -> Facts:
    """Collect the facts of the host whose `/` is root (its fixed probes, then its files)."""
    return collect(SubprocessRunner(), HostFS(local_path("--root", root)))


def host_cpu(root: Path) -> Cpu | None:
    """Only the CPU of the host whose `/` is root, as collect reads it (no process).

    For the flag commands, which read no other fact: a staging --root has no
    dmesg.boot, and the CPU is then unknown.
    """
    return read_cpu(HostReader(HostFS(local_path("--root", root))))


def recorded_facts(path: Path, flag: str = "--load") -> Facts:
    """Load facts that `bhyvetpl facts --json` wrote to path; errors name flag.

    Raises:
        SpecError: The file cannot be read, or is not such a record (exit 2).
    """
    where = local_path(flag, path)
    try:
        text = where.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(flag, str(path), "a readable file written by "
                        "`bhyvetpl facts --json`") from exc
    return loads(text, source=str(path))
