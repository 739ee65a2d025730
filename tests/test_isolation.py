"""isolation = "per-guest": a spec jail becomes one Bastille jail per guest (named after it),
each with its own ruleset (free numbers only), reaching that guest's nodes and no other's."""

from __future__ import annotations

import dataclasses
from pathlib import Path, PurePosixPath

import pytest

from bhyvetpl.adapters.bastille import NO_ADDRESS_ARG
from bhyvetpl.errors import SpecError
from bhyvetpl.facts.model import Facts, Interface, Jail, Release
from bhyvetpl.facts.model import Guest as FactGuest
from bhyvetpl.hostfs.devfs import Ruleset, rulesets
from bhyvetpl.model.policy import Features
from bhyvetpl.plan.rootpkg import package_step
from bhyvetpl.render import render_guest, render_host, render_jail
from bhyvetpl.spec.load import parse_spec
from bhyvetpl.spec.resolve import resolve
from tests.standin_env import Host
from tests.test_emit_e2e import seed, twin_hosts, use
from tests.test_ruleset_fnmatch import fnmatch_pathname, guest_nodes

HOST = Facts(release=Release("15.0-RELEASE", "15.0-RELEASE", "15.0-RELEASE"),
             default_interface="em0")
SPEC = """version = 1

[jails.lab]
network = "vnet"
address = "SYNCDHCP"
isolation = "per-guest"

[jails.lab.guests.web]
preset = "linux"
graphics = true
memory = "2G"

[jails.lab.guests.db]
preset = "freebsd"
memory = "1G"
"""


def test_each_guest_gets_a_jail_of_its_own() -> None:
    desired = resolve(parse_spec(SPEC, "s.toml"), HOST)
    assert [(j.name, [g.name for g in j.guests], j.ruleset.number, j.ruleset.name)
            for j in desired.jails] == [
        ("web", ["web"], 25, "devfs_rules_bhyve_jail"),
        ("db", ["db"], 26, "devfs_rules_bhyve_jail_db")]
    assert set(desired.presets) == {"web/web", "db/db"}


def test_shared_is_the_default_and_unchanged() -> None:
    desired = resolve(parse_spec(SPEC.replace('isolation = "per-guest"\n', ""), "s.toml"), HOST)
    assert [(j.name, len(j.guests)) for j in desired.jails] == [("lab", 2)]


def test_each_ruleset_reaches_its_guest_and_not_the_other() -> None:
    jails = resolve(parse_spec(SPEC, "s.toml"), HOST).jails
    for jail in jails:
        (mine,) = jail.guests
        text = next(f.text for f in render_host(Features.of_jail(jail))
                    if str(f.relpath) == "etc/devfs.rules")
        unhidden = rulesets(text)[0].unhidden
        for other in ("web", "db", "web2", "db.old"):
            nodes = guest_nodes(other, uefi=True, vnc=True) - {
                f"vmm.io/{other}.bootrom", f"vmm.io/{other}.framebuffer"} if (
                other == mine.name and not mine.uefi) else guest_nodes(other, True, True)
            if other == mine.name and mine.graphics is None:
                nodes.discard(f"vmm.io/{other}.framebuffer")
            reached = {n for n in nodes if any(fnmatch_pathname(r, n) for r in unhidden)}
            if other == mine.name:
                assert reached == nodes, (jail.name, nodes - reached)
            else:
                assert not {n for n in reached if n.startswith(("vmm/", "vmm.io/"))}, reached
                if other in ("web", "db"):   # the other guest of the spec: nothing at all
                    assert not reached, (jail.name, reached)


def test_ruleset_numbers_skip_one_the_admin_holds() -> None:
    facts = Facts(release=HOST.release, default_interface="em0",
                  devfs_rulesets=(Ruleset("localrules", 26, 1),))
    numbers = [j.ruleset.number for j in resolve(parse_spec(SPEC, "s.toml"), facts).jails]
    assert numbers == [25, 27]


@pytest.mark.parametrize(("edit", "where"), [
    (lambda t: t.replace('"per-guest"', '"per-vm"'), "jails.lab.isolation"),
    (lambda t: t.replace('isolation', 'vm_dir = "zfs:tank/vm"\nisolation') + '[jails.b]\n'
     'network = "vnet"\naddress = "SYNCDHCP"\nvm_dir = "zfs:tank/vm/db"\n', "jails.b.vm_dir"),
    (lambda t: t.replace("guests.db]", 'guests."db-1"]'), "jails.lab.guests.db-1"),
    (lambda t: t + '[jails.b]\nnetwork = "vnet"\naddress = "SYNCDHCP"\nisolation = '
     '"per-guest"\n[jails.b.guests.db]\n', "jails.b.guests.db"),
])
def test_what_per_guest_cannot_do_is_refused_naming_the_key(edit: object, where: str) -> None:
    with pytest.raises(SpecError) as info:
        resolve(parse_spec(edit(SPEC), "s.toml"), HOST)  # type: ignore[operator]
    assert f" {where}:" in str(info.value)


