"""The flag commands as views of the spec and of the host: nothing they re-render regresses.

A guest's securelevel follows every guest of the jail (spec and host), the jail's values
come from the spec or from the jail's files (never from constants), and a change that
restarts a jail runs only with --restart.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.standin_env import Host
from tests.test_emit_e2e import seed, use

LAB = ('version = 1\n[host]\nrelease = "auto"\nuplink = "auto"\n\n[jails.bhyve]\n'
       'network = "vnet"\naddress = "SYNCDHCP"\nvm_dir = "/vms"\n')
DISK_GUEST = ("new-guest", "bhyve", "raw1", "--disk", "/dev/ada1p3,dev=custom")
CONF = "usr/local/bastille/jails/bhyve/jail.conf"


def block(host: Host) -> str:
    text = (host.root / CONF).read_text()
    return text[text.index("# BEGIN bhyvetpl bhyve"):text.index("# END bhyvetpl bhyve")]


@pytest.fixture
def lab(fake_host: Host, monkeypatch: pytest.MonkeyPatch) -> tuple[Host, Path]:
    seed(fake_host)
    use(fake_host, monkeypatch)
    spec = fake_host.base / "lab.toml"
    spec.write_text(LAB)
    code, out, err = fake_host.cli("apply", "-f", str(spec), "--root", str(fake_host.root))
    assert code == 0, out + err
    fake_host.calls()
    return fake_host, spec


def test_a_disk_guest_keeps_securelevel_1_through_jail_apply_and_apply(
        lab: tuple[Host, Path]) -> None:
    host, spec = lab
    root = ("--root", str(host.root))
    code, out, err = host.cli(*DISK_GUEST, "-f", str(spec), *root)
    assert code == 2 and "restarts jail bhyve: stops its 0 running guests" in err, out + err
    code, out, err = host.cli(*DISK_GUEST, "--restart", "-f", str(spec), *root)
    assert code == 0, out + err
    assert "securelevel = 1;" in block(host)
    code, out, err = host.cli("plan", "-f", str(spec), *root)
    assert code == 0 and "nothing to do" in out, out + err
    # jail apply without a spec: the guest the host has still needs securelevel 1.
    host.calls()
    code, out, err = host.cli("jail", "apply", "bhyve", *root)
    assert code == 0, out + err
    assert "securelevel = 1;" in block(host)
    assert ("bastille", "restart", "bhyve") not in host.calls()
    # apply from the spec: the same, and nothing left to do.
    code, out, err = host.cli("apply", "-f", str(spec), *root)
    assert code == 0, out + err
    assert "securelevel = 1;" in block(host)
    code, out, err = host.cli("plan", "-f", str(spec), *root)
    assert code == 0 and "nothing to do" in out, out + err



STATIC = LAB.replace('address = "SYNCDHCP"', 'address = "192.0.2.10/24"\ngateway = "192.0.2.1"')
BASTILLEFILE = "usr/local/bastille/templates/bhyvetpl/bhyve/Bastillefile"


@pytest.fixture
def static(fake_host: Host, monkeypatch: pytest.MonkeyPatch) -> tuple[Host, Path]:
    seed(fake_host)
    use(fake_host, monkeypatch)
    spec = fake_host.base / "lab.toml"
    spec.write_text(STATIC)
    code, out, err = fake_host.cli("apply", "-f", str(spec), "--root", str(fake_host.root))
    assert code == 0, out + err
    fake_host.calls()
    return fake_host, spec


def keeps_static_address(host: Host) -> None:
    text = (host.root / BASTILLEFILE).read_text()
    # on the jail's bridge (read back from ifconfig_bridge0 by host_values)
    assert 'SYSRC ifconfig_bridge0="inet 192.0.2.10/24 addm vnet0"' in text, text
    assert 'SYSRC defaultrouter="192.0.2.1"' in text, text
    assert "SYNCDHCP" not in text


def test_the_fix_line_of_a_refusal_keeps_a_static_jail_static(
        static: tuple[Host, Path]) -> None:
    """The issue's case: `jail apply --passthrough` must not switch it to SYNCDHCP."""
    host, _ = static
    root = ("--root", str(host.root))
    code, out, err = host.cli("new-guest", "bhyve", "gpu1", "--passthru", "2/0/0", *root)
    assert code == 2 and "bhyvetpl jail apply bhyve --passthrough" in err, out + err
    code, out, err = host.cli("jail", "apply", "bhyve", "--passthrough", *root)
    assert code == 0, out + err
    keeps_static_address(host)
    text = (host.root / BASTILLEFILE).read_text()
    assert "CONFIG set securelevel -1" in text


def test_jail_apply_without_flags_keeps_what_the_jail_has(static: tuple[Host, Path]) -> None:
    host, _ = static
    root = ("--root", str(host.root))
    code, out, err = host.cli("jail", "apply", "bhyve", *root)
    assert code == 0, out + err
    keeps_static_address(host)
    assert ("bastille", "template", "bhyve", "bhyvetpl/bhyve") not in host.calls()


