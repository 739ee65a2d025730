"""The admin's own host lines stay byte for byte: ours go beside them, or we refuse.

Each case runs directly and as the --emit sh script (run_both): same commands, same files.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bhyvetpl.model import hostconf
from bhyvetpl.model.hostconf import AdminOwnedError
from tests.standin_env import Host
from tests.test_emit_e2e import run_both, twin_hosts, use

BLOCK_END = "# END bhyvetpl bhyve\n"


def block_of(text: str) -> str:
    return text[text.index("# BEGIN bhyvetpl bhyve"):text.index(BLOCK_END) + len(BLOCK_END)]


def seed_file(hosts: tuple[Host, Host], rel: str, text: str) -> None:
    for host in hosts:
        (host.root / rel).parent.mkdir(parents=True, exist_ok=True)
        (host.root / rel).write_bytes(text.encode())


def both_ok(args: tuple[str, ...], hosts: tuple[Host, Host],
            monkeypatch: pytest.MonkeyPatch) -> None:
    direct, script = hosts
    (code, out), (scode, sout) = run_both(args, direct, script, monkeypatch)
    assert (code, scode) == (0, 0), out + sout
    assert direct.calls() == script.calls()
    norm = [{k: v.replace(str(h.root), "ROOT") for k, v in h.snapshot().items()} for h in hosts]
    assert norm[0] == norm[1]


def both_refuse(args: tuple[str, ...], hosts: tuple[Host, Host], message: str,
                monkeypatch: pytest.MonkeyPatch) -> None:
    for host, mode in zip(hosts, ((), ("--emit", "sh")), strict=True):
        use(host, monkeypatch)
        before = host.snapshot()
        code, out, err = host.cli(*args, "--root", str(host.root), *mode)
        assert code == 2, out + err
        errors = [line for line in err.splitlines() if line.startswith("bhyvetpl: error:")]
        assert len(errors) == 1 and message in errors[0], err
        assert out == "" and host.snapshot() == before and host.calls() == []


# -- case 1: pptdevs the admin set -------------------------------------------------------

@pytest.mark.parametrize(("admin", "ours"), [
    ('pptdevs="2/0/0"\r\n', "pptdevs2"),
    ('pptdevs="2/0/0"\r\npptdevs2="3/0/0"\r\n', "pptdevs3"),
], ids=["pptdevs-taken", "pptdevs2-taken-too"])
def test_host_prepare_leaves_the_admins_pptdevs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                admin: str, ours: str) -> None:
    hosts = twin_hosts(tmp_path, monkeypatch)
    before = '# hand tuned\r\nvmm_load="YES"\r\n' + admin
    seed_file(hosts, "boot/loader.conf", before)
    both_ok(("host", "prepare", "--passthru", "1/0/0"), hosts, monkeypatch)
    text = (hosts[0].root / "boot/loader.conf").read_bytes().decode()
    assert text.startswith(before)                       # theirs, byte for byte (CRLF kept)
    block = block_of(text.replace("\r\n", "\n"))
    assert f'{ours}="1/0/0"' in block
    assert 'pptdevs="' not in block and "vmm_load" not in block   # theirs already says YES


def test_host_prepare_refuses_when_every_pptdevs_is_the_admins(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hosts = twin_hosts(tmp_path, monkeypatch)
    seed_file(hosts, "boot/loader.conf",
              'pptdevs="2/0/0"\npptdevs2="3/0/0"\npptdevs3="4/0/0"\n')
    both_refuse(("host", "prepare", "--passthru", "1/0/0"), hosts,
                'change the line pptdevs3="4/0/0" to pptdevs3="4/0/0 1/0/0"', monkeypatch)


def test_devices_the_admin_lists_are_not_repeated() -> None:
    assert hostconf.pptdevs(("2/0/0", "1/0/0"), {"pptdevs": "2/0/0"}) == (
        ("pptdevs2", "1/0/0"),)
    assert hostconf.pptdevs(("2/0/0",), {"pptdevs": "2/0/0"}) == ()


def test_pptdevs_split_across_the_free_names_only() -> None:
    devices = tuple(f"{b}/0/0" for b in range(100, 160))   # 60 x 7 characters: 4 values
    with pytest.raises(AdminOwnedError, match="none of them has room"):
        hostconf.pptdevs(devices, {"pptdevs": "2/0/0"})
    some = devices[:30]                                      # 30 x 7: 2 values
    pairs = hostconf.pptdevs(some, {"pptdevs2": "2/0/0"})
    assert [name for name, _ in pairs] == ["pptdevs", "pptdevs3"]
    assert all(len(value) <= 128 for _, value in pairs)
    assert " ".join(value for _, value in pairs).split() == list(some)


# -- case 3: an ifconfig_bridge0 (or another name we set) the admin wrote ----------------

TAPS = ("host", "prepare", "--no-vnet", "--host-tap", "tap0", "--uplink", "igb0")


def test_host_prepare_refuses_to_cancel_the_admins_bridge_line(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hosts = twin_hosts(tmp_path, monkeypatch)
    seed_file(hosts, "etc/rc.conf", 'ifconfig_bridge0="inet 192.168.1.10/24 addm igb0 up"\n')
    both_refuse(TAPS, hosts, 'put ifconfig_bridge0="inet 192.168.1.10/24 addm igb0 addm tap0 '
                'up" in its place', monkeypatch)


def test_host_prepare_writes_nothing_for_a_bridge_line_that_has_it_all(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hosts = twin_hosts(tmp_path, monkeypatch)
    mine = 'ifconfig_bridge0="inet 192.168.1.10/24 addm igb0 addm tap0 up"\r\n'
    seed_file(hosts, "etc/rc.conf", mine)
    both_ok(TAPS, hosts, monkeypatch)
    text = (hosts[0].root / "etc/rc.conf").read_bytes().decode()
    assert text.startswith(mine)
    block = block_of(text.replace("\r\n", "\n"))
    assert "ifconfig_bridge0" not in block
    assert 'cloned_interfaces="${cloned_interfaces} bridge0 tap0"' in block


@pytest.mark.parametrize(("line", "fixed"), [
    ("addm em0 up", "addm em0 addm igb0 addm tap0 up"),
    ("inet 10.0.0.1/24", "inet 10.0.0.1/24 addm igb0 addm tap0 up"),
    ("addm tap0 addm igb0 up", None),
])
def test_bridge_line_keeps_every_word_of_theirs(line: str, fixed: str | None) -> None:
    admin = {"ifconfig_bridge0": line}
    if fixed is None:
        assert hostconf.bridge_line("ifconfig_bridge0", "addm igb0 addm tap0 up", admin) is None
        return
    with pytest.raises(AdminOwnedError, match=f'put ifconfig_bridge0="{fixed}" in its place'):
        hostconf.bridge_line("ifconfig_bridge0", "addm igb0 addm tap0 up", admin)


def test_loader_names_the_admin_set_otherwise_are_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    hosts = twin_hosts(tmp_path, monkeypatch)
    seed_file(hosts, "boot/loader.conf", 'nmdm_load="NO"\n')
    both_refuse(("host", "prepare"), hosts, 'nmdm_load="NO" is set outside bhyvetpl\'s block',
                monkeypatch)


# -- case 2: rc.conf lists we extend keep the admin's own value -------------------------

@pytest.mark.parametrize(("theirs", "ours"), [
    ("", 'kld_list="${kld_list} if_bridge if_tuntap"'),
    ('kld_list="zfs if_bridge"\n', 'kld_list="${kld_list} if_tuntap"'),
    ('kld_list="if_tuntap if_bridge"\n', None),
], ids=["none", "one-missing", "all-there"])
def test_kld_list_extends_the_admins_own(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                         theirs: str, ours: str | None) -> None:
    hosts = twin_hosts(tmp_path, monkeypatch)
    before = 'hostname="lab"\n' + theirs
    seed_file(hosts, "etc/rc.conf", before)
    both_ok(("host", "prepare"), hosts, monkeypatch)
    text = (hosts[0].root / "etc/rc.conf").read_text()
    assert text.startswith(before)
    block = block_of(text)
    if ours is None:
        assert "kld_list" not in block
    else:
        assert ours in block.splitlines()