def test_apply_makes_both_jails_then_plan_finds_nothing(fake_host: Host,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       tmp_path: Path) -> None:
    seed(fake_host)
    use(fake_host, monkeypatch)
    spec = tmp_path / "bhyvetpl.toml"
    spec.write_text(SPEC)
    args = ("-f", str(spec), "--root", str(fake_host.root))
    code, out, err = fake_host.cli("apply", *args)
    assert code == 0, out + err
    calls = fake_host.calls()
    created = [c[3] for c in calls if c[:3] == ("bastille", "create", "-V")]
    assert sorted(created) == ["db", "web"]
    rules = (fake_host.root / "etc/devfs.rules").read_text()
    assert "[devfs_rules_bhyve_jail=25]" in rules and "[devfs_rules_bhyve_jail_db=26]" in rules
    code, out, err = fake_host.cli("plan", *args)
    assert code == 0, out + err
    assert "nothing to do" in out


# The README's setup as a per-guest spec writes it: no address, no tap named.
DEFAULT = SPEC.replace('address = "SYNCDHCP"\n', "")


def _pinned(spec: str) -> str:
    """SPEC with each guest's NIC naming its tap and a static jail address."""
    return (spec.replace('address = "SYNCDHCP"', 'address = "192.0.2.10/24"')
            .replace('memory = "2G"', 'memory = "2G"\nnics = ["public,device=tap1025"]')
            .replace('memory = "1G"', 'memory = "1G"\nnics = ["public,device=tap1026"]'))


@pytest.mark.parametrize("pinned", [False, True])
def test_the_readme_comparison_lists_every_node_a_per_guest_jail_gets(pinned: bool) -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    table = readme.split("**Compared with the peer.**", 1)[1].split("\n\n", 2)[1]
    spec = _pinned(SPEC) if pinned else DEFAULT
    for jail in resolve(parse_spec(spec, "s.toml"), HOST).jails:
        text = next(f.text for f in render_host(Features.of_jail(jail))
                    if str(f.relpath) == "etc/devfs.rules")
        ruleset = rulesets(text)[0]
        missing = [p for p in (*ruleset.includes, *ruleset.unhidden) if f"`{p}`" not in table
                   and f"`{p.replace('db', 'web')}`" not in table
                   and p not in ("tap1000", "tap1001", "tap1025", "tap1026")]
        assert not missing, f"README comparison lacks {missing}"
    assert "`tap1000`" in table and "device=tap1025" in table


# Nodes devfsrules_jail (4) unhides beyond bastille-vm-plugin 1.0's per-VM ruleset
# (tests/fixtures/freebsd/etc-defaults-devfs.rules-freebsd-src-1b1334b.txt; bhyve.sh
# vm_load_devfs_ruleset @ 9f717b3: add hide, then null zero random urandom).
JAIL_ONLY = ("crypto", "ptmx", "pts", "pts/0", "fd", "fd/0", "stdin", "stdout", "stderr",
             "ttyp0", "ptyp0", "fuse", "zfs")


def _ruleset(jail: object) -> Ruleset:
    text = next(f.text for f in render_host(Features.of_jail(jail))  # type: ignore[arg-type]
                if str(f.relpath) == "etc/devfs.rules")
    return rulesets(text)[0]


def test_a_per_guest_jail_starts_from_hide_all_with_the_peers_four_basics() -> None:
    for jail in resolve(parse_spec(SPEC, "s.toml"), HOST).jails:
        ruleset = _ruleset(jail)
        assert ruleset.includes == ("$devfsrules_hide_all",), jail.name
        reached = {n for n in (*JAIL_ONLY, "null", "zero", "random", "urandom")
                   if any(fnmatch_pathname(r, n) for r in ruleset.unhidden)}
        assert reached == {"null", "zero", "random", "urandom"}, jail.name


