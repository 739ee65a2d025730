from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bhyvetpl.cli.app import app
from tests.test_render_golden import SEED_TEXT

SEED_ARGS = ["render", "guest", "test", "--cpu", "2", "--memory", "4G",
             "--nic", "public14,mac=58:9c:fc:0c:fa:98",
             "--uuid", "a179833c-204e-11eb-97b6-90e2ba4673cc", "--passthru", "1/0/0", "--debug"]


def test_seed_from_flags(cli: CliRunner) -> None:
    result = cli.invoke(app, SEED_ARGS)
    assert result.exit_code == 0, result.stderr
    assert result.stdout == SEED_TEXT


def test_guest_to_file(cli: CliRunner, tmp_path: Path) -> None:
    out = tmp_path / "test.conf"
    assert cli.invoke(app, [*SEED_ARGS, "-o", str(out)]).exit_code == 0
    assert out.read_text() == SEED_TEXT


BAD = [
    pytest.param(["render", "guest", "web;rm -rf /"], "guest.name", id="guest-name"),
    pytest.param(["render", "guest", "web1", "--memory", "$(reboot)"], "guest.memory",
                 id="memory-subst"),
    pytest.param(["render", "guest", "web1", "--disk", 'a"b'], "disk0.name", id="disk-quote"),
    pytest.param(["render", "guest", "web1", "--nic", "pub\nlic"], "nic0.switch",
                 id="switch-newline"),
    pytest.param(["render", "guest", "web1", "--passthru", "1/0"], "passthru0", id="bsf"),
    pytest.param(["render", "jail", "j 1"], "jail.name", id="jail-space"),
    pytest.param(["render", "jail", "j1", "--release", "11.4-RELEASE"], "jail.release",
                 id="release"),
    pytest.param(["render", "jail", "j1", "--ruleset", "4"], "ruleset.number", id="ruleset"),
    pytest.param(["render", "jail", "j1", "--vm-dir", "/vms dir"], "jail.vm_dir", id="vm-dir"),
    pytest.param(["render", "host", "--jail", "bad.name"], "jail.name", id="host-jail"),
    pytest.param(["render", "host", "--zvol-dataset", "tank/*"], "zvol_dataset", id="zvol-glob"),
    pytest.param(["render", "host", "--vmm-ppt"], "vmm_ppt", id="vmm-ppt-alone"),
]


@pytest.mark.parametrize(("args", "field"), BAD)
def test_bad_input_exit_2_one_line_nothing_written(
        cli: CliRunner, tmp_path: Path, args: list[str], field: str) -> None:
    out = tmp_path / "out"
    result = cli.invoke(app, [*args, "-o", str(out)])
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"bhyvetpl: error: {field}:"), result.stderr
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_jail_template_dir(cli: CliRunner, tmp_path: Path) -> None:
    result = cli.invoke(app, ["render", "jail", "bhyve", "-o", str(tmp_path / "t")])
    assert result.exit_code == 0, result.stderr
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*")
                     if p.is_file())
    assert written == ["t/.bhyvetpl-manifest", "t/Bastillefile",
                       "t/vm-templates/bhyvetpl-freebsd.conf"]


def test_passthrough_warns_on_stderr(cli: CliRunner) -> None:
    result = cli.invoke(app, ["render", "host", "--passthru", "1/0/0"])
    assert result.exit_code == 0
    assert "warning: passthrough" in result.stderr and "/dev/mem" in result.stderr
    assert "add path 'pci' unhide" in result.stdout
    quiet = cli.invoke(app, ["render", "host"])
    assert quiet.stderr == "" and "'pci'" not in quiet.stdout


def test_public_vnc_warns(cli: CliRunner) -> None:
    result = cli.invoke(app, ["render", "guest", "win1", "--preset", "windows",
                              "--vnc-listen", "0.0.0.0"])  # noqa: S104 - the warning is the point
    assert result.exit_code == 0 and "warning: VNC" in result.stderr


def test_demo_renders_the_sample_lab(cli: CliRunner, tmp_path: Path) -> None:
    result = cli.invoke(app, ["demo", str(tmp_path / "lab")])
    assert result.exit_code == 0, result.stderr
    assert (tmp_path / "lab/bastille/bhyve/Bastillefile").is_file()
    assert (tmp_path / "lab/host/etc/devfs.rules").is_file()
    assert "win1" in result.stdout and "127.0.0.1:5901" in result.stdout
    again = cli.invoke(app, ["demo", str(tmp_path / "lab")])
    assert again.stdout == result.stdout


def test_console_entry_runs_only_the_named_command(capsys: pytest.CaptureFixture[str]) -> None:
    from bhyvetpl.cli.entry import main

    with pytest.raises(SystemExit) as info:
        main(SEED_ARGS)
    assert info.value.code == 0 and capsys.readouterr().out == SEED_TEXT
    with pytest.raises(SystemExit) as info:
        main(["render", "jail", "bad.name"])
    assert info.value.code == 2 and "bhyvetpl: error: jail.name:" in capsys.readouterr().err
    with pytest.raises(SystemExit) as info:
        main(["--help"])
    assert info.value.code == 0 and "render" in capsys.readouterr().out


@pytest.mark.parametrize("words", [["render"], ["render", "guest"], ["demo"], ["import"],
                                   ["import", "vmrun"], ["host", "prepare"], ["jail"],
                                   ["jail", "create"], ["new-guest"], []])
def test_every_entry_builds_alone(words: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    from bhyvetpl.cli.entry import main

    with pytest.raises(SystemExit) as info:
        main([*words, "--help"])
    assert info.value.code == 0
    assert f"Usage: bhyvetpl {' '.join(words)}".rstrip() in capsys.readouterr().out


def test_every_plugin_shim_runs_a_real_command(capsys: pytest.CaptureFixture[str]) -> None:
    from bhyvetpl.cli.entry import main
    from bhyvetpl.render import PLUGIN_COMMANDS

    for words in PLUGIN_COMMANDS.values():
        with pytest.raises(SystemExit) as info:
            main([*words, "--help"])
        assert info.value.code == 0, words
        assert f"Usage: bhyvetpl {' '.join(words)}" in capsys.readouterr().out


def test_demo_next_steps_render_the_same_host_blocks(cli: CliRunner, tmp_path: Path) -> None:
    demo = cli.invoke(app, ["demo", str(tmp_path / "lab")])
    prepare = next(line for line in demo.stdout.splitlines()
                   if line.strip().startswith("bhyvetpl host prepare"))
    flags = prepare.split()[3:]
    rendered = cli.invoke(app, ["render", "host", *flags, "-o", str(tmp_path / "host")])
    assert rendered.exit_code == 0, rendered.stderr
    for name in ("etc/devfs.rules", "boot/loader.conf", "etc/rc.conf", "etc/sysctl.conf"):
        assert (tmp_path / "host" / name).read_text() == (tmp_path / "lab/host" / name).read_text()
