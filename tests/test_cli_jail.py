"""`bhyvetpl jail create` / `jail apply`: golden argv sequences, failure at every step,
rollback, and a re-run that finishes without repeating what was done."""

from __future__ import annotations

from pathlib import Path

import pytest
from pytest_subprocess import FakeProcess

from bhyvetpl.cli.app import app
from tests.cli_runner import cli_runner

# Given: these tests are about the plan, not about reading the host (its own tests are
# in test_host_defaults.py).
GIVEN = ("--release", "14.3-RELEASE", "--iface", "em0")
RUNNER = cli_runner()
FIXTURES = Path(__file__).parent / "fixtures"
NAMES = (FIXTURES / "bastille-list-jail-names-13.1.txt").read_text()   # nginx plex syncthing
NAMES_WITHOUT_PLEX = "".join(n + "\n" for n in NAMES.split() if n != "plex")
JLS = (FIXTURES / "jls-vnet-jail-15.0.txt").read_text()
JAIL_CONF = (FIXTURES / "bastille-jail.conf-bhyve-vnet-12.2.txt").read_text()
ALLOW_VMM = ["sysctl", "-n", "security.jail.param.allow.vmm"]
LIST = ["bastille", "list", "jails"]
TEMPLATE = ["bastille", "template", "plex", "bhyvetpl/plex"]
JLS_ARGV = ["jls", "-j", "plex"]
ZFS_LIST = ["zfs", "list", "-H", "-o", "name", "zroot/vms"]   # exit 0: the dataset exists
ZFS_GET = ["zfs", "get", "-H", "-o", "value", "jailed", "zroot/vms"]
ZFS_SET = ["zfs", "set", "jailed=on", "zroot/vms"]
FREEBSD = FIXTURES / "freebsd"
DEVFS_SHOW = ["devfs", "rule", "-s", "25", "show"]
LOADED = (FREEBSD / "devfs-rule-s-99-show-freenas-11.txt").read_text()   # a loaded ruleset
LIST_RELEASES = ["bastille", "list", "releases"]
RELEASES = (FREEBSD / "bastille-list-release-14.1.txt").read_text()   # 13.3, 13.4, 14.1


def bootstrap(release: str = "14.3-RELEASE") -> list[str]:
    return ["bastille", "bootstrap", release]

CASES = {
    "vnet-dhcp": ([], ["bastille", "create", "-V", "plex", "14.3-RELEASE", "SYNCDHCP", "em0"]),
    "bridge-static": (["--bridge", "bridge0", "--ip", "10.0.0.5/24", "--gateway", "10.0.0.1",
                       "--release", "15.0-RELEASE"],
                      ["bastille", "create", "-B", "plex", "15.0-RELEASE", "10.0.0.5/24",
                       "bridge0"]),
    "shared-zfs": (["--shared", "--ip", "192.168.1.20/24", "--iface", "igb0",
                    "--vm-dataset", "zroot/vms"],
                   ["bastille", "create", "plex", "14.3-RELEASE", "192.168.1.20/24", "igb0"]),
}


def at(root: Path) -> tuple[str, str, str]:
    """--root with --live: the faked commands act on this root (bhyvetpl.plan.deferred)."""
    return ("--root", str(root), "--live")


def jail_dir(root: Path) -> Path:
    return root / "usr/local/bastille/jails/plex"


def register(fp: FakeProcess, root: Path, create: list[str], exists: bool = False,
             fail: list[str] | None = None) -> None:
    """A host where vmm is loaded; `bastille create` makes the jail's jail.conf."""
    def make_jail(_process: object) -> None:
        jail_dir(root).mkdir(parents=True, exist_ok=True)
        (jail_dir(root) / "jail.conf").write_text(JAIL_CONF)

    fp.register(ALLOW_VMM, stdout="0\n", returncode=1 if fail == ALLOW_VMM else 0)
    fp.register(DEVFS_SHOW, stdout=LOADED)
    fp.register(LIST_RELEASES, stdout=RELEASES)
    fp.register(["bastille", "bootstrap", fp.any()])
    fp.register(LIST, stdout=NAMES if exists else NAMES_WITHOUT_PLEX)
    fp.register(create, callback=make_jail, returncode=1 if fail == create else 0)
    fp.register(ZFS_LIST, stdout="zroot/vms\n")
    fp.register(ZFS_GET, stdout="off\n")
    fp.register(ZFS_SET)
    fp.register(TEMPLATE, returncode=1 if fail == TEMPLATE else 0)
    fp.register(JLS_ARGV, stdout=JLS, returncode=1 if fail == JLS_ARGV else 0)


