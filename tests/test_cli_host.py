"""`bhyvetpl host prepare` end to end through the CLI, with fake processes (fp)."""

from __future__ import annotations

from pathlib import Path

from pytest_subprocess import FakeProcess

from bhyvetpl.cli.app import app
from tests.cli_runner import cli_runner

# Given: these tests are about the plan, not about reading the host's release.
GIVEN = ("--release", "14.3-RELEASE")
RUNNER = cli_runner()
MODULES = ("vmm", "nmdm", "if_bridge", "if_tuntap")
FIXTURES = Path(__file__).parent / "fixtures"


def at(root: Path) -> tuple[str, str, str]:
    """--root with --live: the faked commands act on this root (bhyvetpl.plan.deferred)."""
    return ("--root", str(root), "--live")


def register_fresh_host(fp: FakeProcess) -> None:
    for module in MODULES:
        fp.register(["kldstat", "-q", "-n", module], returncode=1)
        fp.register(["kldload", "-n", module])
    fp.register(["sysctl", "-n", "net.link.tap.up_on_open"], stdout="0\n")
    fp.register(["sysctl", "net.link.tap.up_on_open=1"],
                stdout="net.link.tap.up_on_open: 0 -> 1\n")
    fp.register(DEVFS_SHOW, stdout="")   # the kernel holds no ruleset 25 yet
    fp.register(["service", "devfs", "restart"])


DEVFS_SHOW = ["devfs", "rule", "-s", "25", "show"]


def shown(rules_file: Path) -> str:
    """`devfs rule -s 25 show` once rc loaded this devfs.rules (format as recorded in
    tests/fixtures/freebsd/devfs-rule-s-99-show-freenas-11.txt: NUMBER RULE)."""
    from bhyvetpl.hostfs import devfs
    (ruleset,) = [r for r in devfs.rulesets(rules_file.read_text()) if r.number == 25]
    lines = ["include 4"] + [f"path {p} unhide" for p in ruleset.unhidden]
    return "".join(f"{100 * (i + 1)} {line}\n" for i, line in enumerate(lines))


GOLDEN = [
    ["kldstat", "-q", "-n", "vmm"], ["kldload", "-n", "vmm"],
    ["kldstat", "-q", "-n", "nmdm"], ["kldload", "-n", "nmdm"],
    ["kldstat", "-q", "-n", "if_bridge"], ["kldload", "-n", "if_bridge"],
    ["kldstat", "-q", "-n", "if_tuntap"], ["kldload", "-n", "if_tuntap"],
    ["sysctl", "-n", "net.link.tap.up_on_open"], ["sysctl", "net.link.tap.up_on_open=1"],
    DEVFS_SHOW, ["service", "devfs", "restart"],
]


def test_golden_sequence_on_a_fresh_host(fp: FakeProcess, tmp_path: Path) -> None:
    register_fresh_host(fp)
    result = RUNNER.invoke(app, ["host", "prepare", *GIVEN, *at(tmp_path)])
    assert result.exit_code == 0, result.stderr
    assert [list(c) for c in fp.calls] == GOLDEN
    assert "[11/11] done: host: service devfs restart" in result.stdout
    running = result.stdout.index("[11/11] running: host: service devfs restart")
    assert running < result.stdout.index("[11/11] done: host: service devfs restart")
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.rglob("*") if p.is_file()) == [
        "boot/loader.conf", "etc/devfs.rules", "etc/rc.conf", "etc/sysctl.conf"]