def test_with_a_spec_in_use_jail_apply_takes_its_values_and_refuses_value_flags(
        static: tuple[Host, Path]) -> None:
    host, spec = static
    root = ("--root", str(host.root))
    before = host.snapshot()
    code, out, err = host.cli("jail", "apply", "bhyve", "--ip", "DHCP", "-f", str(spec), *root)
    assert code == 2 and f"{spec}:" in err and "--ip" in err, out + err
    assert host.snapshot() == before
    # The default spec below --root is in use without -f.
    default = host.root / "usr/local/etc/bhyvetpl.toml"
    default.parent.mkdir(parents=True, exist_ok=True)
    default.write_text(STATIC + '\n[jails.bhyve.guests.fbsd1]\ncpu = 2\n')
    code, out, err = host.cli("apply", *root)
    assert code == 0, out + err
    for args in (("jail", "apply", "bhyve"), ("jail", "create", "bhyve"),
                 ("host", "prepare", "--jail", "bhyve")):
        code, out, err = host.cli(*args, *root)
        assert code == 0, (*args, out, err)
        keeps_static_address(host)
        code, out, err = host.cli("plan", "-f", str(default), *root)
        assert code == 0 and "nothing to do" in out, (*args, out, err)


FIXTURES = Path(__file__).parent / "fixtures"


def test_after_bastille_setup_rewrote_devfs_rules_the_plan_puts_our_ruleset_back(
        lab: tuple[Host, Path]) -> None:
    host, spec = lab
    root = ("--root", str(host.root))
    rules = host.root / "etc/devfs.rules"
    ours = rules.read_text()
    # `bastille setup` writes its bastille_vnet ruleset over the whole file (setup.sh).
    rules.write_text((FIXTURES / "bastille-setup-devfs.rules-e951666.txt").read_text())
    code, out, err = host.cli("plan", "-f", str(spec), *root)
    assert code == 3 and "/etc/devfs.rules" in out, out + err
    code, out, err = host.cli("apply", "-f", str(spec), *root)
    assert code == 0, out + err
    text = rules.read_text()
    assert text.startswith("[bastille_vnet=13]\n")   # Bastille's ruleset stays
    block = ours[ours.index("# BEGIN bhyvetpl bhyve"):]
    assert text.endswith(block), text
    # The kernel still holds ruleset 25 as written (rewriting the file loads nothing), so
    # host prepare checks it and skips the restart.
    calls = host.calls()
    assert ("devfs", "rule", "-s", "25", "show") in calls
    assert ("service", "devfs", "restart") not in calls
    code, out, err = host.cli("plan", "-f", str(spec), *root)
    assert code == 0 and "nothing to do" in out, out + err


SETUPS = {
    "dhcp-freebsd": LAB + '\n[jails.bhyve.guests.fbsd1]\ncpu = 2\nmemory = "2G"\n',
    "static-linux": STATIC + '\n[jails.bhyve.guests.deb1]\npreset = "linux"\n'
                    '[jails.bhyve.guests.grub1]\npreset = "linux-grub"\n',
    "two-jails": LAB + '\n[jails.bhyve.guests.a1]\n\n[jails.lab2]\nnetwork = "vnet"\n'
                 'address = "DHCP"\nvm_dir = "/guests"\n'
                 '[jails.lab2.guests.b1]\npreset = "openbsd"\n',
}


@pytest.mark.parametrize("setup", sorted(SETUPS))
def test_init_on_a_host_bhyvetpl_set_up_then_plan_finds_nothing(
        fake_host: Host, monkeypatch: pytest.MonkeyPatch, setup: str) -> None:
    seed(fake_host)
    use(fake_host, monkeypatch)
    root = ("--root", str(fake_host.root))
    spec, written = fake_host.base / "lab.toml", fake_host.base / "init.toml"
    spec.write_text(SETUPS[setup])
    code, out, err = fake_host.cli("apply", "-f", str(spec), *root)
    assert code == 0, out + err
    code, out, err = fake_host.cli("init", "-f", str(written), *root)
    assert code == 0, out + err
    code, out, err = fake_host.cli("plan", "-f", str(written), *root)
    assert code == 0 and "nothing to do" in out, written.read_text() + out + err


def test_init_on_the_recorded_host_then_plan_creates_nothing(tmp_path: Path) -> None:
    """The recorded FreeBSD 14.3 host (bhyvetpl/data): its jail and guests exist as they are.

    bhyvetpl never prepared that host, so its own blocks (devfs ruleset, loader.conf,
    rc.conf) are still to write; no jail or guest is to create, change or restart.
    """
    from bhyvetpl.cli.app import app
    from bhyvetpl.facts.demo import FACTS_FILE, demo_root
    from tests.cli_runner import cli_runner

    root = demo_root(tmp_path / "root")
    written = tmp_path / "init.toml"
    run = cli_runner()
    result = run.invoke(app, ["init", "-f", str(written), "--facts", str(FACTS_FILE),
                              "--root", str(root)])
    assert result.exit_code == 0, result.stdout + result.stderr
    result = run.invoke(app, ["plan", "-f", str(written), "--facts", str(FACTS_FILE),
                              "--root", str(root)])
    assert result.exit_code in (0, 3), result.stdout + result.stderr
    rows = result.stdout.split("\n\n", 2)[1].splitlines()[2:] if result.exit_code else []
    assert rows and all(row.startswith(("file ", "module ", "sysctl ")) for row in rows), (
        result.stdout)
    assert not any(row.startswith("file  /usr/local/bastille/jails/") for row in rows), (
        result.stdout)
