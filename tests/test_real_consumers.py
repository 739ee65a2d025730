"""Bastille's and vm-bhyve's own shell code reads what we render (tests/upstream.py)."""

from __future__ import annotations

import re
import shlex
import subprocess
from dataclasses import replace
from pathlib import Path

import pytest

from bhyvetpl.errors import SpecError
from bhyvetpl.model.guest import DiskSpec, GuestSpec, NicSpec
from bhyvetpl.model.options import GuestOptions, JailOptions, build_guest, build_jail
from bhyvetpl.model.preset import PRESETS
from bhyvetpl.output import write_tree
from bhyvetpl.render import render_guest, render_jail
from tests.upstream import TOOLS, needs_upstream
from tests.vmconf_reader import load

pytestmark = needs_upstream


def run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, capture_output=True, text=True, check=False, timeout=300)


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_vm_bhyve_reads_presets_and_builds_bhyve_argv(preset: str, tmp_path: Path) -> None:
    conf = tmp_path / f"{preset}1.conf"
    conf.write_text(render_guest(build_guest(GuestOptions(name=f"{preset}1", preset=preset))))
    lint = run([str(TOOLS / "vm-bhyve/vmb-config-get"), "--lint", str(conf), "loader"])
    assert lint.returncode == 0, lint.stdout + lint.stderr
    argv = run([str(TOOLS / "vm-bhyve/vmb-bhyve-argv"), str(conf)])
    assert "\nbhyve " in argv.stdout, argv.stdout + argv.stderr


def test_bastille_applies_the_jail_template(tmp_path: Path) -> None:
    jail = build_jail(JailOptions(name="bhyve", presets=tuple(sorted(PRESETS))))
    write_tree(tmp_path / "bhyve", render_jail(jail))
    result = run(["bash", str(TOOLS / "bastille/run-template.sh"), "--vnet",
                  str(tmp_path / "bhyve")])
    assert result.returncode == 0, result.stdout + result.stderr
    for expected in ("config bhyvejail set allow.vmm", "set devfs_ruleset 25",
                     "set securelevel 2", "allow.vmm;",
                     "vm switch create -t manual -b bridge0 public"):
        assert expected in result.stdout, expected


def test_bastille_applies_the_shipped_example_as_it_stands() -> None:
    """Issue 11: examples/bastille-template goes to `bastille template` unchanged; its
    `CP vm-templates/ /vms/.templates` finds its source (template.sh prefixes the dir)."""
    example = Path(__file__).resolve().parent.parent / "examples" / "bastille-template"
    result = run(["bash", str(TOOLS / "bastille/run-template.sh"), "--vnet", str(example)])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "bhyvetpl-freebsd.conf" in result.stdout, result.stdout


# Accepted edge values: every character class each grammar allows, at its longest, and the
# one %zone kept (an interface on a link-local IPv6 router). Bastille's template.sh must
# turn each hook into exactly the sub-invocation we meant, and nothing else.
EDGE_JAILS = {
    "ipv6-zone": JailOptions(name="bhyve", address="fd00:0:0:0:0:0:0:5/128",
                             gateway="fe80::ffff%vnet0"),
    "zone-chars": JailOptions(name="bhyve", address="fd00::5/64",
                              gateway="fe80::1%a.b_C9xxxxxxxxx",
                              switch="s" + "._-9" * 57 + "z", vm_dir="/v.m_s-1/A.b_C-9"),
    "ipv4-dataset": JailOptions(name="J" * 63, address="10.255.0.5/32", gateway="10.255.0.1",
                                vm_dataset="zroot/a.b:c_d-e", presets=("freebsd", "windows")),
}


def _expected(hook: str, args: str, jail: str) -> list[str]:
    """The `bastille ...` argv template.sh should run for one hook we wrote."""
    words = args.split(" ")
    if hook == "SYSRC":
        return ["bastille", "sysrc", jail, *shlex.split(args)]
    if hook == "CMD":
        return ["bastille", "cmd", jail, "sh", "-c", args]
    if hook == "CP":
        return ["bastille", "cp", jail, "$TEMPLATE/" + words[0], words[1]]
    if hook == "PKG":
        return ["bastille", "pkg", "-y", jail, "install", *words]
    return ["bastille", hook.lower(), jail, *(words if args else [])]


def _expected_invocations(bastillefile: str, jail: str) -> list[list[str]]:
    return [_expected(*line.partition(" ")[::2], jail) for line in bastillefile.splitlines()
            if line and not line.startswith("#")]