def test_a_shared_jail_keeps_devfsrules_jail() -> None:
    (jail,) = resolve(parse_spec(SPEC.replace('isolation = "per-guest"\n', ""), "s.toml"),
                      HOST).jails
    ruleset = _ruleset(jail)
    assert ruleset.includes == ("$devfsrules_jail",)
    assert "null" not in ruleset.unhidden


def test_named_taps_and_a_static_address_leave_nothing_the_peer_lacks() -> None:
    """Taps the admin names are kept as named, and a static address needs no bpf either."""
    for jail, tap in zip(resolve(parse_spec(_pinned(SPEC), "s.toml"), HOST).jails,
                         ("tap1025", "tap1026"), strict=True):
        unhidden = _ruleset(jail).unhidden
        assert "tap*" not in unhidden and not [p for p in unhidden if p.startswith("bpf")]
        taps = {n for n in ("tap0", "tap1", "tap1025", "tap1026", "tap10250")
                if any(fnmatch_pathname(r, n) for r in unhidden)}
        assert taps == {tap}, jail.name


# Taps a host may have whatever bhyvetpl does: the kernel's first units (vm-bhyve's
# unnamed NICs, the peer's), and names that share a prefix with the ones chosen.
OTHER_TAPS = ("tap0", "tap1", "tap9", "tap100", "tap10000", "tap10001", "tap1000a")


def test_by_default_a_per_guest_jail_names_its_taps_and_needs_no_bpf() -> None:
    """The README's per-guest column, as written: no address, no tap named in the spec."""
    jails = resolve(parse_spec(DEFAULT, "s.toml"), HOST).jails
    assert [(j.name, j.address, j.jail_taps, j.host_taps) for j in jails] == [
        ("web", "none", ("tap1000",), ()), ("db", "none", ("tap1001",), ())]
    for jail in jails:
        unhidden = _ruleset(jail).unhidden
        assert "tap*" not in unhidden and not [p for p in unhidden if p.startswith("bpf")]
        reached = {t for t in (*OTHER_TAPS, "tap1000", "tap1001")
                   if any(fnmatch_pathname(r, t) for r in unhidden)}
        assert reached == set(jail.jail_taps), jail.name


def test_a_guests_ruleset_reaches_none_of_the_other_guests_taps() -> None:
    """devfs's own matching (FNM_PATHNAME): each guest's rules against every guest's taps."""
    spec = DEFAULT.replace("guests.db]", "guests.web1]")
    spec += '[jails.lab.guests.we]\npreset = "freebsd"\nnics = ["public", "public"]\n'
    jails = {j.name: j for j in resolve(parse_spec(spec, "s.toml"), HOST).jails}
    assert {n: j.jail_taps for n, j in jails.items()} == {
        "web": ("tap1000",), "web1": ("tap1001",), "we": ("tap1002", "tap1003")}
    for name, jail in jails.items():
        unhidden = _ruleset(jail).unhidden
        for other, theirs in jails.items():
            reached = {t for t in theirs.jail_taps if any(fnmatch_pathname(r, t)
                                                         for r in unhidden)}
            assert reached == (set(theirs.jail_taps) if other == name else set()), (name,
                                                                                   other)


def test_the_jail_makes_its_taps_and_takes_no_address() -> None:
    """Its template: vnet0 only up, the taps in cloned_interfaces before the restart, no PKG."""
    web = resolve(parse_spec(DEFAULT, "s.toml"), HOST).jails[0]
    text = render_jail(web)[0].text
    assert 'SYSRC ifconfig_vnet0="up"\n' in text and "DHCP" not in text
    assert text.index('SYSRC cloned_interfaces="tap1000"') < text.index("RESTART")
    assert "\nPKG " not in text
    assert 'network0_device="tap1000"' in render_guest(web.guests[0])


def test_taps_already_used_on_the_host_or_by_other_jails_are_skipped() -> None:
    other = Jail("lab2", rc_conf={"cloned_interfaces": "bridge0 tap1002"}, guests=(
        FactGuest("old", {"network0_device": "tap1001", "network1_device": "tap1003"}),))
    facts = dataclasses.replace(HOST, interfaces=(Interface("tap1000"), Interface("em0")),
                                jails=(other,))
    jails = resolve(parse_spec(DEFAULT, "s.toml"), facts).jails
    assert [j.jail_taps for j in jails] == [("tap1004",), ("tap1005",)]


