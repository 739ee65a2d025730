"""apply --prune: only what bhyvetpl recorded as its own, never running, disks only by name."""

from __future__ import annotations

import json
from pathlib import Path, PurePosixPath

import pytest

from bhyvetpl.facts.model import Facts, Guest, Jail
from bhyvetpl.facts.owned import Owned
from bhyvetpl.plan.actions import Check, RemoveFile, RunCommand, WriteFile
from bhyvetpl.plan.prune import Prune, PruneError, prune_plan
from tests.standin_env import Host
from tests.test_emit_e2e import normalised, run_both, seed, twin_hosts, use
from tests.test_spec_plan import SPEC

JAIL_ROOT = Path("usr/local/bastille/jails/bhyve/root")
RECORD = Path("var/db/bhyvetpl/owned.json")
# The spec once deb1 is dropped from it.
WITHOUT_DEB1 = SPEC.split("[jails.bhyve.guests.deb1]")[0]
# A spec that no longer has the jail bhyve (another jail instead).
OTHER_JAIL = WITHOUT_DEB1.split("[jails.bhyve.guests")[0].replace(
    "[jails.bhyve]", "[jails.other]").replace(
        "[host]", '[host]\nruleset = 26\nruleset_name = "other_rules"')


@pytest.fixture
def lab(fake_host: Host, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> tuple[Host, Path]:
    """The spec applied (jail bhyve, guests fbsd1 and deb1), then deb1 dropped from it."""
    seed(fake_host)
    use(fake_host, monkeypatch)
    spec = tmp_path / "bhyvetpl.toml"
    spec.write_text(SPEC)
    code, out, err = fake_host.cli("apply", "-f", str(spec), "--root", str(fake_host.root))
    assert code == 0, out + err
    spec.write_text(WITHOUT_DEB1)
    fake_host.calls()
    return fake_host, spec


def guest_dir(host: Host, name: str) -> Path:
    return host.root / JAIL_ROOT / "vms" / name


def record(host: Host) -> dict[str, list[str]]:
    data: dict[str, list[str]] = json.loads((host.root / RECORD).read_text())
    return data


def test_apply_records_what_it_created_and_rewrites_nothing(lab: tuple[Host, Path]) -> None:
    host, _ = lab
    owned = record(host)
    assert owned["jails"] == ["bhyve"] and owned["guests"] == ["bhyve/deb1", "bhyve/fbsd1"]
    assert "/vms/.templates/bhyvetpl-guest-deb1.conf" in " ".join(owned["files"])
    assert "/usr/local/bastille/templates/bhyvetpl/bhyve/Bastillefile" in owned["files"]


def test_record_is_a_plan_step(fake_host: Host, monkeypatch: pytest.MonkeyPatch,
                               tmp_path: Path) -> None:
    seed(fake_host)
    use(fake_host, monkeypatch)
    spec = tmp_path / "bhyvetpl.toml"
    spec.write_text(SPEC)
    args = ("apply", "-f", str(spec), "--root", str(fake_host.root))
    code, out, err = fake_host.cli(*args, "--dry-run")
    assert code == 0 and "/var/db/bhyvetpl/owned.json" in out, out + err
    code, out, err = fake_host.cli(*args, "--emit", "sh")
    assert code == 0 and "/var/db/bhyvetpl/owned.json" in out, out + err
    assert not (fake_host.root / RECORD).exists()


def test_plan_lists_recorded_guest_as_prunable(lab: tuple[Host, Path]) -> None:
    host, spec = lab
    (guest_dir(host, "hand1")).mkdir()
    (guest_dir(host, "hand1") / "hand1.conf").write_text('loader="bhyveload"\n')
    code, out, err = host.cli("plan", "-f", str(spec), "--root", str(host.root))
    assert code == 3, out + err   # the jail's template and ruleset lose deb1's lines
    assert "bhyve/deb1   not in spec, recorded as ours: apply --prune removes it" in out
    assert "bhyve/hand1  not in spec (left alone)" in out


def test_apply_without_prune_leaves_it(lab: tuple[Host, Path]) -> None:
    host, spec = lab
    code, out, err = host.cli("apply", "-f", str(spec), "--root", str(host.root))
    assert code == 0, out + err
    assert (guest_dir(host, "deb1") / "deb1.conf").is_file()
    assert record(host)["guests"] == ["bhyve/deb1", "bhyve/fbsd1"]


def test_prune_moves_the_config_aside_and_keeps_the_disk(lab: tuple[Host, Path]) -> None:
    host, spec = lab
    args = ("apply", "-f", str(spec), "--root", str(host.root), "--prune")
    conf = (guest_dir(host, "deb1") / "deb1.conf").read_text()
    code, out, err = host.cli(*args)
    assert code == 0, out + err
    assert not (guest_dir(host, "deb1") / "deb1.conf").exists()
    assert (guest_dir(host, "deb1") / "deb1.conf.bhyvetpl-pruned").read_text() == conf
    assert (guest_dir(host, "deb1") / "disk0.img").is_file()
    assert (guest_dir(host, "fbsd1") / "fbsd1.conf").is_file()
    assert not any(c[3:5] == ("vm", "destroy") for c in host.calls())
    assert record(host)["guests"] == ["bhyve/fbsd1"]
    # Done once: the next prune finds nothing, writes nothing, removes nothing.
    before = host.snapshot()
    code, out, err = host.cli(*args)
    assert code == 0 and "nothing changed" in out, out + err
    assert host.snapshot() == before
    assert not any(c[0] != "bastille" or c[3:4] == ("vm",) for c in host.calls()
                   if "destroy" in c)


def test_delete_disks_destroys_the_named_guest(lab: tuple[Host, Path]) -> None:
    host, spec = lab
    code, out, err = host.cli("apply", "-f", str(spec), "--root", str(host.root), "--prune",
                              "--delete-disks", "bhyve/deb1")
    assert code == 0, out + err
    calls = host.calls()
    check = calls.index(("bastille", "cmd", "bhyve", "test", "!", "-e", "/dev/vmm/deb1"))
    assert calls.index(("bastille", "cmd", "bhyve", "vm", "destroy", "-f", "deb1")) > check
    assert not guest_dir(host, "deb1").exists()
    assert (guest_dir(host, "fbsd1") / "disk0.img").is_file()


def test_running_guest_is_refused_before_anything_runs(lab: tuple[Host, Path]) -> None:
    host, spec = lab
    vmm = host.root / JAIL_ROOT / "dev/vmm"
    vmm.mkdir(parents=True)
    (vmm / "deb1").touch()
    before = host.snapshot()
    code, out, err = host.cli("apply", "-f", str(spec), "--root", str(host.root), "--prune",
                              "--delete-disks", "bhyve/deb1")
    assert code == 2, out + err
    assert "bhyve/deb1 is running: stop it (bastille cmd bhyve vm stop deb1)" in err
    assert "apply --prune again" in err
    assert host.snapshot() == before
    assert not any("destroy" in c for c in host.calls())
    code, out, _ = host.cli("plan", "-f", str(spec), "--root", str(host.root))
    assert "recorded as ours: apply --prune removes it (bhyve/deb1 is running" in out


def test_guest_not_in_the_record_is_never_removed(lab: tuple[Host, Path]) -> None:
    host, spec = lab
    hand = guest_dir(host, "hand1")
    hand.mkdir()
    (hand / "hand1.conf").write_text('loader="bhyveload"\n')
    (hand / "disk0.img").touch()
    args = ("apply", "-f", str(spec), "--root", str(host.root), "--prune")
    code, out, err = host.cli(*args, "--delete-disks", "bhyve/hand1")
    assert code == 2 and "--delete-disks: bhyve/hand1 is not a guest" in err, out + err
    code, out, err = host.cli(*args)
    assert code == 0, out + err
    assert (hand / "hand1.conf").is_file() and (hand / "disk0.img").is_file()


def test_jail_goes_only_with_its_guests_disks_named(lab: tuple[Host, Path]) -> None:
    host, spec = lab
    spec.write_text(OTHER_JAIL)
    args = ("apply", "-f", str(spec), "--root", str(host.root), "--prune")
    code, out, err = host.cli(*args)
    assert code == 2, out + err
    assert ("jail bhyve: bastille destroy deletes its vm_dir with the guests' disks: pass "
            "--delete-disks bhyve/deb1,bhyve/fbsd1") in err
    host.calls()
    code, out, err = host.cli(*args, "--delete-disks", "bhyve/deb1,bhyve/fbsd1")
    assert code == 0, out + err
    calls = host.calls()
    destroys = [c for c in calls if "destroy" in c]
    assert destroys == [("bastille", "cmd", "bhyve", "vm", "destroy", "-f", "deb1"),
                        ("bastille", "cmd", "bhyve", "vm", "destroy", "-f", "fbsd1"),
                        ("bastille", "destroy", "-a", "-y", "bhyve")]
    assert not (host.root / "usr/local/bastille/jails/bhyve").exists()
    assert record(host)["jails"] == ["other"] and record(host)["guests"] == []


def test_prune_script_matches_direct_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    direct, script = twin_hosts(tmp_path, monkeypatch)
    spec = tmp_path / "bhyvetpl.toml"
    spec.write_text(SPEC)
    for host in (direct, script):
        use(host, monkeypatch)
        code, out, err = host.cli("apply", "-f", str(spec), "--root", str(host.root))
        assert code == 0, out + err
        host.calls()
    spec.write_text(WITHOUT_DEB1)
    (code, out), (scode, sout) = run_both(("apply", "-f", str(spec), "--prune"), direct,
                                          script, monkeypatch)
    assert (code, scode) == (0, 0), out + sout
    assert direct.calls() == script.calls()
    assert normalised(direct) == normalised(script)
    assert not (guest_dir(script, "deb1") / "deb1.conf").exists()
    assert (guest_dir(script, "deb1") / "disk0.img").is_file()


def zfs_facts(running: bool = False) -> Facts:
    path = "/usr/local/bastille/jails/bhyve/root/tank/bhyve/g1/g1.conf"
    guest = Guest("g1", {"loader": "bhyveload"}, 'loader="bhyveload"\n', path, running)
    jail = Jail("bhyve", {"allow.vmm": ""}, {"vm_dir": "zfs:tank/bhyve"}, guests=(guest,))
    return Facts(jails=(jail,), bastille_jailsdir="/usr/local/bastille/jails",
                 owned=Owned(("bhyve",), ("bhyve/g1",), ("tank/bhyve/g1",)))


@pytest.mark.parametrize("disks", [frozenset(), frozenset({"bhyve/g1"})], ids=["keep", "delete"])
def test_zfs_snapshot_precedes_any_removal(tmp_path: Path, disks: frozenset[str]) -> None:
    pruned = prune_plan({"bhyve": set()}, zfs_facts(), tmp_path, Prune("20250101T000000Z", disks))
    kinds = [type(s) for s in pruned.steps]
    snap = "tank/bhyve/g1@bhyvetpl-prune-20250101T000000Z"
    assert isinstance(pruned.steps[1], RunCommand)
    assert pruned.steps[1].argv == ("zfs", "snapshot", "-r", snap)
    if disks:
        assert kinds == [Check, RunCommand, RunCommand]
        assert pruned.steps[2].argv[3:] == ("vm", "destroy", "-f", "g1")  # type: ignore[union-attr]
    else:
        assert kinds == [Check, RunCommand, WriteFile, RemoveFile]
        assert PurePosixPath(pruned.steps[3].path).name == "g1.conf"  # type: ignore[union-attr]
    assert pruned.datasets == {"tank/bhyve/g1"}


def test_zfs_running_guest_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PruneError, match="vm stop g1"):
        prune_plan({"bhyve": set()}, zfs_facts(running=True), tmp_path, Prune("x"))