def test_second_run_changes_nothing_and_says_so(fp: FakeProcess, tmp_path: Path) -> None:
    register_fresh_host(fp)
    assert RUNNER.invoke(app, ["host", "prepare", *GIVEN, *at(tmp_path)]).exit_code == 0
    before = {p: p.read_text() for p in tmp_path.rglob("*") if p.is_file()}
    for module in MODULES:
        fp.register(["kldstat", "-q", "-n", module])
    fp.register(["sysctl", "-n", "net.link.tap.up_on_open"], stdout="1\n")
    fp.register(DEVFS_SHOW, stdout=shown(tmp_path / "etc/devfs.rules"))
    result = RUNNER.invoke(app, ["host", "prepare", *GIVEN, *at(tmp_path)])
    assert result.exit_code == 0, result.stderr
    assert "nothing changed" in result.stdout
    assert {p: p.read_text() for p in tmp_path.rglob("*") if p.is_file()} == before
    assert [list(c) for c in fp.calls][len(GOLDEN):] == [
        ["kldstat", "-q", "-n", m] for m in MODULES] + [["sysctl", "-n",
                                                          "net.link.tap.up_on_open"],
                                                         DEVFS_SHOW]


def test_foreign_ruleset_refused(fp: FakeProcess, tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    rules = (FIXTURES / "etc-devfs.rules-bhyve-jail-25.txt").read_text()
    (tmp_path / "etc/devfs.rules").write_text(rules)
    for extra in ([], ["--dry-run"]):
        result = RUNNER.invoke(app, ["host", "prepare", *GIVEN, *at(tmp_path), *extra])
        assert result.exit_code == 2
        assert "[devfs_rules_bhyve_jail=25]" in result.stderr
        assert "--ruleset 26" in result.stderr
    assert not fp.calls
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["devfs.rules"]
    assert (tmp_path / "etc/devfs.rules").read_text() == rules
    ok = RUNNER.invoke(app, ["host", "prepare", *GIVEN, *at(tmp_path), "--ruleset", "26",
                             "--ruleset-name", "bhyvetpl_web", "--dry-run"])
    assert ok.exit_code == 0, ok.stderr


def test_dry_run_changes_nothing(fp: FakeProcess, tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/rc.conf").write_text('hostname="lab"\n')
    result = RUNNER.invoke(app, ["host", "prepare", *GIVEN, *at(tmp_path), "--dry-run"])
    assert result.exit_code == 0, result.stderr
    assert not fp.calls
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["rc.conf"]
    assert "step  where  what" in result.stdout
    assert f"+++ {tmp_path}/etc/rc.conf" in result.stdout
    assert '+kld_list="${kld_list} if_bridge if_tuntap"' in result.stdout


def test_failure_names_step_and_restores(fp: FakeProcess, tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc/rc.conf").write_text('hostname="lab"\n')
    unknown_oid = (FIXTURES / "sysctl-net-link-tap-up-on-open-unknown-oid-11.0-beta1.txt")
    for module in MODULES:
        fp.register(["kldstat", "-q", "-n", module])
    fp.register(["sysctl", "-n", "net.link.tap.up_on_open"], returncode=1,
                stderr=unknown_oid.read_text())
    fp.register(["sysctl", "net.link.tap.up_on_open=1"], returncode=1,
                stderr=unknown_oid.read_text())
    result = RUNNER.invoke(app, ["host", "prepare", *GIVEN, *at(tmp_path)])
    assert result.exit_code == 1
    assert "step 10/11 (host: sysctl net.link.tap.up_on_open=1" in result.stderr
    assert "`sysctl net.link.tap.up_on_open=1` exited 1" in result.stderr
    assert "unknown oid 'net.link.tap.up_on_open'" in result.stderr
    assert (tmp_path / "etc/rc.conf").read_text() == 'hostname="lab"\n'
    assert not (tmp_path / "etc/devfs.rules").exists()
    assert ["service", "devfs", "restart"] not in [list(c) for c in fp.calls]


def test_bad_flag_is_exit_2(fp: FakeProcess, tmp_path: Path) -> None:
    result = RUNNER.invoke(app, ["host", "prepare", *GIVEN, *at(tmp_path), "--jail",
                                 "a b"])
    assert result.exit_code == 2 and result.stderr.startswith("bhyvetpl: error: jail.name")
    result = RUNNER.invoke(app, ["host", "prepare", *GIVEN, *at(tmp_path), "--emit",
                                 "bash"])
    assert result.exit_code == 2
    assert not fp.calls and not any(tmp_path.iterdir())
