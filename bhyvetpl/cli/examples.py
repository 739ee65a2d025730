"""Examples at the end of the long commands' --help (bhyvetpl(8) EXAMPLES has each of them).

Not a command module: boundary.run() hangs them on whichever command it was handed, the
whole app or one command built alone, by command path. tests/test_manpage.py checks that
the man page carries every line, tests/test_cli_conventions.py that each help fits.
"""

from __future__ import annotations

from typing import Any

EXAMPLES: dict[str, tuple[str, ...]] = {
    "bhyvetpl plan": ("bhyvetpl plan -f /usr/local/etc/bhyvetpl.toml",),
    "bhyvetpl apply": ("bhyvetpl apply --dry-run", "bhyvetpl apply"),
    "bhyvetpl new-guest": (
        "bhyvetpl new-guest lab web --preset linux --disk disk0.img,size=20G",
        "bhyvetpl new-guest lab fbsd1 --cpu 2 --memory 2G --start --dry-run"),
    "bhyvetpl render guest": (
        "bhyvetpl render guest web --preset linux --disk disk0.img,size=20G",
        "bhyvetpl render guest test --cpu 2 --memory 4G --passthru 1/0/0"),
    "bhyvetpl render jail": (
        "bhyvetpl render jail lab --release 14.3-RELEASE -o templates/lab",),
    "bhyvetpl render host": (
        "bhyvetpl render host --jail lab --guest web --uefi",),
    "bhyvetpl host prepare": (
        "bhyvetpl host prepare --jail lab --guest web --dry-run",
        "bhyvetpl host prepare --jail lab --guest web"),
    "bhyvetpl jail create": ("bhyvetpl jail create lab --emit sh > lab.sh",),
    "bhyvetpl jail apply": ("bhyvetpl jail apply lab --preset linux --dry-run",),
    "bhyvetpl doctor": ("bhyvetpl doctor lab",),
    "bhyvetpl audit": ("bhyvetpl audit lab --json",),
    "bhyvetpl templates install": ("bhyvetpl templates install --jail lab --preset linux",),
    "bhyvetpl completion": (
        "bhyvetpl completion zsh > /usr/local/share/zsh/site-functions/_bhyvetpl",
        "source <(bhyvetpl completion bash)"),
}


def add_examples(command: Any, path: str) -> None:
    """Give command (and its subcommands) the examples of their command path as an epilog."""
    lines = EXAMPLES.get(path)
    if lines and not getattr(command, "epilog", None):
        # \b keeps click from rewrapping the lines (each fits 80 columns, indented).
        command.epilog = "\b\nExamples:\n" + "\n".join(f"  {line}" for line in lines)
    for name, sub in getattr(command, "commands", {}).items():
        add_examples(sub, f"{path} {name}")
