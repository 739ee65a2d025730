"""`apply -f SPEC` refuses and warns as host prepare, jail create and new-guest do."""

from __future__ import annotations

from pathlib import Path

import pytest

from bhyvetpl.facts.collect import PROBES
from tests.standin_env import Host
from tests.test_emit_e2e import seed, use

HEAD = 'version = 1\n[host]\nrelease = "auto"\nuplink = "auto"\n'
JAIL = '[jails.bhyve]\nnetwork = "vnet"\naddress = "SYNCDHCP"\n'
FACTS_PASS = {tuple(argv) for argv in PROBES.values()}


@pytest.fixture
def lab(fake_host: Host, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[Host, Path]:
    seed(fake_host)
    use(fake_host, monkeypatch)
    return fake_host, tmp_path / "bhyvetpl.toml"


def apply(host: Host, spec: Path, text: str, *extra: str) -> tuple[int, str, str]:
    spec.write_text(text)
    return host.cli("apply", "-f", str(spec), "--root", str(host.root), *extra)


def refused(host: Host, spec: Path, text: str) -> str:
    """Apply a spec that must be refused: exit 2, no file touched, nothing but facts run."""
    host.calls()
    before = host.snapshot()
    code, out, err = apply(host, spec, text)
    assert code == 2, out + err
    assert host.snapshot() == before
    assert set(host.calls()) <= FACTS_PASS
    return err


def test_passthrough_the_plan_cannot_prepare_is_refused(lab: tuple[Host, Path]) -> None:
    host, spec = lab
    code, out, err = apply(host, spec, HEAD + JAIL)
    assert code == 0, out + err
    # The admin cut the END line of bhyvetpl's loader.conf block: the plan cannot reserve
    # the device for ppt(4) there.
    loader = host.root / "boot/loader.conf"
    loader.write_text(loader.read_text().replace("# END bhyvetpl bhyve\n", ""))
    err = refused(host, spec, HEAD + JAIL + '[jails.bhyve.guests.gpu1]\npassthru = ["2/0/0"]\n')
    assert "guest gpu1 cannot pass PCI devices through in jail bhyve" in err
    assert "/boot/loader.conf does not give 2/0/0 to ppt(4)" in err


def test_passthrough_the_plan_prepares_is_accepted(lab: tuple[Host, Path]) -> None:
    host, spec = lab
    code, out, err = apply(host, spec, HEAD + JAIL)
    assert code == 0, out + err
    # The jail exists; the same plan sets securelevel -1, unhides pci, reserves the device.
    # securelevel takes a jail restart: only with --restart.
    gpu = HEAD + JAIL + '[jails.bhyve.guests.gpu1]\npassthru = ["2/0/0"]\n'
    err = refused(host, spec, gpu)
    assert "restarts jail bhyve: stops its 0 running guests; pass --restart to allow" in err
    code, out, err = apply(host, spec, gpu, "--dry-run", "--restart")
    assert code == 0, out + err
    assert "bastille restart bhyve" in out


def test_another_release_is_refused(lab: tuple[Host, Path]) -> None:
    host, spec = lab
    err = refused(host, spec, HEAD.replace('"auto"', '"13.2-RELEASE"', 1) + JAIL)
    assert "/bin/freebsd-version says '14.3-RELEASE-p2'" in err


def test_two_jails_wanting_one_host_setting_are_refused(lab: tuple[Host, Path]) -> None:
    jail = ('[jails.{0}]\nnetwork = "shared"\naddress = "10.0.0.{1}/24"\n'
            '[jails.{0}.guests.g{1}]\nnics = ["public,device=tap{1}"]\n')
    host, spec = lab
    err = refused(host, spec, HEAD + jail.format("one", 1) + jail.format("two", 2))
    assert "jails one and two both set ifconfig_bridge0" in err


def test_a_setting_another_jail_owns_is_refused(lab: tuple[Host, Path]) -> None:
    # host_prepare_plan refuses it, before anything runs.
    host, spec = lab
    rc = host.root / "etc/rc.conf"
    rc.write_text(rc.read_text() + '# BEGIN bhyvetpl other\nifconfig_bridge0="addm em0 up"\n'
                  "# END bhyvetpl other\n")
    err = refused(host, spec, HEAD + '[jails.one]\nnetwork = "shared"\naddress = "10.0.0.1/24"'
                  '\n[jails.one.guests.g1]\nnics = ["public,device=tap1"]\n')
    assert "ifconfig_bridge0 is already set by bhyvetpl's block for jail other" in err


@pytest.mark.parametrize("command", ["plan", "apply"])
def test_grants_and_public_vnc_are_warned(lab: tuple[Host, Path], command: str) -> None:
    host, spec = lab
    spec.write_text(HEAD + JAIL + 'passthrough = true\n[jails.bhyve.guests.win1]\n'
                    'preset = "windows"\nvnc_listen = "0.0.0.0"\n')
    code, out, err = host.cli(command, "-f", str(spec), "--root", str(host.root),
                              *(("--dry-run",) if command == "apply" else ()))
    assert code == (3 if command == "plan" else 0), out + err
    assert "warning: passthrough gives jail bhyve /dev/pci and securelevel -1" in err
    assert "warning: VNC of win1 listens on 0.0.0.0, reachable beyond this host" in err