@pytest.mark.parametrize("edge", sorted(EDGE_JAILS))
def test_bastille_runs_exactly_our_hooks_for_edge_values(edge: str, tmp_path: Path) -> None:
    edge_options = EDGE_JAILS[edge]
    # One step past the edge is refused (the starting code accepted these, so this test
    # failed there): code after the zone, a zone on a non-link-local router.
    for gateway in (f"{edge_options.gateway}$(id)", f"{edge_options.gateway}%vnet0",
                    "fd00::1%vnet0"):
        with pytest.raises(SpecError):
            build_jail(replace(edge_options, gateway=gateway))
    jail = build_jail(edge_options)
    files = render_jail(jail)
    write_tree(tmp_path / "tpl", files)
    result = run(["bash", str(TOOLS / "bastille/run-template.sh"), "--vnet",
                  str(tmp_path / "tpl")])
    assert result.returncode == 0, result.stdout + result.stderr
    trace = result.stdout.split("--- trace", 1)[1].split("\n--- ", 1)[0].splitlines()[2:]
    ran = [shlex.split(line) for line in trace if re.match(r" {6}\S", line)]
    assert ran == _expected_invocations(files[0].text, "bhyvejail")
    inner = [line.strip() for line in trace if re.match(r" {10}\S", line)]
    assert all(line.startswith(("jexec -l ", "bastille stop ", "bastille start ", "cp -av "))
               for line in inner), inner
    sysrc = [shlex.split(line)[-1] for line in inner if "/usr/sbin/sysrc" in line]
    assert f"{jail.gateway_key}={jail.gateway}" in sysrc


def test_vm_bhyve_reads_edge_values_as_written(tmp_path: Path) -> None:
    guest = GuestSpec(
        "a" * 229 + "b9", loader="bhyveload",
        disks=(DiskSpec("_" + "a.b-C9" * 21 + "x"),
               DiskSpec("/dev/zvol/zroot/a.b:c_d-e/disk0", dev="custom")),
        nics=(NicSpec("s" + "._-9" * 57 + "z", device="tap99999"),),
        loader_env=("a.b_c=A-Z.a_z,0:9/@%+=-",), loader_host_dir="/boot/a.b_c-d",
        gdb="wexample-host.a:65535")
    # One step past the edge is refused (the starting code accepted all three).
    for bad in (lambda: DiskSpec("/dev/mem", dev="custom"),
                lambda: NicSpec(device="mem"),
                lambda: replace(guest, loader_env=("a=" + "x" * 256,))):
        with pytest.raises(SpecError):
            bad()
    text = render_guest(guest)
    conf = tmp_path / f"{guest.name}.conf"
    conf.write_text(text)
    dumped = run([str(TOOLS / "vm-bhyve/vmb-config-get"), "--all", str(conf)])
    assert dumped.returncode == 0, dumped.stderr
    read = dict(line.split("=", 1) for line in dumped.stdout.splitlines() if "=" in line)
    assert read == load(text)  # no key more, none less, every value as written
    argv = run([str(TOOLS / "vm-bhyve/vmb-bhyve-argv"), str(conf)])
    lines = {line.split(" ", 1)[0]: shlex.split(line) for line in argv.stdout.splitlines()
             if line.startswith(("bhyve ", "bhyveload "))}
    assert lines["bhyveload"][-7:-1] == ["-e", "a.b_c=A-Z.a_z,0:9/@%+=-", "-h",
                                         "/boot/a.b_c-d", "-d", f"/vm/{guest.name}/"
                                         + guest.disks[0].name]
    bhyve = lines["bhyve"]
    assert bhyve.count("-G") == 1 and bhyve[bhyve.index("-G") + 1] == guest.gdb
    assert [bhyve[i + 1] for i, word in enumerate(bhyve) if word == "-s"] == [
        "0,hostbridge", "31,lpc", f"0:4:0,virtio-blk,/vm/{guest.name}/{guest.disks[0].name}",
        "0:4:1,virtio-blk,/dev/zvol/zroot/a.b:c_d-e/disk0",
        "0:5:0,virtio-net,tap99999,mac=58:9c:fc:0a:1b:2c"]


def test_a_per_guest_jail_template_and_its_guests_named_tap(tmp_path: Path) -> None:
    """Bastille applies the template of a jail without an address (no PKG line); vm-bhyve
    puts the guest's named tap on bhyve's command line as it is (networkN_device)."""
    guest = replace(build_guest(GuestOptions(name="web")), nics=(NicSpec(device="tap1000"),))
    jail = build_jail(JailOptions(name="web", address="none", per_guest=True), (guest,))
    write_tree(tmp_path / "web", render_jail(jail))
    result = run(["bash", str(TOOLS / "bastille/run-template.sh"), "--vnet",
                  str(tmp_path / "web")])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "ifconfig_vnet0=up" in result.stdout.replace('"', "")
    assert "cloned_interfaces=tap1000" in result.stdout.replace('"', "")
    assert "pkg" not in result.stdout.lower().replace("packages", "")
    conf = tmp_path / "web.conf"
    conf.write_text(render_guest(guest))
    argv = run([str(TOOLS / "vm-bhyve/vmb-bhyve-argv"), str(conf)])
    assert re.search(r"virtio-net,tap1000\b", argv.stdout), argv.stdout + argv.stderr
