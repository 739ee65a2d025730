"""The CLI behaves like the base tools: plain one-line errors, --version, help that fits.

Every `--help`, rendered at 80 columns as a terminal would, fits with nothing cut ("..." or
"…"); a group named without a command shows its help instead of running its only command.
"""

from __future__ import annotations

import os
import pty
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer

from bhyvetpl import __version__
from bhyvetpl.cli import typer_compat
from bhyvetpl.cli.app import app
from bhyvetpl.cli.entry import main


def command_paths() -> Iterator[tuple[str, ...]]:
    """Every command path of the whole app: (), ("render",), ("render", "guest"), ..."""
    def walk(command: object, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        yield path
        for name, sub in sorted(getattr(command, "commands", {}).items()):
            yield from walk(sub, (*path, name))

    yield from walk(typer.main.get_command(app), ())


PATHS = list(command_paths())
# A short help click or rich cut (the usage line's "ARGS..." is no cut).
CUT = re.compile(r"[^\]}]\.\.\.$|…")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as info:
        main(list(args))
    out, err = capsys.readouterr()
    return int(info.value.code or 0), out, err


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "bhyvetpl")
def test_help_fits_80_columns_uncut(capsys: pytest.CaptureFixture[str],
                                    monkeypatch: pytest.MonkeyPatch,
                                    path: tuple[str, ...]) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    code, out, err = run(capsys, *path, "--help")
    assert (code, err) == (0, "")
    assert out.startswith(f"Usage: {' '.join(('bhyvetpl', *path))} ")
    long = [line for line in out.splitlines() if len(line) > 80]
    cut = [line for line in out.splitlines()[1:] if CUT.search(line)]
    assert (long, cut) == ([], [])
    assert "--install-completion" not in out  # `bhyvetpl completion SHELL` is the one way


def test_the_whole_app_has_every_path() -> None:
    assert {p[0] for p in PATHS if p} >= {"render", "host", "jail", "plan", "apply"}
    assert ("host", "prepare") in PATHS


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "--version") == (0, f"bhyvetpl {__version__}\n", "")


def test_a_group_without_its_command_runs_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    # `host` has one command; `bhyvetpl host --dry-run` once ran `host prepare --dry-run`.
    code, out, err = run(capsys, "host", "--dry-run")
    assert (code, out) == (2, "")
    assert err == ("bhyvetpl: error: no such option: --dry-run "
                   "(see bhyvetpl host --help)\n")
    code, out, err = run(capsys, "host")
    assert (code, err) == (0, "") and "prepare" in out


def test_templates_list_help_does_not_say_install(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "templates", "list", "--help")
    assert code == 0 and "install" not in out.lower().replace("installed,", "")


ANSI = re.compile(r"\x1b\[|╭|│|─")


def in_terminal(args: list[str], env: dict[str, str]) -> tuple[int, str]:
    """Run bhyvetpl with stdout and stderr on a pseudo-terminal; its exit status and output."""
    pid, fd = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        argv = [sys.executable, "-m", "bhyvetpl", *args]
        os.execve(sys.executable, argv,  # noqa: S606 - an argv list, our own interpreter
                  {**os.environ, **env, "TERM": "xterm-256color"})
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status), b"".join(chunks).decode()


BAD = [["render", "guest"], ["render", "guest", "g1", "--cpu", "four"],
       ["render", "guest", "bad;name"], ["nosuch"]]


@pytest.mark.parametrize("args", BAD, ids=" ".join)
@pytest.mark.parametrize("env", [{}, {"NO_COLOR": "1"}], ids=["tty", "NO_COLOR"])
def test_errors_are_one_plain_line_on_a_terminal(args: list[str], env: dict[str, str]) -> None:
    code, text = in_terminal(args, env)
    lines = text.splitlines()
    assert code == 2 and len(lines) == 1, text
    assert lines[0].startswith("bhyvetpl: error: ") and not ANSI.search(text), text


@pytest.mark.parametrize("args", BAD, ids=" ".join)
def test_errors_are_one_plain_line_in_a_pipe(args: list[str]) -> None:
    done = subprocess.run([sys.executable, "-m", "bhyvetpl", *args], capture_output=True,
                          text=True, check=False, cwd=Path(__file__).parent)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr.startswith("bhyvetpl: error: ") and done.stderr.count("\n") == 1
    assert not ANSI.search(done.stderr)


def test_prepare_keeps_help_plain() -> None:
    command = typer.main.get_command(app)
    typer_compat.prepare(command)
    assert getattr(command, "rich_markup_mode", None) is None


def test_long_commands_end_their_help_with_examples(capsys: pytest.CaptureFixture[str]) -> None:
    for args in (["new-guest"], ["host", "prepare"], ["render", "guest"]):
        code, out, _ = run(capsys, *args, "--help")
        assert code == 0 and "\n  Examples:\n    bhyvetpl " + " ".join(args) in out
    code, out, _ = run(capsys, "--help")  # the whole app's tree gets them too
    assert "Examples:" not in out
