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
    assert 'SYSRC ifconfig_vnet0="inet 192.0.2.10/24"' in text, text
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
        assert code == 0, args + (out, err)
        keeps_static_address(host)
        code, out, err = host.cli("plan", "-f", str(default), *root)
        assert code == 0 and "nothing to do" in out, args + (out, err)