def invoke(root: Path, *args: str) -> tuple[int, str, str]:
    result = RUNNER.invoke(app, ["jail", "create", "plex", *GIVEN, *args, *at(root)])
    return result.exit_code, result.stdout, result.stderr


def files(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): p.read_text() for p in sorted(root.rglob("*"))
            if p.is_file()}


@pytest.mark.parametrize("case", CASES)
def test_golden_sequence(fp: FakeProcess, tmp_path: Path, case: str) -> None:
    args, create = CASES[case]
    register(fp, tmp_path, create)
    code, out, err = invoke(tmp_path, *args)
    assert code == 0, err
    zfs = [ZFS_LIST, ZFS_GET, ZFS_SET] if case == "shared-zfs" else []
    release = "15.0-RELEASE" if case == "bridge-static" else "14.3-RELEASE"
    assert [list(c) for c in fp.calls] == [ALLOW_VMM, DEVFS_SHOW, LIST_RELEASES,
                                           bootstrap(release), LIST, create, *zfs, TEMPLATE,
                                           JLS_ARGV]
    template = tmp_path / "usr/local/bastille/templates/bhyvetpl/plex"
    assert "CONFIG set allow.vmm" in (template / "Bastillefile").read_text()
    # A shared-IP jail gets no preset templates: their NIC would need a host tap
    # (`templates install --host-tap`), and vm-bhyve cannot make the switch there.
    assert (template / "vm-templates/bhyvetpl-freebsd.conf").is_file() == (
        case != "shared-zfs")
    conf = (jail_dir(tmp_path) / "jail.conf").read_text()
    if case == "shared-zfs":
        assert 'exec.created += "zfs jail $name zroot/vms";\n' in conf
        # rc.d/vm skips a non-vnet jail (KEYWORD nojailvnet): jail.conf stops the guests
        assert 'exec.stop += "/usr/local/sbin/vm stopall -f";\n' in conf
        assert conf.endswith("# END bhyvetpl plex\n}\n")
        assert (jail_dir(tmp_path) / "jail.conf.bhyvetpl.bak").read_text() == JAIL_CONF
    else:   # nothing to add: the block only says so (and would take old lines out)
        assert conf.endswith("stop.timeout = 90;\n# END bhyvetpl plex\n}\n")
    assert "jail plex:" in out


def test_existing_jail_is_not_created_again(fp: FakeProcess, tmp_path: Path) -> None:
    args, create = CASES["vnet-dhcp"]
    register(fp, tmp_path, create, exists=True)
    jail_dir(tmp_path).mkdir(parents=True)
    (jail_dir(tmp_path) / "jail.conf").write_text(JAIL_CONF)
    code, _, err = invoke(tmp_path, *args)
    assert code == 0, err
    assert [list(c) for c in fp.calls] == [ALLOW_VMM, DEVFS_SHOW, LIST_RELEASES, bootstrap(),
                                           LIST, TEMPLATE, JLS_ARGV]


STEPS = {"allow-vmm": (ALLOW_VMM, 1, "allow.vmm exists"),
         "create": (CASES["shared-zfs"][1], 4, "bastille create plex"),
         "template": (TEMPLATE, 9, "bastille template plex bhyvetpl/plex"),
         "jls": (JLS_ARGV, 11, "jail plex runs")}


