"""`bhyvetpl demo`: the sample lab rendered, or a spec planned against a recorded host.

Its own module, so `bhyvetpl render ...` never imports the facts, spec and plan layers.
"""

from __future__ import annotations

import tempfile
from pathlib import Path, PurePosixPath
from typing import Annotated

import typer

from bhyvetpl import __version__
from bhyvetpl.cli import options as o
from bhyvetpl.facts.demo import demo_facts, demo_root
from bhyvetpl.model import policy
from bhyvetpl.model.lab import sample_lab
from bhyvetpl.model.paths import local_path
from bhyvetpl.model.policy import Features
from bhyvetpl.output import table, tree, write_tree
from bhyvetpl.plan.converge import converge_spec
from bhyvetpl.render import RenderedFile, render_guest, render_host, render_jail
from bhyvetpl.show import changes_report
from bhyvetpl.spec.load import example_spec, read_spec


def demo_plan() -> None:
    """Plan examples/lab.toml against the recorded FreeBSD 14.3 host (nothing is written)."""
    spec, facts = example_spec("lab"), demo_facts()
    with tempfile.TemporaryDirectory(prefix="bhyvetpl-demo-") as scratch:
        converged = converge_spec(read_spec(spec), facts, demo_root(Path(scratch)))
    release = facts.release.userland if facts.release else "unknown"
    typer.echo(f"bhyvetpl {__version__}: {spec.name} against a recorded FreeBSD {release} "
               f"host (bhyvetpl/data/demo-facts.json)\n")
    typer.echo(changes_report(converged, spec.name), nl=False)
    typer.echo(f"\non a FreeBSD host: bhyvetpl plan -f {spec.name}, then bhyvetpl apply -f "
               f"{spec.name} (with --dry-run or --emit sh first)")


def demo_cmd(
    output: Annotated[Path, typer.Argument(help="Folder to render the sample lab into.")]
    = Path("lab"),
    force: o.Force = False,
    plan: Annotated[bool, typer.Option(
        "--plan", help="Instead: plan examples/lab.toml against a recorded FreeBSD 14.3 "
        "host (writes nothing).")] = False,
) -> None:
    """Render and summarise the embedded sample lab. Jail template, guests, host files."""
    if plan:
        demo_plan()
        return
    jail = sample_lab()
    features = Features.of_jail(jail)
    files = [RenderedFile(PurePosixPath("bastille", jail.name, *f.relpath.parts), f.text)
             for f in render_jail(jail)]
    files += [RenderedFile(PurePosixPath("guests", f"{g.name}.conf"), render_guest(g))
              for g in jail.guests]
    files += [RenderedFile(PurePosixPath("host", *f.relpath.parts), f.text)
              for f in render_host(features, jail.vm_dataset)]
    output = local_path("output", output)
    written = write_tree(output, files, force)
    typer.echo(f"bhyvetpl {__version__}: sample lab, jail {jail.name!r} "
               f"({jail.release}, {jail.network} on {jail.interface}, {jail.address})\n")
    typer.echo(tree(output, written) + "\n")
    rows = [(g.name, g.loader, str(g.cpu), g.memory, ",".join(n.switch for n in g.nics),
             f"{g.graphics.listen}:{g.graphics.port or 'auto'}" if g.graphics else "-",
             f"/dev/nmdm-{g.name}.1B")
            for g in jail.guests]
    typer.echo(table(("guest", "loader", "cpu", "memory", "switch", "vnc", "console"), rows))
    level = policy.securelevel(features)
    typer.echo(f"\njail: securelevel {level.value} ({level.why}); devfs ruleset "
               f"{jail.ruleset.number} unhides "
               + ", ".join(p for g in policy.devfs_rules(features) for p in g.paths))
    guests = " ".join([*(f"--guest {g.name}" for g in jail.guests),
                       *(f"--uefi-guest {g.name}" for g in jail.guests if g.uefi),
                       *(f"--vnc-guest {g.name}" for g in jail.guests if g.graphics)])
    typer.echo(f"next, on the FreeBSD host (each with --dry-run or --emit sh first):\n"
               f"  bhyvetpl host prepare --jail {jail.name} {guests} --uefi --dhcp\n"
               f"  bhyvetpl jail create {jail.name} --iface {jail.interface} "
               + " ".join(f"--preset {p}" for p in jail.presets) + "\n"
               f"  bhyvetpl new-guest {jail.name} {jail.guests[0].name} --cpu "
               f"{jail.guests[0].cpu} --memory {jail.guests[0].memory}")
