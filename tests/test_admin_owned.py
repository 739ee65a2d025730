"""The admin's own host lines stay byte for byte: ours go beside them, or we refuse.

Each case runs directly and as the --emit sh script (run_both): same commands, same files.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bhyvetpl.model import hostconf
from bhyvetpl.model.hostconf import AdminOwnedError
from tests.standin_env import Host
from tests.test_emit_e2e import run_both, twin_hosts

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


def both_refuse(args: tuple[str, ...], hosts: tuple[Host, Host], message: str) -> None:
    for host, mode in zip(hosts, ((), ("--emit", "sh")), strict=True):
        before = host.snapshot()
        code, out, err = host.cli(*args, "--root", str(host.root), *mode)
        assert code == 2, out + err
        errors = [line for line in err.splitlines() if line.startswith("error:")]
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
                'change the line pptdevs3="4/0/0" to pptdevs3="4/0/0 1/0/0"')


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
