"""The facts pass: parsers on recorded FreeBSD outputs, the collector, the JSON record."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pytest_subprocess import FakeProcess

from bhyvetpl.adapters.runner import SubprocessRunner
from bhyvetpl.errors import SpecError
from bhyvetpl.facts import parse
from bhyvetpl.facts.collect import PROBES, collect
from bhyvetpl.facts.model import Cpu, Facts, Guest, Interface, Jail, Release
from bhyvetpl.facts.record import dumps, loads
from bhyvetpl.hostfs import HostFS
from bhyvetpl.hostfs.assign import assignments

FIX = Path(__file__).resolve().parent / "fixtures"
FREEBSD = FIX / "freebsd"


def fixture(name: str) -> str:
    return (FREEBSD / name).read_text(encoding="utf-8")


def test_kldstat_lists_vmm_without_ko() -> None:
    modules = parse.kldstat_modules(fixture("kldstat-vmm-loaded-15.0.txt"))
    assert modules[0] == "kernel" and "vmm" in modules and "zfs" in modules
    assert "nmdm" in parse.kldstat_modules(fixture("kldstat-vmm-loaded-12.1-amd.txt"))
    assert parse.kldstat_modules("kldstat: can't find file vmm\n") == ()


def test_default_route_interface_read_by_header_column() -> None:
    assert parse.default_interface(fixture("netstat-rn-inet-section-vtnet0-2020.txt")) == "vtnet0"
    assert parse.default_interface("") is None


@pytest.mark.parametrize(("name", "iface", "members", "groups"), [
    ("ifconfig-bridge0-members-em0-em1-15.x.txt", "bridge0", ("em1", "em0"), ("bridge",)),
    ("ifconfig-vm-public-member-ue0-14.2.txt", "vm-public", ("ue0",),
     ("bridge", "vm-switch", "viid-4c918@")),
    ("ifconfig-vm-public-inet-no-members-13.0-p4.txt", "vm-public", (), ("bridge", "vm-switch")),
])
def test_ifconfig_bridges(name: str, iface: str, members: tuple[str, ...],
                          groups: tuple[str, ...]) -> None:
    found = {i.name: i for i in parse.interfaces(fixture(name))}
    assert found[iface].members == members
    assert found[iface].groups[:len(groups)] == groups and found[iface].bridge


def test_ifconfig_addresses_and_non_bridges() -> None:
    found = parse.interfaces(fixture("ifconfig-a-g-epair-in-vnet-jail-15.0.txt"))
    assert found and not any(i.bridge for i in found)
    assert any(i.addresses for i in found)


def test_jls_json_reads_every_parameter() -> None:
    jails = parse.jls_json(fixture("jls-libxo-json-vnet-jail-15.0-p1.txt"))
    demo = jails["demo"]
    assert demo["vnet"] == "new" and demo["securelevel"] == "-1"
    assert demo["devfs_ruleset"] == "5" and demo["ip4.addr"] == ""
    assert parse.jls_json("") == {}


def test_zfs_list_with_the_default_columns() -> None:
    datasets = parse.zfs_list(fixture("zfs-list-r-vm-bhyve-guest-zvol-15.0.txt"))
    assert [(d.name, d.mountpoint) for d in datasets] == [
        ("zroot/usr/vm/freebsd", "/usr/vm/freebsd"), ("zroot/usr/vm/freebsd/disk0", "-")]
    many = parse.zfs_list(fixture("zfs-list-bhyve-datasets-boot-environments-14.3.txt"))
    assert ("cbsd", "/zroot") in [(d.name, d.mountpoint) for d in many]


def test_bastille_conf_sample_expands_the_prefix() -> None:
    conf = assignments(fixture("bastille.conf.sample-bastille-1.4.4-2280556.txt"), expand=True)
    assert conf["bastille_prefix"] == "/usr/local/bastille"
    assert conf["bastille_jailsdir"] == "/usr/local/bastille/jails"
    assert conf["bastille_releasesdir"] == "/usr/local/bastille/releases"


@pytest.mark.parametrize(("text", "value"), [
    ('x="$(id)"\n', None), ("x=`id`\n", None), ('x="${nope}/a"\n', None),
    ("x='${kept}'\n", "${kept}"), ('x="a b" # note\n', "a b"), ('x="open\n', None),
])
def test_assignments_never_guess_what_sh_would_run(text: str, value: str | None) -> None:
    assert assignments(text, expand=True)["x"] == value


def recorded_host(fp: FakeProcess, root: Path, jails: int, guests: int) -> None:
    outputs = {
        "release": fixture("freebsd-version-kru-14.3-kernel-p5-running-14.3-userland-p6.txt"),
        "modules": fixture("kldstat-vmm-loaded-15.0.txt"),
        "sysctls": fixture("sysctl-security-jail-jailed-0.txt"),
        "routes": fixture("netstat-rn-inet-section-vtnet0-2020.txt"),
        "interfaces": fixture("ifconfig-bridge0-members-em0-em1-15.x.txt"),
        "jails": fixture("jls-libxo-json-vnet-jail-15.0-p1.txt"),
        "datasets": fixture("zfs-list-r-vm-bhyve-guest-zvol-15.0.txt"),
        "pci": fixture("pciconf-lv-ppt0-bound-15.0.txt"),
    }
    for key, argv in PROBES.items():
        if key.startswith("module "):   # read by exit status (kldstat-q-m-vmm-exit-1-...)
            fp.register(list(argv), returncode=0 if key != "module if_tap" else 1)
        else:
            fp.register(list(argv), stdout=outputs[key])
    (root / "var/run").mkdir(parents=True)
    (root / "var/run/dmesg.boot").write_text(fixture("dmesg-intel-n100-ept-ug-15.0-current.txt"))
    conf = root / "usr/local/etc/bastille"
    conf.mkdir(parents=True)
    (conf / "bastille.conf").write_text(fixture("bastille.conf.sample-bastille-1.4.4-2280556.txt"))
    (root / "usr/local/bastille/releases/14.3-RELEASE").mkdir(parents=True)
    jail_conf = fixture("bastille-jail.conf-bhyve-vnet-12.2.txt")
    guest_conf = (FIX / "lint" / "freebsd.conf").read_text()
    for j in range(jails):
        name = "demo" if j == 0 else f"j{j}"
        jail_dir = root / "usr/local/bastille/jails" / name
        (jail_dir / "root/etc").mkdir(parents=True)
        (jail_dir / "jail.conf").write_text(jail_conf.replace("test-bhyve {", f"{name} {{"))
        (jail_dir / "root/etc/rc.conf").write_text('vm_enable="YES"\nvm_dir="/vms"\n')
        for g in range(guests):
            (jail_dir / f"root/vms/g{g}").mkdir(parents=True)
            (jail_dir / f"root/vms/g{g}/g{g}.conf").write_text(guest_conf)
        (jail_dir / "root/vms/.templates").mkdir(parents=True)
    demo = root / "usr/local/bastille/jails/demo/root"
    for path, text in (("usr/local/lib/vm-bhyve/vm-base", "VERSION=1.7.5\n"),
                       ("vms/.config/system.conf", 'switch_list="public"\n'),
                       ("usr/local/share/uefi-firmware/BHYVE_UEFI.fd", ""),
                       ("usr/local/sbin/grub-bhyve", "")):
        (demo / path).parent.mkdir(parents=True, exist_ok=True)
        (demo / path).write_text(text)
    (root / "boot").mkdir()
    (root / "boot/loader.conf").write_text('vmm_load="YES"\npptdevs="2/0/0 $(x)"\n')
    (root / "etc").mkdir()
    (root / "etc/devfs.rules").write_text(fixture("etc-devfs.rules-bhyve-jail-25.txt"))


def test_collect_reads_a_recorded_host(fp: FakeProcess, tmp_path: Path) -> None:
    recorded_host(fp, tmp_path, jails=2, guests=2)
    facts = collect(SubprocessRunner(), HostFS(tmp_path))
    assert facts.release == Release("14.3-RELEASE-p5", "14.3-RELEASE", "14.3-RELEASE-p6")
    assert facts.cpu is not None and facts.cpu.intel and facts.cpu.nested_paging
    assert "vmm" in facts.modules and facts.sysctls == {"security.jail.jailed": "0"}
    assert facts.default_interface == "vtnet0"
    assert facts.interface("bridge0") == Interface(
        "bridge0", ("bridge",), ("em1", "em0"), ())
    assert facts.bastille_prefix == "/usr/local/bastille"
    assert facts.bastille_releases == ("14.3-RELEASE",)
    demo = facts.jail("demo")
    assert demo is not None and demo.running and demo.live["vnet"] == "new"
    assert demo.params["allow.vmm"] == "" and demo.params["devfs_ruleset"] == "25"
    assert demo.rc_conf["vm_dir"] == "/vms"
    assert [g.name for g in demo.guests] == ["g0", "g1"]
    assert demo.guests[0].config["loader"] == "bhyveload"
    j1 = facts.jail("j1")
    assert j1 is not None and not j1.running
    assert facts.registered == ("vmm", "nmdm", "if_bridge", "if_tuntap")
    assert facts.pci == {"2/0/0": "ppt"}
    assert [r.number for r in facts.devfs_rulesets] == [25]
    assert facts.loader_conf == {"vmm_load": "YES", "pptdevs": "2/0/0 $(x)"}
    assert demo.param_lines["securelevel"] == 12 and demo.vm_bhyve_version == "1.7.5"
    assert demo.vm_system == {"switch_list": "public"} and demo.firmware == ("BHYVE_UEFI.fd",)
    assert demo.grub_bhyve and not j1.grub_bhyve and j1.firmware == ()
    assert demo.guests[0].path == "/usr/local/bastille/jails/demo/root/vms/g0/g0.conf"
    assert demo.guests[0].text == (FIX / "lint" / "freebsd.conf").read_text()


@pytest.mark.parametrize(("jails", "guests"), [(1, 1), (3, 5), (10, 20)])
def test_processes_do_not_grow_with_jails_or_guests(fp: FakeProcess, tmp_path: Path,
                                                    jails: int, guests: int) -> None:
    recorded_host(fp, tmp_path, jails, guests)
    facts = collect(SubprocessRunner(), HostFS(tmp_path))
    assert len(facts.jails) == jails and sum(len(j.guests) for j in facts.jails) == jails * guests
    assert len(fp.calls) == len(PROBES) == 13


def test_a_missing_program_reads_as_no_output(fp: FakeProcess, tmp_path: Path) -> None:
    for argv in PROBES.values():
        fp.register(list(argv), callback=lambda _: (_ for _ in ()).throw(FileNotFoundError()))
    facts = collect(SubprocessRunner(), HostFS(tmp_path))
    assert facts == Facts(bastille_prefix="/usr/local/bastille",
                          bastille_jailsdir="/usr/local/bastille/jails")


def test_record_round_trips(fp: FakeProcess, tmp_path: Path) -> None:
    recorded_host(fp, tmp_path, jails=2, guests=1)
    facts = collect(SubprocessRunner(), HostFS(tmp_path))
    assert loads(dumps(facts)) == facts


@pytest.mark.parametrize(("text", "where"), [
    ("{", "line 1"), ('{"format": 2, "facts": {}}', "format"),
    ('{"format": 1, "facts": {"colour": 1}}', "colour"),
    ('{"format": 1, "facts": {"modules": "vmm"}}', "modules"),
    ('{"format": 1, "facts": {"release": {"userland": "x"}}}', "release"),
    ('{"format": 1, "facts": {"jails": [{"name": 3}]}}', "jails[0].name"),
])
def test_record_refuses_what_it_did_not_write(text: str, where: str) -> None:
    with pytest.raises(SpecError, match=where.replace("[", r"\[").replace("]", r"\]")):
        loads(text)


names = st.text(st.characters(codec="utf-8"), max_size=12)


@given(st.builds(
    Facts,
    release=st.none() | st.builds(Release, names, names, names),
    cpu=st.none() | st.builds(Cpu, names, st.lists(names).map(tuple)),
    modules=st.lists(names).map(tuple),
    sysctls=st.dictionaries(names, names),
    jails=st.lists(st.builds(Jail, names, st.dictionaries(names, names),
                             guests=st.lists(st.builds(Guest, names)).map(tuple))).map(tuple),
))
def test_any_facts_round_trip(facts: Facts) -> None:
    assert loads(dumps(facts)) == facts


def test_a_jail_cannot_point_facts_outside_its_root(fp: FakeProcess, tmp_path: Path) -> None:
    """A guest directory or config planted as a symlink reads as absent, never followed."""
    recorded_host(fp, tmp_path / "host", jails=1, guests=1)
    outside = tmp_path / "outside"
    (outside / "g9").mkdir(parents=True)
    (outside / "g9" / "g9.conf").write_text('loader="bhyveload"\n')
    vms = tmp_path / "host/usr/local/bastille/jails/demo/root/vms"
    (vms / "g9").symlink_to(outside / "g9")
    (vms / "g0" / "g0.conf").unlink()
    (vms / "g0" / "g0.conf").symlink_to(outside / "g9" / "g9.conf")
    facts = collect(SubprocessRunner(), HostFS(tmp_path / "host"))
    demo = facts.jail("demo")
    assert demo is not None and demo.guests == ()


def test_vm_dir_with_dotdot_stays_in_the_jail(fp: FakeProcess, tmp_path: Path) -> None:
    # The jail writes its own rc.conf: `..` in vm_dir must not reach the host's files.
    recorded_host(fp, tmp_path / "host", jails=1, guests=1)
    demo = tmp_path / "host/usr/local/bastille/jails/demo/root"
    (demo / "etc/rc.conf").write_text('vm_dir="/../../../../../../../../out"\n')
    (tmp_path / "out/g9").mkdir(parents=True)
    (tmp_path / "out/g9/g9.conf").write_text('loader="bhyveload"\n')
    jail = collect(SubprocessRunner(), HostFS(tmp_path / "host")).jail("demo")
    assert jail is not None and jail.guests == ()


def test_jails_dir_given_wins_over_bastille_conf(fp: FakeProcess, tmp_path: Path) -> None:
    recorded_host(fp, tmp_path, jails=1, guests=1)
    (tmp_path / "usr/local/bastille/jails").rename(tmp_path / "elsewhere")
    facts = collect(SubprocessRunner(), HostFS(tmp_path), PurePosixPath("/elsewhere"))
    assert [j.name for j in facts.jails] == ["demo"]
    assert facts.bastille_jailsdir == "/elsewhere"


def test_zfs_vm_dir_zfs_did_not_list_is_at_its_default_mountpoint(
        fp: FakeProcess, tmp_path: Path) -> None:
    # zfs-list-r-vm-bhyve-guest-zvol-15.0.txt has no tank/vms row: /tank/vms in the jail.
    recorded_host(fp, tmp_path, jails=1, guests=1)
    demo = tmp_path / "usr/local/bastille/jails/demo/root"
    (demo / "etc/rc.conf").write_text('vm_dir="zfs:tank/vms"\n')
    (demo / "tank").mkdir()
    (demo / "vms").rename(demo / "tank/vms")
    jail = collect(SubprocessRunner(), HostFS(tmp_path)).jail("demo")
    assert jail is not None and [g.name for g in jail.guests] == ["g0"]
    assert jail.guests[0].path == "/usr/local/bastille/jails/demo/root/tank/vms/g0/g0.conf"


# Command outputs (moved from the doctor's parser tests).

def test_freebsd_version_kru() -> None:
    text = fixture("freebsd-version-kru-15.0-kernel-installed-running-14.3.txt")
    assert parse.freebsd_version(text) == ("15.0-RELEASE", "14.3-RELEASE-p5", "14.3-RELEASE-p6")
    assert parse.freebsd_version("14.3-RELEASE\n") is None


@pytest.mark.parametrize(("name", "vendor", "vmx_or_svm", "paging", "ug", "popcnt", "off"), [
    ("dmesg-intel-xeon-e2274g-ept-ug.txt", "GenuineIntel", True, True, True, True, False),
    ("dmesg-intel-xeon-ept-ug-13.0-current.txt", "GenuineIntel", True, True, True, True, False),
    ("dmesg-intel-n100-ept-ug-15.0-current.txt", "GenuineIntel", True, True, True, True, False),
    ("dmesg-intel-nehalem-ept-no-ug-12.2.txt", "GenuineIntel", True, True, False, True, False),
    ("dmesg-intel-core2-no-ept-12.0.txt", "GenuineIntel", True, False, False, False, False),
    ("dmesg-intel-vtx-disabled-in-bios-kvm-guest-10.2.txt", "GenuineIntel", True, True, True,
     True, True),
    ("dmesg-intel-kvm-guest-no-vmx-15.0.txt", "GenuineIntel", False, False, False, True, False),
    ("dmesg-amd-gx412tc-svm-16.0-current.txt", "AuthenticAMD", True, True, False, True, False),
    ("dmesg-amd-ryzen-svm-14.3-guest.txt", "AuthenticAMD", True, True, False, True, False),
])
def test_cpu_info(name: str, vendor: str, vmx_or_svm: bool, paging: bool, ug: bool,
                  popcnt: bool, off: bool) -> None:
    cpu = parse.cpu_info(fixture(name))
    assert cpu is not None and cpu.vendor == vendor
    if cpu.intel:
        assert ("VMX" in cpu.features2) is vmx_or_svm
        assert (cpu.vtx is not None and "EPT" in cpu.vtx) is paging
        assert (cpu.vtx is not None and "UG" in cpu.vtx) is ug
    else:
        assert ("SVM" in cpu.amd_features2) is vmx_or_svm
        assert (cpu.svm is not None and "NP" in cpu.svm) is paging
    assert ("POPCNT" in cpu.features2) is popcnt
    assert cpu.vtx_disabled is off


def test_sysctl_values_and_unknown_oid() -> None:
    assert parse.sysctl_values(fixture("sysctl-net-link-tap-up-on-open-0-11.0.txt")) == {
        "net.link.tap.up_on_open": "0"}
    assert parse.sysctl_values(fixture("sysctl-security-jail-jailed-0.txt")) == {
        "security.jail.jailed": "0"}
    many = parse.sysctl_values(fixture("sysctl-a-kern-excerpt-16.0-current.txt"))
    assert many["kern.securelevel"] == "-1" and many["kern.osrelease"] == "16.0-CURRENT"
    assert parse.sysctl_unknown(fixture("sysctl-net-link-tap-up-on-open-unknown-oid-11.0-beta1.txt")
                                ) == {"net.link.tap.up_on_open"}


@pytest.mark.parametrize(("name", "expected"), [
    ("pciconf-lv-ppt0-bound-15.0.txt", {"2/0/0": "ppt"}),
    ("pciconf-lv-no-driver-none-15.0.txt", {"2/0/0": "none"}),
    ("pciconf-lv-ppt-nics-13.0-current.txt", {"4/0/0": "ppt", "4/0/1": "ppt"}),
    ("pciconf-lv-ppt0-82580-12.2.txt", {"1/0/0": "ppt"}),
    ("pciconf-lv-igb0-normal-driver-12.2.txt", {"1/0/0": "igb"}),
    ("pciconf-lv-re0-normal-driver-14.x.txt", {"46/0/0": "re"}),
    ("pciconf-lv-vgapci0-before-ppt-tesla-p10.txt", {"1/0/0": "vgapci"}),
    ("pciconf-lv-ppt0-tesla-p10.txt", {"1/0/0": "ppt"}),
])
def test_pci_drivers(name: str, expected: dict[str, str]) -> None:
    assert parse.pci_drivers(fixture(name)) == expected


def test_pci_drivers_full_listing() -> None:
    drivers = parse.pci_drivers(fixture("pciconf-lv-full-intel-alderlake-14.x.txt"))
    assert drivers["0/2/0"] == "vgapci" and drivers["0/13/2"] == "none"


def test_vm_passthru() -> None:
    rows = parse.vm_passthru(fixture("vm-passthru-ppt-ready-14.0.txt"))
    assert [(r.device, r.bsf, r.ready) for r in rows][:2] == [
        ("ppt0", "2/0/0", True), ("ppt1", "2/0/1", True)]
    (row,) = parse.vm_passthru(fixture("vm-passthru-ppt0-not-ready.txt"))
    assert (row.bsf, row.ready, row.description) == ("1/0/0", False, "GP102GL [Tesla P10]")
    assert len(parse.vm_passthru(fixture("vm-passthru-intel-host-in-jail-12.2.txt"))) == 17
    amd = parse.vm_passthru(fixture("vm-passthru-amd-host-none-ready.txt"))
    assert len(amd) == 15 and not any(r.ready for r in amd)
    (vga,) = parse.vm_passthru(fixture("vm-passthru-vgapci-not-ready.txt"))
    assert (vga.device, vga.bsf, vga.ready) == ("vgapci0", "4/0/0", False)


def test_vm_switches() -> None:
    assert parse.vm_switches(fixture("vm-switch-list-14.3.txt")) == {"public": "standard"}
    assert parse.vm_switches(fixture("vm-switch-list-14.2.txt")) == {"public": "standard"}
    assert parse.vm_switches(fixture("vm-switch-list-vxlan-misaligned.txt")) == {
        "public": "standard", "vxlan1024": "vxlan"}


# Bastille's own fstab lines: mount.sh (`HOST JAILS/NAME/root/PATH TYPE OPTS 0 0`, a blank
# in a path as \040) and create.sh (a thin jail's release, a Linux jail's aligned lines),
# BastilleBSD/bastille usr/local/share/bastille/{mount,create}.sh @ 1.4.4.
BASTILLE_FSTAB = (
    "/usr/local/bastille/releases/14.3-RELEASE /usr/local/bastille/jails/demo/root/.bastille "
    "nullfs ro 0 0\n"
    "/tank/vms /usr/local/bastille/jails/demo/root/vms nullfs rw 0 0\n"
    "/tank/iso\\040images /usr/local/bastille/jails/demo/root/mnt/iso\\040images nullfs ro 0 0\n"
    "tmpfs           /usr/local/bastille/jails/demo/root/dev/shm  tmpfs           "
    "rw,size=1g,mode=1777    0       0\n"
)


def test_fstab_reads_bastilles_lines() -> None:
    mounts = parse.fstab("# comment\n\n" + BASTILLE_FSTAB)
    assert [(m.source, m.target.rsplit("/", 1)[-1], m.fstype, m.options, m.number)
            for m in mounts] == [
        ("/usr/local/bastille/releases/14.3-RELEASE", ".bastille", "nullfs", "ro", 3),
        ("/tank/vms", "vms", "nullfs", "rw", 4),
        ("/tank/iso images", "iso images", "nullfs", "ro", 5),
        ("tmpfs", "shm", "tmpfs", "rw,size=1g,mode=1777", 6)]
    assert mounts[2].line == BASTILLE_FSTAB.splitlines()[2]   # kept as written


def test_rctl_usage_reads_the_recorded_output() -> None:
    usage = parse.rctl_usage(fixture("rctl-hu-jail-uwsgi.txt"))
    assert len(usage) == 25 and usage["vmemoryuse"] == "13M" and usage["maxproc"] == "1"
    assert usage["openfiles"] == "256" and usage["memoryuse"] == "4040K"


@pytest.mark.parametrize(("amount", "at_most"), [
    ("0", 0), ("256", 256), ("13M", 14 * 2**20 - 1), ("4040K", 4041 * 1024 - 1),
    ("1.5G", 16 * 2**30 // 10), ("9.9G", 10 * 2**30), ("x", None), ("13 M", None)])
def test_a_humanized_amount_is_read_at_its_most(amount: str, at_most: int | None) -> None:
    """humanize_number rounds: a limit is compared with the most the amount can be."""
    assert parse.humanized_at_most(amount) == at_most


def test_collect_reads_each_jails_fstab(fp: FakeProcess, tmp_path: Path) -> None:
    recorded_host(fp, tmp_path, jails=1, guests=1)
    # the recorded jail.conf names its fstab (mount.fstab), as Bastille's create.sh writes it
    fstab = tmp_path / "usr/local/bastille/jails/test-bhyve/fstab"
    fstab.parent.mkdir(parents=True)
    fstab.write_text(BASTILLE_FSTAB)
    demo = collect(SubprocessRunner(), HostFS(tmp_path)).jail("demo")
    assert demo is not None and demo.fstab_path == "/usr/local/bastille/jails/test-bhyve/fstab"
    assert [m.source for m in demo.fstab][:2] == ["/usr/local/bastille/releases/14.3-RELEASE",
                                                  "/tank/vms"]
    assert len(fp.calls) == len(PROBES)   # racct is off: no rctl


def test_usage_is_read_for_a_running_bhyve_jail_only(fp: FakeProcess) -> None:
    from bhyvetpl.facts.collect import with_usage
    fp.register(["rctl", "-hu", "jail:bhyve"], stdout=fixture("rctl-hu-jail-uwsgi.txt"))
    running = Jail("bhyve", params={"allow.vmm": ""}, running=True)
    assert with_usage(SubprocessRunner(), running).usage["vmemoryuse"] == "13M"
    for jail in (Jail("bhyve", params={"allow.vmm": ""}), Jail("web", running=True)):
        assert with_usage(SubprocessRunner(), jail) is jail
    assert len(fp.calls) == 1


def test_usage_reads_as_unknown_when_rctl_refuses(fp: FakeProcess) -> None:
    from bhyvetpl.facts.collect import with_usage
    fp.register(["rctl", "-hu", "jail:bhyve"], returncode=1,
                stderr=fixture("rctl-error-racct-disabled.txt"))
    jail = Jail("bhyve", params={"allow.vmm": ""}, running=True)
    assert with_usage(SubprocessRunner(), jail).usage == {}


def test_the_readme_counts_and_names_every_command_a_facts_pass_runs() -> None:
    """The README's facts section is what an admin audits bhyvetpl by: it must not drift."""
    text = " ".join((Path(__file__).parent.parent / "README.md").read_text().split())
    section = text[text.index("## Facts: what bhyvetpl reads"):]
    words = {13: "thirteen"}
    assert f"read-only: {words[len(PROBES)]} commands" in section
    for argv in PROBES.values():
        if argv[:3] == ("kldstat", "-q", "-m"):
            assert f"`{argv[3]}`" in section
        elif argv[0] != "sysctl":
            assert f"`{' '.join(argv)}`" in section, argv