def test_a_second_plan_keeps_the_taps_the_guests_have() -> None:
    """The guest's config (or, before the guest exists, its jail's rc.conf) keeps its tap."""
    web = Jail("web", rc_conf={"cloned_interfaces": "tap1003"},
               guests=(FactGuest("web", {"network0_device": "tap1007"}),))
    db = Jail("db", rc_conf={"cloned_interfaces": "tap1000"})
    facts = dataclasses.replace(HOST, jails=(web, db))
    jails = resolve(parse_spec(DEFAULT, "s.toml"), facts).jails
    assert [j.jail_taps for j in jails] == [("tap1007",), ("tap1000",)]


def test_an_address_written_in_the_spec_is_kept() -> None:
    jails = resolve(parse_spec(SPEC, "s.toml"), HOST).jails
    assert {j.address for j in jails} == {"SYNCDHCP"}
    assert "bpf*" in _ruleset(jails[0]).unhidden and "tap*" not in _ruleset(jails[0]).unhidden


def test_no_address_is_refused_outside_a_per_guest_vnet_jail() -> None:
    spec = SPEC.replace('isolation = "per-guest"\n', "").replace('"SYNCDHCP"', '"none"')
    with pytest.raises(SpecError) as info:
        resolve(parse_spec(spec, "s.toml"), HOST)
    assert " jails.lab.address:" in str(info.value)


def test_the_packages_come_from_the_host_into_the_jails_root(fake_host: Host,
                                                            monkeypatch: pytest.MonkeyPatch,
                                                            tmp_path: Path) -> None:
    """pkg -r from the host (the jail has no network), then a second plan changes nothing."""
    seed(fake_host)
    use(fake_host, monkeypatch)
    spec = tmp_path / "bhyvetpl.toml"
    spec.write_text(DEFAULT)
    args = ("-f", str(spec), "--root", str(fake_host.root))
    code, out, err = fake_host.cli("apply", *args)
    assert code == 0, out + err
    calls = fake_host.calls()
    assert ("bastille", "create", "-V", "web", "14.3-RELEASE", NO_ADDRESS_ARG, "em0") in calls
    assert ("pkg", "-r", "/usr/local/bastille/jails/web/root", "install", "-y",
            "vm-bhyve") in calls
    assert not [c for c in calls if c[:2] == ("bastille", "pkg")]
    rc = (fake_host.root / "usr/local/bastille/jails/db/root/etc/rc.conf").read_text()
    assert 'cloned_interfaces="tap1001"' in rc and 'ifconfig_vnet0="up"' in rc
    code, out, err = fake_host.cli("plan", *args)
    assert code == 0, out + err
    assert "nothing to do" in out


def test_the_sh_script_installs_from_the_host_as_apply_does(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """`plan --emit sh` runs the same pkg -r steps as apply, through the same stand-ins."""
    direct, script = twin_hosts(tmp_path, monkeypatch)
    for host in (direct, script):
        (host.base / "bhyvetpl.toml").write_text(DEFAULT)
    use(direct, monkeypatch)
    code, out, err = direct.cli("apply", "-f", str(direct.base / "bhyvetpl.toml"),
                                "--root", str(direct.root))
    assert code == 0, out + err
    use(script, monkeypatch)
    code, text, err = script.cli("plan", "-f", str(script.base / "bhyvetpl.toml"),
                                 "--root", str(script.root), "--emit", "sh", "--live")
    assert code == 0, err
    scode, sout, serr = script.sh(text)
    assert scode == 0, sout + serr
    calls = direct.calls()
    assert calls == script.calls()
    # the jail's vm-bhyve (jail create), then the UEFI guest's firmware (its guest plan)
    assert [c for c in calls if c[:2] == ("pkg", "-r")] == [
        ("pkg", "-r", f"/usr/local/bastille/jails/{j}/root", verb, flag, package)
        for j, package in (("web", "vm-bhyve"), ("web", "edk2-bhyve"), ("db", "vm-bhyve"))
        for verb, flag in (("info", "-e"), ("install", "-y"))]
    assert direct.snapshot() == script.snapshot()


def test_pkg_takes_the_jails_abi_from_its_release() -> None:
    """A thin jail's usr/bin links to /.bastille/usr/bin, which pkg -r would read on the host."""
    web = resolve(parse_spec(DEFAULT, "s.toml"), HOST).jails[0]
    step = package_step(web, "vm-bhyve", PurePosixPath("/usr/local/bastille"), "why")
    assert step.argv == ("env", "ABI_FILE=/usr/local/bastille/releases/15.0-RELEASE/usr/bin/"
                         "uname", "pkg", "-r", "/usr/local/bastille/jails/web/root", "install",
                         "-y", "vm-bhyve")
    assert step.where == "host"
