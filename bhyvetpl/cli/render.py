"""`bhyvetpl render ...` and `bhyvetpl demo`: flags to specs to files; nothing is run."""

from __future__ import annotations

import tempfile
from pathlib import Path, PurePosixPath
from typing import Annotated

import typer

from bhyvetpl import __version__
from bhyvetpl.cli import options as o
from bhyvetpl.cli.shared import warn, warn_public_vnc
from bhyvetpl.facts.demo import demo_facts, demo_root
from bhyvetpl.model import policy
from bhyvetpl.model.lab import sample_lab
from bhyvetpl.model.options import JAIL, build_features, build_guest, build_jail
from bhyvetpl.model.paths import local_path
from bhyvetpl.model.policy import Features
from bhyvetpl.output import table, tree, write_file, write_tree
from bhyvetpl.plan.converge import converge_spec
from bhyvetpl.render import RenderedFile, render_guest, render_host, render_jail
from bhyvetpl.show import changes_report
from bhyvetpl.spec.load import example_spec, read_spec


def emit_files(files: tuple[RenderedFile, ...], output: Path | None, force: bool) -> None:
    """Print the files, or write them below output (never over a file of someone else's)."""
    if output is None:
        for rendered in files:
            typer.echo(f"==> {rendered.relpath} <==")
            typer.echo(rendered.text, nl=False)
        return
    out = local_path("--output", output)
    typer.echo(tree(out, write_tree(out, files, force)), err=True)


render_app = typer.Typer(no_args_is_help=True, help="Render files from flags; nothing is run.")


@render_app.command("guest")
def render_guest_cmd(
    name: Annotated[str, typer.Argument(help="Guest name.")],
    preset: o.Preset = "freebsd", loader: o.Loader = None, cpu: o.Cpu = None,
    topology: o.Topology = None, memory: o.Memory = None, disk: o.Disks = None,
    nic: o.Nics = None, no_nic: o.NoNic = False, switch: o.GuestSwitch = JAIL.switch,
    passthru: o.GuestPassthru = None, graphics: o.Graphics = None, vnc_port: o.VncPort = None,
    vnc_listen: o.VncListen = None, vnc_res: o.VncRes = None, vnc_wait: o.VncWait = None,
    comport: o.Comports = None, uuid: o.Uuid = None, debug: o.Debug = False,
    output: o.Output = None, force: o.Force = False,
) -> None:
    """Render a vm-bhyve guest config."""
    guest = build_guest(o.guest_options(
        name, preset, loader, cpu, topology, memory, disk, nic, no_nic, switch, passthru,
        graphics, vnc_port, vnc_listen, vnc_res, vnc_wait, comport, uuid, debug))
    text = render_guest(guest)
    warn_public_vnc(guest)
    if output is None:
        typer.echo(text, nl=False)
    else:
        write_file(local_path("--output", output), text, force)


@render_app.command("jail")
def render_jail_cmd(
    name: o.JailName, release: o.Release = JAIL.release, ip: o.Ip = JAIL.address,
    iface: o.Iface = JAIL.interface, vnet: o.Vnet = True, bridge: o.Bridge = None,
    gateway: o.Gateway = None, vm_dir: o.VmDir = JAIL.vm_dir, vm_dataset: o.VmDataset = None,
    switch: o.JailSwitch = JAIL.switch, ruleset: o.Ruleset = JAIL.ruleset.number,
    ruleset_name: o.RulesetName = JAIL.ruleset.name, preset: o.Presets = None,
    passthrough: o.Passthrough = False, vmm_ppt: o.VmmPpt = False, output: o.Output = None,
    force: o.Force = False,
) -> None:
    """Render the Bastille template directory for a bhyve jail."""
    jail = build_jail(o.jail_options(name, release, ip, iface, vnet, bridge, gateway, vm_dir,
                                     vm_dataset, switch, ruleset, ruleset_name, preset,
                                     passthrough, vmm_ppt))
    warn(Features.of_jail(jail))
    emit_files(render_jail(jail), output, force)


@render_app.command("host")
def render_host_cmd(
    jail: o.HostJail = JAIL.name, release: o.Release = JAIL.release,
    ruleset: o.Ruleset = JAIL.ruleset.number, ruleset_name: o.RulesetName = JAIL.ruleset.name,
    guest: o.GuestNames = None, console: o.Console = True, tap: o.Tap = True,
    host_tap: o.HostTaps = None, uplink: o.Uplink = None, zvol_dataset: o.ZvolDataset = None,
    disk_device: o.DiskDevices = None, uefi: o.Uefi = False, passthru: o.HostPassthru = None,
    vmm_ppt: o.VmmPpt = False, dhcp: o.Dhcp = False, vnet: o.HostVnet = True,
    output: o.Output = None, force: o.Force = False,
) -> None:
    """Render the host fragments: devfs ruleset, loader.conf, rc.conf, sysctl.conf."""
    features = build_features(o.host_options(
        jail, release, ruleset, ruleset_name, guest, console, tap, host_tap, uplink,
        zvol_dataset, disk_device, uefi, passthru, vmm_ppt, dhcp, vnet))
    warn(features)
    emit_files(render_host(features, None), output, force)


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
    """Render the embedded sample lab (jail template, guests, host) and summarise it."""
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
    guests = " ".join(f"--guest {g.name}" for g in jail.guests)
    typer.echo(f"next, on the FreeBSD host (each with --dry-run or --emit sh first):\n"
               f"  bhyvetpl host prepare --jail {jail.name} {guests} --uefi --dhcp\n"
               f"  bhyvetpl jail create {jail.name} --iface {jail.interface} "
               + " ".join(f"--preset {p}" for p in jail.presets) + "\n"
               f"  bhyvetpl new-guest {jail.name} {jail.guests[0].name} --cpu "
               f"{jail.guests[0].cpu} --memory {jail.guests[0].memory}")
