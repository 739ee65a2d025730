"""The same commands manage per-guest jails: init writes `isolation = "per-guest"` back,
new-guest -f into a per-guest spec jail makes the guest its own jail, and host prepare
--isolation per-guest writes the ruleset the spec key writes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.standin_env import Host
from tests.test_emit_e2e import seed, use

PER_GUEST = """version = 1

[jails.lab]
network = "vnet"
address = "SYNCDHCP"
vm_dir = "zfs:tank/vm"
isolation = "per-guest"

[jails.lab.guests.web]
preset = "linux"
graphics = true
disks = ["disk0,dev=sparse-zvol,size=10G"]

[jails.lab.guests.db]
disks = ["disk0,dev=zvol,size=4G", "disk1,dev=sparse-zvol,size=1G"]
"""
SHARED = """
[jails.bhyve]
network = "vnet"
address = "SYNCDHCP"
vm_dir = "/vms"

[jails.bhyve.guests.fbsd1]
"""


def bastille_config(host: Host) -> None:
    """What `CONFIG set devfs_ruleset N` in each jail's template leaves in its jail.conf.

    The stand-in's jail.conf is one recorded file for every jail; Bastille's config.sh
    would write the template's number into each.
    """
    for conf in (host.root / "usr/local/bastille/jails").glob("*/jail.conf"):
        template = host.root / f"usr/local/bastille/templates/bhyvetpl/{conf.parent.name}"
        found = re.search(r"^CONFIG set devfs_ruleset ([0-9]+)$",
                          (template / "Bastillefile").read_text(), re.M)
        assert found, template
        conf.write_text(re.sub(r"devfs_ruleset =[0-9]+;", f"devfs_ruleset ={found[1]};",
                               conf.read_text()))


JAILED = PER_GUEST.replace('isolation = "per-guest"\n',
                           'isolation = "per-guest"\nzvols = "jail"\n')
FILES = PER_GUEST.replace('vm_dir = "zfs:tank/vm"', 'vm_dir = "/guests"').replace(
    "dev=sparse-zvol", "dev=file").replace("dev=zvol", "dev=file")


@pytest.mark.parametrize("spec", [PER_GUEST, JAILED, FILES, PER_GUEST + SHARED,
                                  SHARED.join(("version = 1\n", PER_GUEST[13:])),
                                  PER_GUEST.replace('address = "SYNCDHCP"\n', "")],
                         ids=["zvols", "jailed", "files", "shared-after", "shared-first",
                              "no-address"])
def test_init_on_per_guest_jails_writes_the_isolation_back_and_plan_finds_nothing(
        fake_host: Host, monkeypatch: pytest.MonkeyPatch, spec: str) -> None:
    seed(fake_host)
    use(fake_host, monkeypatch)
    root = ("--root", str(fake_host.root))
    path, written = fake_host.base / "lab.toml", fake_host.base / "init.toml"
    path.write_text(spec)
    code, out, err = fake_host.cli("apply", "-f", str(path), *root)
    assert code == 0, out + err
    bastille_config(fake_host)
    code, out, err = fake_host.cli("init", "-f", str(written), *root)
    assert code == 0, out + err
    text = written.read_text()
    assert text.count('isolation = "per-guest"') == 2, text
    # Host-made zvols read back as what the host has: custom disks, a directory vm_dir.
    assert ('vm_dir = "zfs:tank/vm"' in text) == (spec is JAILED), text
    assert ('zvols = "jail"' in text) == (spec is JAILED), text
    assert ('"/dev/zvol/tank/vm/db/disk1,type=virtio-blk,dev=custom"' in text) == (
        spec not in (JAILED, FILES)), text
    code, out, err = fake_host.cli("plan", "-f", str(written), *root)
    assert code == 0 and "nothing to do" in out, text + out + err


@pytest.fixture
def applied(fake_host: Host, monkeypatch: pytest.MonkeyPatch) -> tuple[Host, Path]:
    """PER_GUEST then a shared jail, applied: the new guest's jail comes between them."""
    seed(fake_host)
    use(fake_host, monkeypatch)
    path = fake_host.base / "lab.toml"
    path.write_text(PER_GUEST + SHARED)
    code, out, err = fake_host.cli("apply", "-f", str(path), "--root", str(fake_host.root))
    assert code == 0, out + err
    bastille_config(fake_host)
    fake_host.calls()
    return fake_host, path


