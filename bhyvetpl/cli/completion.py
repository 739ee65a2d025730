"""`bhyvetpl completion bash|zsh|fish`: the completion script; `--names`: what it completes.

The script is written from the whole command tree (bhyvetpl.cli.app), so it names every
command and flag of this version; only `--names` runs on a Tab press, and it reads files
(bhyvetpl.facts.names), never runs a program or writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from bhyvetpl import __version__
from bhyvetpl.cli import typer_compat
from bhyvetpl.completion import FILES, JAILS, NONE, SCRIPTS, Node
from bhyvetpl.errors import SpecError

# Positional arguments that name an existing jail (new-guest JAIL, doctor and audit [JAIL],
# jail apply).
JAIL_ARGS = {("new-guest", "jail"), ("doctor", "jail"), ("audit", "jail"), ("jail apply", "name")}


def completion_cmd(
    shell: Annotated[str | None, typer.Argument(
        help="bash, zsh or fish: print that shell's completion script.")] = None,
    names: Annotated[str | None, typer.Option(
        help="jails or guests: print the names found below --root, one a line "
             "(what the scripts complete; reads files only).")] = None,
    jail: Annotated[str | None, typer.Option(
        help="With --names guests: only this jail's guests.")] = None,
    root: Annotated[Path, typer.Option(help="Where / is, for --names.")] = Path("/"),
) -> None:
    """Print a shell completion script. See EXAMPLES in bhyvetpl(8) for where it goes."""
    if names is not None:
        _print_names(names, jail, root)
        return
    if shell not in SCRIPTS:
        raise SpecError("shell", shell or "", "one of " + ", ".join(SCRIPTS))
    from bhyvetpl.cli.app import app  # the whole tree: only when a script is asked for

    typer.echo(SCRIPTS[shell](nodes(typer.main.get_command(app)), __version__), nl=False)


def _print_names(kind: str, jail: str | None, root: Path) -> None:
    from bhyvetpl.facts.names import host_names

    typer.echo("".join(f"{name}\n" for name in host_names(kind, root, jail)), nl=False)


def nodes(command: Any, path: tuple[str, ...] = ()) -> list[Node]:
    """The command tree as completion sees it: each command's words, depth first."""
    options = [p for p in command.params
               if p.param_type_name == "option" and not getattr(p, "hidden", False)]
    flags = [*(o for p in options for o in (*p.opts, *p.secondary_opts)), "--help"]
    values = [o for p in options if not p.is_flag for o in p.opts]
    files = [o for p in options if not p.is_flag and typer_compat.is_path(p) for o in p.opts]
    args = []
    for param in command.params:
        if param.param_type_name != "argument":
            continue
        kind = (JAILS if (" ".join(path), param.name) in JAIL_ARGS
                else FILES if typer_compat.is_path(param)
                else NONE)
        args.append(kind + ("..." if param.nargs == -1 else ""))
    subs = getattr(command, "commands", {})
    node = Node(path, tuple(subs), tuple(flags), tuple(values), tuple(files),
                tuple(o for o in values if o == "--jail"),
                tuple(o for o in values if o == "--guest"), tuple(args))
    found = [node]
    for name, sub in subs.items():
        if not getattr(sub, "hidden", False):
            found += nodes(sub, (*path, name))
    return found