@pytest.mark.parametrize("step", STEPS)
def test_failure_at_each_step_then_rerun(fp: FakeProcess, tmp_path: Path, step: str) -> None:
    args, create = CASES["shared-zfs"]
    failing, index, words = STEPS[step]
    register(fp, tmp_path, create, fail=failing)
    code, out, err = invoke(tmp_path, *args)
    assert code == 1
    assert f"step {index}/11 " in err and words in err   # shared: no vm-templates/ file
    assert not [p for p in (tmp_path / "usr/local/bastille").rglob("*")
                if p.is_file() and "templates" in p.parts]
    assert not (jail_dir(tmp_path) / "bhyvetpl.applied").exists()
    if step in ("template", "jls"):
        # the jail.conf edit is undone: jail.conf is as bastille create left it
        assert (jail_dir(tmp_path) / "jail.conf").read_text() == JAIL_CONF
        assert "restored:" in err
    first = [list(c) for c in fp.calls]
    assert first[-1] == failing

    offset = len(fp.calls)
    register(fp, tmp_path, create, exists=step != "allow-vmm" and step != "create")
    code, out, err = invoke(tmp_path, *args)
    assert code == 0, err
    again = [list(c) for c in fp.calls][offset:]
    if step in ("template", "jls"):
        assert create not in again and "skipped: jail plex" in out
    assert again[-2:] == [TEMPLATE, JLS_ARGV]


def test_rerun_after_success_skips_template(fp: FakeProcess, tmp_path: Path) -> None:
    args, create = CASES["shared-zfs"]
    register(fp, tmp_path, create)
    assert invoke(tmp_path, *args)[0] == 0
    before = files(tmp_path)
    offset = len(fp.calls)
    fp.register(ALLOW_VMM, stdout="0\n")
    fp.register(DEVFS_SHOW, stdout=LOADED)
    fp.register(LIST_RELEASES, stdout=RELEASES + "14.3-RELEASE\n")   # bootstrapped now
    fp.register(LIST, stdout=NAMES)
    fp.register(ZFS_LIST, stdout="zroot/vms\n")
    fp.register(ZFS_GET, stdout="on\n")
    fp.register(JLS_ARGV, stdout=JLS)
    code, out, _ = invoke(tmp_path, *args)
    assert code == 0
    assert [list(c) for c in fp.calls][offset:] == [ALLOW_VMM, DEVFS_SHOW, LIST_RELEASES, LIST,
                                                     ZFS_LIST, ZFS_GET, JLS_ARGV]
    assert "nothing changed" in out and files(tmp_path) == before


def test_jail_apply_needs_an_existing_jail(fp: FakeProcess, tmp_path: Path) -> None:
    fp.register(ALLOW_VMM, stdout="0\n")
    fp.register(DEVFS_SHOW, stdout=LOADED)
    fp.register(LIST, stdout=NAMES_WITHOUT_PLEX)
    result = RUNNER.invoke(app, ["jail", "apply", "plex", *GIVEN, *at(tmp_path)])
    assert result.exit_code == 1 and "bhyvetpl jail create plex" in result.stderr
    jail_dir(tmp_path).mkdir(parents=True)
    (jail_dir(tmp_path) / "jail.conf").write_text(JAIL_CONF)
    fp.register(ALLOW_VMM, stdout="0\n")
    fp.register(DEVFS_SHOW, stdout=LOADED)
    fp.register(LIST, stdout=NAMES)
    fp.register(TEMPLATE)
    fp.register(JLS_ARGV, stdout=JLS)
    result = RUNNER.invoke(app, ["jail", "apply", "plex", *GIVEN, *at(tmp_path)])
    assert result.exit_code == 0, result.stderr
    assert [list(c) for c in fp.calls][-3:] == [LIST, TEMPLATE, JLS_ARGV]


def test_dry_run_and_bad_input_touch_nothing(fp: FakeProcess, tmp_path: Path) -> None:
    code, out, _ = invoke(tmp_path, "--dry-run")
    assert code == 0 and "bastille create -V plex" in out and "+CONFIG set allow.vmm" in out
    code, _, err = invoke(tmp_path, "--shared")   # a shared-IP jail cannot use DHCP
    assert code == 2 and err.startswith("bhyvetpl: error: jail.address")
    assert not fp.calls and not any(tmp_path.iterdir())


