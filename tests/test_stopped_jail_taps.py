"""Per-guest jails after `apply`: the doctor's pkg fix, and their taps while they are stopped.

The jails are what `bhyvetpl apply` of the per-guest spec leaves on a stand-in host (web on
tap1000, db on tap1001, no address), read back by the real facts pass (`bhyvetpl facts
--json`). The host's interfaces are the recorded `ifconfig -a` of a 15.x host (bridge0 with
em0 and em1); no recorded output shows a tap, so the tap another tool made meanwhile is a
Facts value (`Interface`, what the parser returns for a `tap1000:` block), never made-up
ifconfig text.

Tap units are host-wide (sys/net/if_tuntap.c tun_clone_create: alloc_unr_specific on the
driver's unrhdr, EEXIST when taken), so while web is stopped anyone may create tap1000; web's
rc then fails to create it and its guest's bhyve opens /dev/tap1000, the other tap.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path, PurePosixPath

import pytest

from bhyvetpl.doctor import checks
from bhyvetpl.doctor.jailpkg import addressless, install_fix, jail_release
from bhyvetpl.doctor.result import CheckResult
from bhyvetpl.facts import parse, record
from bhyvetpl.facts.model import Facts, Interface, Jail, Release
from bhyvetpl.plan.rootpkg import package_step
from bhyvetpl.shquote import shown_join
from bhyvetpl.spec.load import parse_spec
from bhyvetpl.spec.resolve import resolve
from tests.standin_env import Host
from tests.test_emit_e2e import seed, use
from tests.test_isolation import DEFAULT

FREEBSD = Path(__file__).resolve().parent / "fixtures" / "freebsd"
PREFIX = PurePosixPath("/usr/local/bastille")
# What the parser makes of a tap's block (groups: tap); see the module docstring.
TAP1000 = Interface("tap1000", ("tap",))


def applied(host: Host, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[Path, Facts]:
    """Apply the per-guest spec, then read the host back as `bhyvetpl facts --json` does."""
    seed(host)
    use(host, monkeypatch)
    spec = tmp_path / "bhyvetpl.toml"
    spec.write_text(DEFAULT)
    code, out, err = host.cli("apply", "-f", str(spec), "--root", str(host.root))
    assert code == 0, out + err
    code, out, err = host.cli("facts", "--json", "--root", str(host.root))
    assert code == 0, err
    facts = record.loads(out)
    recorded = parse.interfaces((FREEBSD / "ifconfig-bridge0-members-em0-em1-15.x.txt")
                                .read_text())
    return spec, dataclasses.replace(facts, interfaces=recorded)


def results(facts: Facts, jail: str | None = None) -> dict[str, CheckResult]:
    return {r.check: r for r in checks(facts, jail)}


def running(facts: Facts, *names: str) -> Facts:
    return dataclasses.replace(facts, jails=tuple(
        dataclasses.replace(j, running=j.name in names) for j in facts.jails))


# --- the doctor's fix for a missing package: the plan's own pkg -r line


def test_the_doctor_fixes_an_addressless_jail_with_the_plans_pkg_line(
        fake_host: Host, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """`bastille pkg` runs pkg in the jail, which has no network: the fix is pkg -r."""
    _, facts = applied(fake_host, monkeypatch, tmp_path)
    web = next(j for j in resolve(parse_spec(DEFAULT, "s.toml"), facts).jails
               if j.name == "web")
    found = results(facts, "web")
    for check, package in (("vm-bhyve installed", "vm-bhyve"),
                           ("guest web firmware", "edk2-bhyve")):
        step = package_step(web, package, PREFIX, "why")
        assert step.where == "host"
        assert found[check].status == "FAIL"
        assert found[check].fix == (f"{shown_join(step.argv)} (on the host: the jail has no "
                                    "address)")
    assert "bastille pkg" not in json.dumps([r.fix for r in found.values()])


def test_a_jail_with_an_address_keeps_bastilles_pkg() -> None:
    for rc in ({"ifconfig_vnet0": "SYNCDHCP"}, {"ifconfig_vnet0": "up",
                                                 "ifconfig_bridge0": "addm vnet0 SYNCDHCP"},
               {"ifconfig_vnet0": "inet 192.0.2.10/24"}, {}):
        jail = Jail("web", {"vnet": ""}, rc)
        assert not addressless(jail)
        assert install_fix(Facts(), jail, "vm-bhyve") == "bastille pkg web install -y vm-bhyve"
    # Without vnet, the jail shares the host's address.
    assert not addressless(Jail("web", {}, {"ifconfig_vnet0": "up"}))


def test_the_release_comes_from_a_thin_jails_fstab() -> None:
    """The line Bastille's create.sh writes (a file, not command output), else the host's."""
    fstab = parse.fstab("/usr/local/bastille/releases/14.2-RELEASE "
                        "/usr/local/bastille/jails/web/root/.bastille nullfs ro 0 0\n")
    host = Facts(release=Release("14.3-RELEASE", "14.3-RELEASE", "14.3-RELEASE-p2"))
    assert jail_release(host, Jail("web", fstab=fstab)) == "14.2-RELEASE"
    assert jail_release(host, Jail("web")) == "14.3-RELEASE"
    jail = Jail("web", {"vnet": ""}, {"ifconfig_vnet0": "up"}, fstab=fstab)
    assert "ABI_FILE=/usr/local/bastille/releases/14.2-RELEASE/usr/bin/uname pkg -r " \
           "/usr/local/bastille/jails/web/root install -y grub2-bhyve" in \
           install_fix(host, jail, "grub2-bhyve")


# --- a stopped jail's tap, taken meanwhile


def test_the_doctor_passes_stopped_jails_whose_taps_are_free(
        fake_host: Host, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _, facts = applied(fake_host, monkeypatch, tmp_path)
    found = results(facts)
    assert found["jail web taps"].status == "PASS"
    assert "tap1000 free" in found["jail web taps"].detail
    assert found["jail db taps"].status == "PASS"
    # A running jail holds its taps in its vnet: nothing to check.
    assert "jail web taps" not in results(running(facts, "web"))


def test_the_doctor_fails_a_stopped_jail_whose_tap_is_on_the_host(
        fake_host: Host, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _, facts = applied(fake_host, monkeypatch, tmp_path)
    taken = dataclasses.replace(facts, interfaces=(*facts.interfaces, TAP1000))
    found = results(taken)
    web = found["jail web taps"]
    assert web.status == "FAIL"
    assert "tap1000 exists on the host" in web.detail
    assert web.fix == ("ifconfig tap1000 destroy on the host if nothing holds it open "
                       "(fstat /dev/tap1000), then bastille start web")
    assert found["jail db taps"].status == "PASS"


def test_the_doctor_fails_a_stopped_jail_whose_tap_another_running_jail_has(
        fake_host: Host, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """db, running, was given tap1000 too (by hand): its vnet holds it, the host lists none."""
    _, facts = applied(fake_host, monkeypatch, tmp_path)
    db = next(j for j in facts.jails if j.name == "db")
    rc = {**db.rc_conf, "cloned_interfaces": "tap1000"}
    both = running(dataclasses.replace(facts, jails=tuple(
        dataclasses.replace(j, rc_conf=rc) if j.name == "db" else j for j in facts.jails)),
        "db")
    web = results(both)["jail web taps"]
    assert web.status == "FAIL" and "tap1000 exists in running jail db" in web.detail
    assert "jail db makes or uses tap1000 too" in web.fix
    # Stopped, db holds nothing.
    assert results(running(both))["jail web taps"].status == "PASS"


def test_host_taps_of_a_shared_jail_are_not_a_stopped_jails(
        fake_host: Host, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Without vnet a jail's guests use host-made taps: on the host is where they belong."""
    _, facts = applied(fake_host, monkeypatch, tmp_path)
    shared = dataclasses.replace(facts, interfaces=(*facts.interfaces, TAP1000), jails=tuple(
        dataclasses.replace(j, params={k: v for k, v in j.params.items() if k != "vnet"})
        for j in facts.jails))
    assert not [r for r in checks(shared) if r.check.endswith(" taps")]


def test_plan_refuses_to_start_a_stopped_jail_whose_tap_is_taken(
        fake_host: Host, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Exit 2, one line with the doctor's fix, nothing run; with the tap gone, planned."""
    spec, facts = applied(fake_host, monkeypatch, tmp_path)
    recorded = tmp_path / "facts.json"
    args = ("plan", "-f", str(spec), "--root", str(fake_host.root), "--facts", str(recorded))
    recorded.write_text(record.dumps(dataclasses.replace(
        facts, interfaces=(*facts.interfaces, TAP1000))))
    fake_host.calls()   # forget apply's and facts' calls
    code, out, err = fake_host.cli(*args)
    assert code == 2, out + err
    (line,) = err.splitlines()
    assert "jail web is stopped and tap1000 exists on the host" in line
    assert "ifconfig tap1000 destroy on the host if nothing holds it open" in line
    assert fake_host.calls() == []
    recorded.write_text(record.dumps(facts))
    code, out, err = fake_host.cli(*args)
    assert code == 0, out + err
