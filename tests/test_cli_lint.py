from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bhyvetpl.cli.app import app
from tests.cli_runner import cli_runner

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def cli() -> CliRunner:
    return cli_runner()


def test_demo_output_lints_clean(cli: CliRunner, tmp_path: Path) -> None:
    assert cli.invoke(app, ["demo", str(tmp_path / "lab")]).exit_code == 0
    result = cli.invoke(app, ["lint", str(tmp_path / "lab")])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""


def test_render_jail_output_lints_clean(cli: CliRunner, tmp_path: Path) -> None:
    args = ["render", "jail", "bhyve", "--vm-dataset", "zroot/vms", "--passthrough",
            "-o", str(tmp_path)]
    for preset in ("freebsd", "linux", "linux-grub", "windows", "openbsd"):
        args += ["--preset", preset]
    assert cli.invoke(app, args).exit_code == 0
    result = cli.invoke(app, ["lint", str(tmp_path)])
    assert result.exit_code == 0 and result.stdout == "", result.output


@pytest.mark.parametrize("flags", [
    pytest.param([], id="default"),
    pytest.param(["--preset", "windows", "--passthru", "1/0/0", "--passthru", "1/0/1=9:0"],
                 id="windows-passthru-pinned"),
    pytest.param(["--preset", "linux", "--disk", "a.img", "--disk", "b,dev=zvol,size=8G",
                  "--nic", "public,mac=58:9c:fc:0c:fa:98", "--nic", "lan,device=tap3",
                  "--comport", "com1", "--comport", "com2", "--debug"], id="linux-many"),
    pytest.param(["--preset", "openbsd", "--vnc-port", "5905", "--topology", "1x1x1"],
                 id="openbsd-vnc"),
    pytest.param(["--preset", "linux-grub", "--no-nic"], id="grub-no-nic"),
])
def test_render_guest_output_lints_clean(cli: CliRunner, tmp_path: Path,
                                         flags: list[str]) -> None:
    out = tmp_path / "g1.conf"
    rendered = cli.invoke(app, ["render", "guest", "g1", *flags, "-o", str(out)])
    assert rendered.exit_code == 0, rendered.output
    result = cli.invoke(app, ["lint", str(out)])
    assert result.exit_code == 0 and result.stdout == "", result.output


def test_errors_exit_1_with_file_and_line(cli: CliRunner) -> None:
    path = FIXTURES / "lint" / "gotchas.conf"
    result = cli.invoke(app, ["lint", str(path)])
    assert result.exit_code == 1
    assert f"{path}:4: error: cpu is already set on line 3" in result.stdout
    assert all(line.startswith(f"{path}:") for line in result.stdout.splitlines())


def test_warnings_alone_exit_0(cli: CliRunner) -> None:
    path = FIXTURES / "lint" / "bastille-example" / "Bastillefile"
    result = cli.invoke(app, ["lint", str(path)])
    assert result.exit_code == 0 and ": warning: " in result.stdout


def test_missing_file_is_an_error(cli: CliRunner, tmp_path: Path) -> None:
    result = cli.invoke(app, ["lint", str(tmp_path / "nope.conf")])
    assert result.exit_code == 1 and "no such file" in result.stderr
