"""Issue 11 point 4: a vnet jail's address on a bridge, vm-bhyve's manual switch on it.

A DHCP jail first; a static jail (IPv4 or IPv6) has the same shape: a bridge member holds
no address (FreeBSD 15.0 warns "is deprecated and will be unsupported in a future release",
fixture bridge-warning-member-has-ip-address-15.0.txt; net.link.bridge.member_ifaddrs=0
refuses it, review D49995), so the static address moves to bridge0 too.

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
from bhyvetpl.model import jailnet
from bhyvetpl.model.guest import GuestSpec, NicSpec
from bhyvetpl.model.jail import JailSpec
from bhyvetpl.model.options import JailOptions, build_jail
from bhyvetpl.output import write_tree
from bhyvetpl.render import render_jail
from bhyvetpl.spec.init import init_text
from tests.test_doctor_jail import make_jail, run
from tests.upstream import TOOLS, require_upstream

BASH = shutil.which("bash") or "/bin/bash"
GIT = shutil.which("git") or "/usr/bin/git"
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


# A static jail's rc.conf lines: IPv4 before `addm` (ifconfig takes an address family only
# as its first argument, sbin/ifconfig/ifconfig.c main), IPv6 in ifconfig_bridge0_ipv6 (only
# that line makes rc.d/netif run `inet6 -ifdisabled`, libexec/rc/network.subr ifconfig_up).
STATIC_LINES = {
    "192.0.2.10/24": ('SYSRC ifconfig_vnet0="up"', "SYSRC cloned_interfaces+=bridge0",
                      'SYSRC ifconfig_bridge0="inet 192.0.2.10/24 addm vnet0"',
                      'SYSRC defaultrouter="192.0.2.1"'),
    "2001:db8::10/64": ('SYSRC ifconfig_vnet0="up"', "SYSRC cloned_interfaces+=bridge0",
                        'SYSRC ifconfig_bridge0="addm vnet0"',
                        'SYSRC ifconfig_bridge0_ipv6="inet6 2001:db8::10/64"',
                        'SYSRC ifconfig_vnet0_ipv6=""',
                        'SYSRC ipv6_defaultrouter="2001:db8::1"')}
GATEWAYS = {"192.0.2.10/24": "192.0.2.1", "2001:db8::10/64": "2001:db8::1"}


@pytest.mark.parametrize("address", sorted(STATIC_LINES))
def test_a_static_vnet_jail_takes_its_address_on_the_bridge_too(
        address: str, tmp_path: Path) -> None:
    files = render_jail(build_jail(JailOptions(name="bhyve", address=address,
                                               gateway=GATEWAYS[address])))
    write_tree(tmp_path, files)
    text = files[0].text
    lines = text.splitlines()
    assert all(lines.index(line) < lines.index("RESTART") for line in STATIC_LINES[address])
    assert lines[-1] == f"CMD vm switch list | grep -q '^public ' || {MANUAL}"
    assert "-i vnet0" not in text and "inet" not in text.split("ifconfig_vnet0=", 1)[1][:8]
    # what the old template wrote gives way, as for a DHCP jail
    assert any("vm switch destroy public" in line for line in lines[:lines.index("RESTART")])
    assert lint_bastillefile(tmp_path / "Bastillefile", text) == []


def test_a_per_guest_jail_without_an_address_keeps_its_standard_switch() -> None:
    jail = JailSpec(name="web", per_guest=True, address="none",
                    guests=(GuestSpec("web", nics=(NicSpec("public", device="tap1025"),)),))
    text = render_jail(jail)[0].text
    assert 'SYSRC ifconfig_vnet0="up"' in text and "bridge0" not in text
    assert text.splitlines()[-1].endswith("|| vm switch create -i vnet0 public")


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


# What Bastille's create.sh passes its default/vnet template (master) for a static jail:
# IFCONFIG "inet ADDR" or empty, IFCONFIG6 "inet6 -ifdisabled ADDR" or empty, and NO for a
# gateway it has none of. That template writes ifconfig_vnet0, ifconfig_vnet0_ipv6,
# defaultrouter and ipv6_defaultrouter; bhyvetpl's template then runs in the same jail.
CREATE_ARGS = {
    "192.0.2.10/24": {"IFCONFIG": "inet 192.0.2.10/24", "IFCONFIG6": "",
                      "GATEWAY": "192.0.2.1", "GATEWAY6": "NO"},
    "2001:db8::10/64": {"IFCONFIG": "", "IFCONFIG6": "inet6 -ifdisabled 2001:db8::10/64",
                        "GATEWAY": "NO", "GATEWAY6": "2001:db8::1"}}


def final_rc(stdout: str) -> dict[str, str]:
    """The jail's rc.conf after the run, from the harness's diff (last assignment wins)."""
    diff = stdout.split("+++ jail/root/etc/rc.conf", 1)[1].split("\n  --- ", 1)[0]
    added = [line.strip()[1:] for line in diff.splitlines() if line.strip().startswith("+")]
    return {k: v.strip('"') for k, _, v in (line.partition("=") for line in added)}


@pytest.mark.parametrize("address", sorted(CREATE_ARGS))
def test_bastilles_static_lines_then_ours_leave_the_address_on_the_bridge_alone(
        address: str, tmp_path: Path) -> None:
    """Bastille's own vnet template (what `bastille create -V NAME REL ADDR` applies), then
    bhyvetpl's, through template.sh: vnet0 ends with no address, the bridge with it, and
    `init` reads the same address and gateway back."""
    mirrors = require_upstream()
    theirs = subprocess.run(
        [GIT, "--git-dir", str(mirrors / "BastilleBSD+bastille/repo"), "show",
         "master:usr/local/share/bastille/templates/default/vnet/Bastillefile"],
        capture_output=True, text=True, check=True, timeout=60).stdout
    files = render_jail(build_jail(JailOptions(name="bhyve", address=address,
                                               gateway=GATEWAYS[address])))
    write_tree(tmp_path / "bhyve", files)
    (tmp_path / "bhyve/Bastillefile").write_text(theirs + "\n" + files[0].text)
    args = {"EXT_INTERFACE": "em0", "INTERFACE": "e0b_bhyve", "VNET": "vnet0",
            **CREATE_ARGS[address]}
    argv = [BASH, str(TOOLS / "bastille/run-template.sh"), "--vnet", str(tmp_path / "bhyve")]
    for name, value in args.items():
        argv += ["--arg", f"{name}={value}"]
    result = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    rc = final_rc(result.stdout)
    assert rc["ifconfig_vnet0"] == "up" and rc["cloned_interfaces"] == "bridge0", rc
    assert rc["ifconfig_vnet0_ipv6"] == "" and jailnet.jail_address(rc, "vnet0") is None
    assert jailnet.jail_address(rc, "bridge0") == (
        "ifconfig_bridge0_ipv6" if ":" in address else "ifconfig_bridge0", address)
    text = init_text(make_jail(rc_conf=readable("".join(f'{k}="{v}"\n'
                                                        for k, v in rc.items()))))
    assert f'address = "{address}"' in text and f'gateway = "{GATEWAYS[address]}"' in text


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


def run_vm_lines(ref: str, tmp_path: Path, old: str, **options: str) -> tuple[str, str]:
    """The template's CMD lines that call vm, on a jail with `old` done first: system.conf
    and what vm-bhyve printed and ran."""
    mirrors = require_upstream()
    lines = [line.removeprefix("CMD ") for line in bastillefile(**options).splitlines()
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


@pytest.mark.parametrize("address", ["SYNCDHCP", "192.0.2.10/24", "2001:db8::10/64"])
@pytest.mark.parametrize("ref", VM_BHYVE_REFS)
def test_the_template_turns_the_old_standard_switch_into_the_manual_one(
        ref: str, address: str, tmp_path: Path) -> None:
    """A jail the old template made (`vm switch create -i vnet0 public`, run by vm-bhyve
    itself) ends with the manual switch alone: its bridge vm-public destroyed. A static
    jail the same way (the old template gave it that standard switch too)."""
    system, out = run_vm_lines(ref, tmp_path, OLD_SWITCH, address=address)
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
    result = run(jail(OLD_RC, OLD_SYSTEM))["jail address"]
    assert result.status == "FAIL" and "holds vnet0" in result.detail
    assert result.fix.startswith(
        "bastille sysrc test-bhyve ifconfig_vnet0=up cloned_interfaces+=bridge0 "
        "'ifconfig_bridge0=addm vnet0 SYNCDHCP' && bastille cmd test-bhyve vm switch destroy "
        "public && bastille restart test-bhyve && bastille cmd test-bhyve "
        "vm switch create -t manual -b bridge0 public")


def test_doctor_fails_a_bridge_and_a_standard_switch_both_holding_vnet0() -> None:
    """A template applied again over an old jail: rc.conf has the bridge, system.conf still
    the standard switch; vnet0 can be in one bridge only."""
    result = run(jail(NEW_RC, OLD_SYSTEM))["jail address"]
    assert result.status == "FAIL" and result.fix.startswith(
        "bastille cmd test-bhyve vm switch destroy public && bastille restart test-bhyve")


def test_doctor_passes_the_bridge_and_its_manual_switch() -> None:
    results = run(jail(NEW_RC, NEW_SYSTEM))
    assert results["jail address"].status == "PASS"
    assert results["vm-bhyve switches"].status == "PASS"


def test_doctor_offers_the_manual_switch_when_a_jail_with_an_address_lacks_it() -> None:
    result = run(jail(NEW_RC, ""))["vm-bhyve switches"]
    assert result.fix == ("bastille cmd test-bhyve vm switch create -t manual -b bridge0 "
                          "public")
    assert run(jail(NEW_STATIC_RC, ""))["vm-bhyve switches"].fix == result.fix
    # a per-guest jail without an address keeps its standard switch on vnet0
    bare = 'ifconfig_vnet0="up"\nvm_enable="YES"\nvm_dir="/vms"\n'
    assert run(jail(bare, ""))["vm-bhyve switches"].fix == (
        "bastille cmd test-bhyve vm switch create -i vnet0 public")
    assert "jail address" not in run(jail(bare, OLD_SYSTEM))


# What the old template left in a static jail: the address on vnet0 (IPv6 as Bastille's
# create.sh writes it), and the standard switch holding vnet0.
OLD_STATIC_RC = {
    "192.0.2.10/24": 'ifconfig_vnet0="inet 192.0.2.10/24"\nifconfig_vnet0_ipv6=""\n'
                     'defaultrouter="192.0.2.1"\nvm_enable="YES"\nvm_dir="/vms"\n',
    "2001:db8::10/64": 'ifconfig_vnet0=""\n'
                       'ifconfig_vnet0_ipv6="inet6 -ifdisabled 2001:db8::10/64"\n'
                       'ipv6_defaultrouter="2001:db8::1"\nvm_enable="YES"\nvm_dir="/vms"\n'}
STATIC_FIX = {
    "192.0.2.10/24": "ifconfig_vnet0=up cloned_interfaces+=bridge0 "
                     "'ifconfig_bridge0=inet 192.0.2.10/24 addm vnet0'",
    "2001:db8::10/64": "ifconfig_vnet0=up cloned_interfaces+=bridge0 "
                       "'ifconfig_bridge0=addm vnet0' "
                       "'ifconfig_bridge0_ipv6=inet6 2001:db8::10/64' ifconfig_vnet0_ipv6="}
NEW_STATIC_RC = ('ifconfig_vnet0="up"\ncloned_interfaces="bridge0"\n'
                 'ifconfig_bridge0="inet 192.0.2.10/24 addm vnet0"\n'
                 'defaultrouter="192.0.2.1"\nvm_enable="YES"\nvm_dir="/vms"\n')


@pytest.mark.parametrize("address", sorted(OLD_STATIC_RC))
def test_doctor_fails_a_static_address_on_a_standard_switch_member_with_the_fix(
        address: str) -> None:
    result = run(jail(OLD_STATIC_RC[address], OLD_SYSTEM))["jail address"]
    assert result.status == "FAIL" and "holds vnet0" in result.detail, result.detail
    assert result.fix.startswith(
        f"bastille sysrc test-bhyve {STATIC_FIX[address]} && bastille cmd test-bhyve vm "
        "switch destroy public && bastille restart test-bhyve && bastille cmd test-bhyve "
        "vm switch create -t manual -b bridge0 public"), result.fix


def test_doctor_passes_a_static_address_on_the_bridge_and_its_manual_switch() -> None:
    results = run(jail(NEW_STATIC_RC, NEW_SYSTEM))
    assert results["jail address"].status == "PASS"
    assert "bridge0" in results["jail address"].detail
    assert results["vm-bhyve switches"].status == "PASS"


def test_doctor_leaves_a_non_vnet_jail_alone() -> None:
    facts = make_jail(rc_conf=readable(OLD_RC), vm_system=readable(OLD_SYSTEM))
    base = facts.jails[0]
    params = {k: v for k, v in base.params.items() if k != "vnet"}
    shared = dataclasses.replace(facts, jails=(dataclasses.replace(base, params=params),))
    assert "jail address" not in run(shared)


def test_lint_and_doctor_agree_on_the_old_template() -> None:
    """The old template's lines get lint's warning, naming the lines the new one writes."""
    old = ('SYSRC ifconfig_vnet0="SYNCDHCP"\nRESTART\n'
           "CMD vm switch list | grep -q '^public ' || vm switch create -i vnet0 public\n")
    (finding,) = lint_bastillefile(Path("Bastillefile"), old)
    assert finding.code == "address-switch-member" and finding.line == 3
    for line in (*DHCP_LINES, f"CMD {MANUAL}"):
        assert line in finding.message


@pytest.mark.parametrize("address", sorted(STATIC_LINES))
def test_lint_warns_the_old_template_of_a_static_jail(address: str) -> None:
    key = "ifconfig_vnet0_ipv6" if ":" in address else "ifconfig_vnet0"
    family = "inet6" if ":" in address else "inet"
    old = (f'SYSRC {key}="{family} {address}"\nRESTART\n'
           "CMD vm switch list | grep -q '^public ' || vm switch create -i vnet0 public\n")
    (finding,) = lint_bastillefile(Path("Bastillefile"), old)
    assert finding.code == "address-switch-member" and finding.line == 3
    for line in (*STATIC_LINES[address][:-1], f"CMD {MANUAL}"):
        assert line in finding.message, finding.message
    # a jail whose vnet0 has no address (per-guest) keeps its standard switch: no warning
    bare = old.replace(f'{key}="{family} {address}"', 'ifconfig_vnet0="up"')
    assert lint_bastillefile(Path("Bastillefile"), bare) == []


@pytest.mark.parametrize("address", sorted(OLD_STATIC_RC))
def test_init_reads_a_static_address_on_the_bridge_or_on_vnet0(address: str) -> None:
    """`init` after the template finds the address on bridge0 (so plan finds nothing to
    change) and on vnet0 in a jail the old template made; the gateway of the address's
    family, not Bastille's `defaultrouter="NO"` of an IPv6 jail."""
    new = "".join(f'{k}="{v}"\n' for k, v in jailnet.rc_settings(address))
    gateway_key = "ipv6_defaultrouter" if ":" in address else "defaultrouter"
    new += f'{gateway_key}="{GATEWAYS[address]}"\ndefaultrouter="NO"\n' if ":" in address \
        else f'{gateway_key}="{GATEWAYS[address]}"\n'
    for rc in (new, OLD_STATIC_RC[address]):
        text = init_text(make_jail(rc_conf=readable(rc)))
        assert f'address = "{address}"' in text, text
        assert f'gateway = "{GATEWAYS[address]}"' in text, text
