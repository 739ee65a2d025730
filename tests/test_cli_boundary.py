"""One error boundary and one exit-status table, the same on every typer bhyvetpl supports."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import typer

from bhyvetpl.cli.app import app
from bhyvetpl.errors import ExitCode
from tests.cli_runner import cli_runner

ROOT = Path(__file__).resolve().parent.parent


def main_exit(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """Exit status, stdout and stderr of the console entry (bhyvetpl.cli.entry.main)."""
    from bhyvetpl.cli.entry import main

    with pytest.raises(SystemExit) as info:
        main(list(args))
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


def boundary_exit(capsys: pytest.CaptureFixture[str], error: BaseException,
                  debug: bool = False) -> tuple[int, str]:
    """Exit status and stderr of a command that raises error, run through the boundary."""
    from bhyvetpl.cli.boundary import run

    broken = typer.Typer()

    @broken.command()
    def fail() -> None:
        raise error

    with pytest.raises(SystemExit) as info:
        run(typer.main.get_command(broken), [], "bhyvetpl fail", debug=debug)
    return int(info.value.code or 0), capsys.readouterr().err


def test_exit_status_table_is_one_table() -> None:
    assert {int(c) for c in ExitCode} == {0, 1, 2, 3, 70, 130}
    readme = (ROOT / "README.md").read_text()
    help_text = cli_runner().invoke(app, ["--help"]).stdout
    for code in ExitCode:
        assert f"| {code.value} | {code.meaning} |" in readme
        assert f"{code.value:<4}{code.meaning}" in help_text


# (arguments, how the line starts, whose help it names); click's wording varies by version.
USAGE = [
    pytest.param(["render", "guest", "g1", "--foo"], "bhyvetpl: error: no such option: --foo",
                 "bhyvetpl render guest", id="option"),
    pytest.param(["render", "guest"], "bhyvetpl: error: missing argument 'name'",
                 "bhyvetpl render guest", id="argument"),
    pytest.param(["render", "guest", "g1", "--cpu", "two"],
                 "bhyvetpl: error: invalid value for '--cpu': 'two' is not a valid integer",
                 "bhyvetpl render guest", id="int"),
    pytest.param(["demo", "a", "b"], "bhyvetpl: error: got unexpected extra argument",
                 "bhyvetpl demo", id="extra"),
    pytest.param(["bogus"], "bhyvetpl: error: no such command 'bogus'", "bhyvetpl", id="command"),
]


@pytest.mark.parametrize(("args", "start", "path"), USAGE)
def test_usage_error_is_one_plain_line(capsys: pytest.CaptureFixture[str], args: list[str],
                                       start: str, path: str) -> None:
    code, out, err = main_exit(capsys, *args)
    result = cli_runner().invoke(app, args, prog_name="bhyvetpl")
    assert (result.exit_code, result.stderr) == (code, err)
    assert code == 2 and out == "" and len(err.splitlines()) == 1, err
    assert err.lower().startswith(start) and err.endswith(f" (see {path} --help)\n"), err


def test_internal_error_is_one_line_and_70(capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BHYVETPL_DEBUG", raising=False)
    code, err = boundary_exit(capsys, KeyError("no\nsuch key"))
    assert (code, err) == (70, "bhyvetpl: error: internal error: KeyError: 'no\\nsuch key' "
                               "(run again with --debug for the traceback)\n")
    code, err = boundary_exit(capsys, ValueError("two\nlines"))
    assert err.splitlines() == ["bhyvetpl: error: internal error: ValueError: two lines (run again "
                                "with --debug for the traceback)"]


def test_debug_shows_the_traceback(capsys: pytest.CaptureFixture[str],
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    code, err = boundary_exit(capsys, ValueError("boom"), debug=True)
    assert code == 70 and "Traceback (most recent call last)" in err and "raise error" in err
    monkeypatch.setenv("BHYVETPL_DEBUG", "1")
    code, err = boundary_exit(capsys, ValueError("boom"))
    assert code == 70 and "Traceback (most recent call last)" in err


def test_interrupt_is_one_line_and_130(capsys: pytest.CaptureFixture[str]) -> None:
    assert boundary_exit(capsys, KeyboardInterrupt()) == (130, "bhyvetpl: error: interrupted\n")


def test_global_debug_option_is_not_the_guests(capsys: pytest.CaptureFixture[str]) -> None:
    plain = main_exit(capsys, "render", "guest", "g1")
    assert plain[0] == 0
    assert main_exit(capsys, "--debug", "render", "guest", "g1") == plain
    result = cli_runner().invoke(app, ["--debug", "render", "guest", "g1"])
    assert (result.exit_code, result.stdout) == (0, plain[1])
    code, out, _ = main_exit(capsys, "--debug", "render", "guest", "g1", "--debug")
    assert code == 0 and 'debug="yes"' in out and 'debug="yes"' not in plain[1]


def test_bad_value_keeps_its_message_through_the_boundary(
        capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = main_exit(capsys, "--debug", "render", "jail", "bad.name")
    last = err.splitlines()[-1]
    assert code == 2 and out == "" and last.startswith("bhyvetpl: error: jail.name:")
    assert "Traceback" in err


def test_no_click_import() -> None:
    # typer 0.29 carries its own click and may not install click at all.
    offenders = [str(p.relative_to(ROOT)) for folder in ("bhyvetpl", "tests")
                 for p in sorted((ROOT / folder).rglob("*.py"))
                 if any(line.startswith(("import click", "from click"))
                        for line in p.read_text().splitlines())]
    assert offenders == []


def test_render_guest_never_imports_pydantic(tmp_path: Path) -> None:
    # typer 0.29 would build a pydantic TypeAdapter per parameter: ~100 ms of start-up.
    code = ("import sys\nfrom bhyvetpl.cli.entry import main\n"
            "try:\n    main(['render', 'guest', 'g1', '--cpu', '2', '--nic', 'public',"
            " '-o', sys.argv[1]])\nexcept SystemExit as done:\n    assert done.code == 0\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pydantic'))\n")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "g1.conf")],
                         capture_output=True,
                         text=True, check=True)
    assert out.stdout == "[]\n", out.stderr