def test_new_guest_into_a_per_guest_spec_jail_makes_its_own_jail(
        applied: tuple[Host, Path]) -> None:
    host, path = applied
    root = ("--root", str(host.root))
    before = path.read_text()
    rules = (host.root / "etc/devfs.rules").read_text()
    code, out, err = host.cli("new-guest", "lab", "app", "--disk", "disk0,dev=sparse-zvol",
                              "-f", str(path), *root)
    assert code == 0, out + err
    calls = host.calls()
    assert ("bastille", "create", "-V", "app") in [c[:4] for c in calls], calls
    assert ("zfs", "create", "-p", "-s", "-V", "20G", "-o", "volmode=dev",
            "tank/vm/app/disk0") in calls
    # no other jail is touched: none restarted, its ruleset block as it was
    assert not [c for c in calls if c[:2] == ("bastille", "restart")], calls
    after = (host.root / "etc/devfs.rules").read_text()
    for jail in ("web", "db", "bhyve"):
        block = rules[rules.index(f"# BEGIN bhyvetpl {jail}\n"):
                      rules.index(f"# END bhyvetpl {jail}\n")]
        assert block in after, jail
    assert "[devfs_rules_bhyve_jail_app=28]" in after
    assert "add path 'zvol/tank/vm/app/disk0' unhide" in after
    text = path.read_text()
    assert text.startswith(before[:before.index("\n[jails.bhyve]")])
    assert "[jails.lab.guests.app]" in text and text.endswith(SHARED)
    bastille_config(host)
    code, out, err = host.cli("plan", "-f", str(path), *root)
    assert code == 0 and "nothing to do" in out, out + err


def test_new_guest_dry_run_shows_the_jail_and_leaves_the_spec(
        applied: tuple[Host, Path]) -> None:
    host, path = applied
    before = path.read_text()
    code, out, err = host.cli("new-guest", "lab", "app", "-f", str(path), "--dry-run",
                              "--root", str(host.root))
    assert code == 0, out + err
    assert "bastille create -V app" in out and path.read_text() == before
    assert "[jails.lab.guests.app]" in err


@pytest.mark.parametrize(("args", "expected"), [
    (("--start",), "--start: 'yes' is not accepted; expected no --start here; once the "
                   "guest's jail exists: bastille cmd app vm start app"),
    (("--iso", "/tmp/x.iso"), "--iso: '/tmp/x.iso' is not accepted; expected no --iso here"),
    (("--size", "8G"), "--size: '8G' is not accepted; expected a disk size in --disk"),
    (("--vm-dir", "/other"), "--vm-dir: '/other' is not accepted; expected the spec's vm_dir"),
])
def test_what_a_spec_cannot_hold_is_refused_before_anything_runs(
        applied: tuple[Host, Path], args: tuple[str, ...], expected: str) -> None:
    host, path = applied
    before = path.read_text()
    code, _out, err = host.cli("new-guest", "lab", "app", *args, "-f", str(path),
                              "--root", str(host.root))
    assert code == 2 and expected in err and err.count("\n") == 1, err
    assert host.calls() == [] and path.read_text() == before


def test_a_spec_the_host_does_not_match_yet_is_refused(applied: tuple[Host, Path]) -> None:
    host, path = applied
    path.write_text(path.read_text() + "\n[jails.lab.guests.late]\n")
    code, _out, err = host.cli("new-guest", "lab", "app", "-f", str(path),
                              "--root", str(host.root))
    assert code == 2 and "changes pending" in err and f"bhyvetpl apply -f {path}" in err, err
    # only the facts pass's reads ran
    assert not [c for c in host.calls() if c[0] in ("bastille", "vm")
                or c[:2] in (("zfs", "create"), ("zfs", "set"))]


