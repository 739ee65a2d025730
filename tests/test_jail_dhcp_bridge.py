"""Issue 11 point 4: a DHCP vnet jail's address on a bridge, vm-bhyve's manual switch on it.

`vm switch address` sets only a static address (vm-bhyve lib/vm-switch switch::address), and a
bridge member should hold none (if_bridge(4); FreeBSD 15 refuses it). So the jail's rc.conf
creates bridge0 with vnet0 in it and runs DHCP on bridge0 (rc.d/netif: libexec/rc/network.subr
ifconfig_up drops the DHCP word from ifconfig_bridge0, runs `ifconfig bridge0 addm vnet0`,
`ifconfig bridge0 up`, then `rc.d/dhclient start bridge0`; freebsd-src 03ccfdd), and vm-bhyve
takes bridge0 as a manual switch. Read by the real consumers: Bastille's template.sh writes the
rc.conf lines, vm-bhyve's own switch code (1.4.0 to master) stores the switch and puts a
guest's tap in bridge0.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from pathlib import Path

import pytest

from bhyvetpl.facts.model import Facts
from bhyvetpl.hostfs.assign import readable
from bhyvetpl.lint.bastillefile import lint_bastillefile
from bhyvetpl.model.guest import GuestSpec, NicSpec
from bhyvetpl.model.jail import JailSpec
from bhyvetpl.model.options import JailOptions, build_jail
from bhyvetpl.output import write_tree
from bhyvetpl.render import render_jail
from tests.test_doctor_jail import make_jail, run
from tests.upstream import TOOLS, require_upstream

BASH = shutil.which("bash") or "/bin/bash"
DHCP_LINES = ('SYSRC ifconfig_vnet0="up"', "SYSRC cloned_interfaces+=bridge0",
              'SYSRC ifconfig_bridge0="addm vnet0 SYNCDHCP"')
MANUAL = "vm switch create -t manual -b bridge0 public"
# vm-bhyve from the oldest release bhyvetpl supports to the newest code (freebsd/vm-bhyve).
VM_BHYVE_REFS = ("v1.4.0", "v1.5.0", "v1.6.2", "v1.7.0", "v1.7.5", "master")


def bastillefile(**options: str) -> str:
    return render_jail(build_jail(JailOptions(name="bhyve", **options)))[0].text  # type: ignore[arg-type]


def test_a_dhcp_vnet_jail_takes_its_address_on_a_bridge_with_a_manual_switch() -> None:
    text = bastillefile()
    lines = text.splitlines()
    # the jail restarts with the bridge
    assert all(lines.index(line) < lines.index("RESTART") for line in DHCP_LINES)
    assert lines[-1] == f"CMD vm switch list | grep -q '^public ' || {MANUAL}"
    assert "-i vnet0" not in text and 'ifconfig_vnet0="SYNCDHCP"' not in text
    example = Path(__file__).resolve().parent.parent / "examples/bastille-template"
    assert lint_bastillefile(example / "Bastillefile", text) == []


def test_a_static_vnet_jail_keeps_its_address_on_vnet0_and_a_standard_switch() -> None:
    text = bastillefile(address="192.0.2.10/24", gateway="192.0.2.1")
    assert 'SYSRC ifconfig_vnet0="inet 192.0.2.10/24"' in text
    assert "vm switch create -i vnet0 public" in text and "bridge0" not in text


def test_bastille_writes_the_bridge_into_the_jails_rc_conf(tmp_path: Path) -> None:
    require_upstream()
    write_tree(tmp_path / "bhyve", render_jail(build_jail(JailOptions(name="bhyve"))))
    result = subprocess.run([BASH, str(TOOLS / "bastille/run-template.sh"), "--vnet",
                             str(tmp_path / "bhyve")], capture_output=True, text=True,
                            check=False, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    rc = result.stdout.split("+++ jail/root/etc/rc.conf", 1)[1].split("\n  --- ", 1)[0]
    added = [line.strip()[1:] for line in rc.splitlines() if line.strip().startswith("+")]
    assert added[:3] == ['ifconfig_vnet0="up"', 'ifconfig_bridge0="addm vnet0 SYNCDHCP"',
                         'cloned_interfaces="bridge0"']
    ran = [line.strip() for line in result.stdout.splitlines()
           if line.startswith("      bastille ")]
    # the old standard switch gives way before the jail restarts with the bridge
    migrate = next(i for i, line in enumerate(ran) if "vm switch destroy public" in line)
    assert migrate < ran.index("bastille restart bhyvejail")
    assert ran[-1].endswith(f"|| {MANUAL}'")


def test_a_per_guest_jails_taps_and_the_bridge_share_cloned_interfaces(tmp_path: Path) -> None:
    """A per-guest DHCP jail's rc.conf makes its guest's taps and bridge0: the bridge is
    added to the list after the taps' assignment (sysrc NAME+=WORD), not written over it."""
    require_upstream()
    jail = JailSpec(name="web", per_guest=True,
                    guests=(GuestSpec("web", nics=(NicSpec("public", device="tap1025"),)),))
    write_tree(tmp_path / "web", render_jail(jail))
    result = subprocess.run([BASH, str(TOOLS / "bastille/run-template.sh"), "--vnet",
                             str(tmp_path / "web")], capture_output=True, text=True,
                            check=False, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    rc = result.stdout.split("+++ jail/root/etc/rc.conf", 1)[1].split("\n  --- ", 1)[0]
    assert '  +cloned_interfaces="tap1025 bridge0"' in rc.splitlines(), rc


# The template's `vm` lines run by vm-bhyve's own lib/ (the harness's lib.sh extracts it from
# the mirror; ifconfig and sysrc are its stubs). `vm` is a subshell per call, as each `vm`
# command is its own process: cmd::parse_switch (`vm switch ...`) or switch::init (`vm init`).
VM_LINES = """
. "$VMB_TOOLS/lib.sh"
vmb_locate_snapshot; vmb_make_work; vmb_extract_libs; vmb_install_stubs
vm_dir="$VMB_WORK/vm"; mkdir -p "$vm_dir/.config"; : > "$vm_dir/.config/system.conf"
vmb_shell_compat
vmb_source_libs vm-cmd vm-config vm-util vm-switch
vm() ( config::core::load
       case "$1" in init) switch::init ;; switch) shift; cmd::parse_switch "$@" ;; esac )
[ -z "$OLD" ] || eval "$OLD" || exit 1
: > "$VMB_TRACE"
while IFS= read -r line; do eval "$line" || exit 1; done < "$LINES"
cp "$vm_dir/.config/system.conf" "$OUT"
vm switch list
echo "--- trace"; cat "$VMB_TRACE"
"""
OLD_SWITCH = "vm switch create -i vnet0 public"   # what the template wrote before


def run_vm_lines(ref: str, tmp_path: Path, old: str) -> tuple[str, str]:
    """The template's CMD lines that call vm, on a jail with `old` done first: system.conf
    and what vm-bhyve printed and ran."""
    mirrors = require_upstream()
    lines = [line.removeprefix("CMD ") for line in bastillefile().splitlines()
             if line.startswith("CMD vm switch ")]
    assert len(lines) == 2
    (tmp_path / "lines").write_text("\n".join(lines) + "\n")
    system = tmp_path / "system.conf"
    env = {"PATH": "/usr/bin:/bin", "MIRROR_ROOT": str(mirrors), "VMB_REF": ref,
           "VMB_TOOLS": str(TOOLS / "vm-bhyve"), "OUT": str(system), "TMPDIR": str(tmp_path),
           "LINES": str(tmp_path / "lines"), "OLD": old,
           # `ifconfig -g` finds the switch's bridge by its group, as after vm init
           "VMB_VIID_MAP": "viid-4c918@=vm-public"}
    made = subprocess.run([BASH, "-c", VM_LINES], capture_output=True, text=True, check=False,
                          env=env, timeout=120)
    assert made.returncode == 0, made.stdout + made.stderr
    return system.read_text(), made.stdout


MANUAL_CONF = 'switch_list="public"\ntype_public="manual"\nbridge_public="bridge0"\n'


@pytest.mark.parametrize("ref", VM_BHYVE_REFS)
def test_vm_bhyve_stores_the_manual_switch_and_puts_guests_on_the_bridge(
        ref: str, tmp_path: Path) -> None:
    assert bastillefile().splitlines()[-1].endswith(f"|| {MANUAL}")
    system, out = run_vm_lines(ref, tmp_path, "")
    assert system == MANUAL_CONF
    # the template's guard (grep -q '^public ') finds the row `vm switch list` prints
    assert any(row.startswith("public ") and row.split()[1:3] == ["manual", "bridge0"]
               for row in out.splitlines())
    assert "destroy" not in out.split("--- trace", 1)[1]
    guest = tmp_path / "g1.conf"
    guest.write_text(render_jail(build_jail(JailOptions(name="bhyve")))[1].text)
    (tmp_path / "system.conf").write_text(system)
    argv = subprocess.run([str(TOOLS / "vm-bhyve/vmb-bhyve-argv"), "--system-conf",
                           str(tmp_path / "system.conf"), "--trace", str(guest)],
                          capture_output=True, text=True, check=False,
                          env={"PATH": "/usr/bin:/bin", "MIRROR_ROOT": str(require_upstream()),
                               "VMB_REF": ref, "TMPDIR": str(tmp_path)}, timeout=120)
    assert "ifconfig bridge0 addm tap0" in argv.stderr.splitlines(), argv.stdout + argv.stderr


@pytest.mark.parametrize("ref", VM_BHYVE_REFS)
def test_the_template_turns_the_old_standard_switch_into_the_manual_one(
        ref: str, tmp_path: Path) -> None:
    """A jail the old template made (`vm switch create -i vnet0 public`, run by vm-bhyve
    itself) ends with the manual switch alone: its bridge vm-public destroyed."""
    system, out = run_vm_lines(ref, tmp_path, OLD_SWITCH)
    assert system == MANUAL_CONF
    assert "ifconfig vm-public destroy" in out.split("--- trace", 1)[1].splitlines()


# What the old template (and `bastille create` + `vm switch create -i vnet0`) left behind.
OLD_RC = 'ifconfig_vnet0="SYNCDHCP"\nvm_enable="YES"\nvm_dir="/vms"\n'
OLD_SYSTEM = 'switch_list="public"\ntype_public="standard"\nports_public="vnet0"\n'
NEW_RC = ('ifconfig_vnet0="up"\ncloned_interfaces="bridge0"\n'
          'ifconfig_bridge0="addm vnet0 SYNCDHCP"\nvm_enable="YES"\nvm_dir="/vms"\n')
NEW_SYSTEM = 'switch_list="public"\ntype_public="manual"\nbridge_public="bridge0"\n'


def jail(rc: str, system: str) -> Facts:
    return make_jail(rc_conf=readable(rc), vm_system=readable(system))


def test_doctor_fails_dhcp_on_a_standard_switch_member_with_the_fix() -> None:
    result = run(jail(OLD_RC, OLD_SYSTEM))["jail DHCP address"]
    assert result.status == "FAIL" and "holds vnet0" in result.detail
    assert result.fix.startswith(
        "bastille sysrc test-bhyve ifconfig_vnet0=up cloned_interfaces+=bridge0 "
        "'ifconfig_bridge0=addm vnet0 SYNCDHCP' && bastille cmd test-bhyve vm switch destroy "
        "public && bastille restart test-bhyve && bastille cmd test-bhyve "
        "vm switch create -t manual -b bridge0 public")


def test_doctor_fails_a_bridge_and_a_standard_switch_both_holding_vnet0() -> None:
    """A template applied again over an old jail: rc.conf has the bridge, system.conf still
    the standard switch; vnet0 can be in one bridge only."""
    result = run(jail(NEW_RC, OLD_SYSTEM))["jail DHCP address"]
    assert result.status == "FAIL" and result.fix.startswith(
        "bastille cmd test-bhyve vm switch destroy public && bastille restart test-bhyve")


def test_doctor_passes_the_bridge_and_its_manual_switch() -> None:
    results = run(jail(NEW_RC, NEW_SYSTEM))
    assert results["jail DHCP address"].status == "PASS"
    assert results["vm-bhyve switches"].status == "PASS"


def test_doctor_offers_the_manual_switch_when_a_dhcp_jail_lacks_it() -> None:
    result = run(jail(NEW_RC, ""))["vm-bhyve switches"]
    assert result.fix == ("bastille cmd test-bhyve vm switch create -t manual -b bridge0 "
                          "public")
    static = 'ifconfig_vnet0="inet 192.0.2.10/24"\nvm_enable="YES"\nvm_dir="/vms"\n'
    assert run(jail(static, ""))["vm-bhyve switches"].fix == (
        "bastille cmd test-bhyve vm switch create -i vnet0 public")
    assert "jail DHCP address" not in run(jail(static, OLD_SYSTEM))


def test_doctor_leaves_a_non_vnet_jail_alone() -> None:
    facts = make_jail(rc_conf=readable(OLD_RC), vm_system=readable(OLD_SYSTEM))
    base = facts.jails[0]
    params = {k: v for k, v in base.params.items() if k != "vnet"}
    shared = dataclasses.replace(facts, jails=(dataclasses.replace(base, params=params),))
    assert "jail DHCP address" not in run(shared)


def test_lint_and_doctor_agree_on_the_old_template() -> None:
    """The old template's lines get lint's warning, naming the lines the new one writes."""
    old = ('SYSRC ifconfig_vnet0="SYNCDHCP"\nRESTART\n'
           "CMD vm switch list | grep -q '^public ' || vm switch create -i vnet0 public\n")
    (finding,) = lint_bastillefile(Path("Bastillefile"), old)
    assert finding.code == "dhcp-switch-member" and finding.line == 3
    for line in (*DHCP_LINES, f"CMD {MANUAL}"):
        assert line in finding.message
    static = old.replace("SYNCDHCP", "inet 192.0.2.10/24")
    assert lint_bastillefile(Path("Bastillefile"), static) == []