def test_jail_apply_own_template_only_when_changed(fp: FakeProcess, tmp_path: Path) -> None:
    own = tmp_path / "tpl"
    own.mkdir()
    (own / "Bastillefile").write_text("PKG vm-bhyve\n")
    root = tmp_path / "root"
    apply_own = ["bastille", "template", "plex", str(own)]
    args = ["jail", "apply", "plex", "--template", str(own), *at(root)]
    for _ in range(3):
        fp.register(LIST, stdout=NAMES)
        fp.register(JLS_ARGV, stdout=JLS)
    fp.register(apply_own)
    fp.register(apply_own)
    assert RUNNER.invoke(app, args).exit_code == 0
    assert RUNNER.invoke(app, args).exit_code == 0       # unchanged: not applied again
    (own / "Bastillefile").write_text("PKG vm-bhyve edk2-bhyve\n")
    result = RUNNER.invoke(app, args)
    assert result.exit_code == 0, result.stderr
    assert [list(c) for c in fp.calls] == [LIST, apply_own, JLS_ARGV, LIST, JLS_ARGV,
                                           LIST, apply_own, JLS_ARGV]
    bad = RUNNER.invoke(app, ["jail", "apply", "plex", "--template", str(tmp_path / "none")])
    assert bad.exit_code == 2 and "Bastillefile" in bad.stderr


def test_dry_run_of_a_new_jail_shows_the_jail_conf_block(tmp_path: Path) -> None:
    result = cli_runner().invoke(
        app, ["jail", "create", "gpu", *GIVEN, "--passthrough", "--vmm-ppt", "--root",
              str(tmp_path), "--live", "--dry-run"])
    assert result.exit_code == 0, result.stderr
    assert "jail.conf: written by an earlier step" in result.stdout
    assert "allow.vmm_ppt;" in result.stdout and not any(tmp_path.iterdir())


def test_a_later_run_without_vmm_ppt_takes_it_out(fp: FakeProcess, tmp_path: Path) -> None:
    args, create = CASES["vnet-dhcp"]
    register(fp, tmp_path, create)
    fp.register(["sysctl", "-n", "security.jail.param.allow.vmm_ppt"], stdout="0\n")
    assert invoke(tmp_path, *args, "--passthrough", "--vmm-ppt")[0] == 0
    assert "allow.vmm_ppt;" in (jail_dir(tmp_path) / "jail.conf").read_text()
    register(fp, tmp_path, create, exists=True)
    assert invoke(tmp_path, *args)[0] == 0
    conf = (jail_dir(tmp_path) / "jail.conf").read_text()
    assert "allow.vmm_ppt" not in conf and conf.count("# BEGIN bhyvetpl plex") == 1


def test_a_ruleset_that_is_not_loaded_stops_before_bastille(fp: FakeProcess,
                                                            tmp_path: Path) -> None:
    """Issue 11.2: `devfs rule -s 25 show` prints nothing for a ruleset never loaded."""
    fp.register(ALLOW_VMM, stdout="0\n")
    fp.register(DEVFS_SHOW, stdout="")
    code, _, err = invoke(tmp_path)
    assert code == 1
    assert "not true that devfs ruleset 25 is loaded" in err
    assert "bhyvetpl host prepare --jail plex --ruleset 25" in err
    assert [list(c) for c in fp.calls] == [ALLOW_VMM, DEVFS_SHOW]


def test_a_release_not_bootstrapped_is_bootstrapped_first(fp: FakeProcess,
                                                          tmp_path: Path) -> None:
    """Issue 11.2: create.sh stops with "Release must be bootstrapped first." otherwise."""
    args, create = CASES["vnet-dhcp"]
    register(fp, tmp_path, create)
    code, _, err = invoke(tmp_path, *args)
    assert code == 0, err
    calls = [[str(word) for word in c] for c in fp.calls]
    assert calls.index(bootstrap()) < calls.index(create)