def _render_host(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    from bhyvetpl.cli.app import app
    from tests.cli_runner import cli_runner

    result = cli_runner().invoke(app, ["render", "host", "--release", "15.0-RELEASE",
                                       "-o", str(tmp_path / "out"), *args])
    rules = tmp_path / "out/etc/devfs.rules"
    return (result.exit_code, rules.read_text() if rules.exists() else "",
            result.stderr)


def test_the_flag_form_renders_the_ruleset_the_spec_key_renders(tmp_path: Path) -> None:
    from bhyvetpl.facts.model import Facts, Release
    from bhyvetpl.model.policy import Features
    from bhyvetpl.render import render_host
    from bhyvetpl.spec.load import parse_spec
    from bhyvetpl.spec.resolve import resolve

    facts = Facts(release=Release("15.0-RELEASE", "15.0-RELEASE", "15.0-RELEASE"),
                  default_interface="em0")
    # No NIC: the spec names a per-guest jail's taps (made by its rc), a flag cannot.
    spec = PER_GUEST.replace('vm_dir = "zfs:tank/vm"\n', "").replace(
        "dev=sparse-zvol", "dev=file").replace("dev=zvol", "dev=file").replace(
        "graphics = true\n", "graphics = true\nno_nic = true\n")
    web = next(j for j in resolve(parse_spec(spec, "s.toml"), facts).jails if j.name == "web")
    wanted = next(f.text for f in render_host(Features.of_jail(web))
                  if str(f.relpath) == "etc/devfs.rules")
    code, text, err = _render_host(tmp_path, "--jail", "web", "--guest", "web", "--uefi",
                                   "--no-tap", "--isolation", "per-guest")
    assert code == 0, err
    assert text == wanted


def test_the_flag_form_with_a_zvol_dataset_unhides_zfs(tmp_path: Path) -> None:
    code, text, err = _render_host(tmp_path, "--jail", "web", "--guest", "web",
                                   "--isolation", "per-guest", "--zvol-dataset", "tank/vm/web")
    assert code == 0, err
    assert "add include $devfsrules_hide_all\n" in text and "add path 'zfs' unhide\n" in text
    assert "add path 'zvol/tank/vm/web/*/*' unhide\n" in text


@pytest.mark.parametrize(("args", "expected"), [
    (("--isolation", "per-vm"), "--isolation: 'per-vm' is not accepted; expected shared or "
                                "per-guest"),
    (("--isolation", "per-guest"), "--guest: 'none' is not accepted; expected --guest web "
                                   "alone with --isolation per-guest"),
    (("--isolation", "per-guest", "--guest", "web", "--guest", "db"), "--guest: 'web db'"),
    (("--isolation", "per-guest", "--guest", "db"), "--guest: 'db' is not accepted"),
])
def test_the_flag_form_refuses_what_is_no_jail_of_one_guest(
        tmp_path: Path, args: tuple[str, ...], expected: str) -> None:
    code, text, err = _render_host(tmp_path, "--jail", "web", *args)
    assert code == 2 and expected in err and text == "", err


def test_flag_made_per_guest_jail_takes_its_guest_and_refuses_a_second(
        fake_host: Host, monkeypatch: pytest.MonkeyPatch) -> None:
    seed(fake_host)
    use(fake_host, monkeypatch)
    root = ("--root", str(fake_host.root))
    for args in (("host", "prepare", "--jail", "web", "--guest", "web", "--isolation",
                  "per-guest"), ("jail", "create", "web"), ("new-guest", "web", "web")):
        code, out, err = fake_host.cli(*args, *root)
        assert code == 0, (args, out + err)
    rules = (fake_host.root / "etc/devfs.rules").read_text()
    assert "add include $devfsrules_hide_all" in rules
    fake_host.calls()
    code, out, err = fake_host.cli("new-guest", "web", "db", *root)
    assert code == 2, out + err
    assert ("NAME: 'db' is not accepted; expected guest web of jail web: its ruleset starts "
            "from $devfsrules_hide_all") in err and (
        "bhyvetpl host prepare --jail db --guest db --isolation per-guest --ruleset N") in err
    assert not [c for c in fake_host.calls() if c[:2] in (("vm", "create"),
                                                          ("bastille", "cmd"))]


def test_the_jail_commands_with_a_spec_find_a_per_guest_jail(
        applied: tuple[Host, Path]) -> None:
    host, path = applied
    for args in (("host", "prepare", "--jail", "web"), ("jail", "apply", "web")):
        code, out, err = host.cli(*args, "-f", str(path), "--dry-run",
                                  "--root", str(host.root))
        assert code == 0, (args, out + err)
    code, out, err = host.cli("jail", "apply", "web", "--ip", "DHCP", "-f", str(path),
                              "--root", str(host.root))
    assert code == 2 and "[jails.lab] of the spec" in err, err


def test_flag_made_per_guest_jail_gets_its_guests_zvols_by_name(
        fake_host: Host, monkeypatch: pytest.MonkeyPatch) -> None:
    seed(fake_host)
    use(fake_host, monkeypatch)
    root = ("--root", str(fake_host.root))
    for args in (("host", "prepare", "--jail", "web", "--guest", "web", "--isolation",
                  "per-guest"), ("jail", "create", "web", "--vm-dataset", "tank/vm/web"),
                 # --restart: the stand-in's jail.conf keeps Bastille's securelevel 2
                 ("new-guest", "web", "web", "--disk", "disk0,dev=sparse-zvol",
                  "--vm-dataset", "tank/vm/web", "--restart")):
        code, out, err = fake_host.cli(*args, *root)
        assert code == 0, (args, out + err)
    rules = (fake_host.root / "etc/devfs.rules").read_text()
    unhidden = [line for line in rules.splitlines() if line.startswith("add path")]
    assert "add path 'zvol/tank/vm/web/web/disk0' unhide" in unhidden
    assert "add path 'zfs' unhide" in unhidden
    assert not [line for line in unhidden if "zvol" in line and "*" in line], unhidden
