"""bhyvetpl(8): mandoc finds nothing to warn about, and it names every command and flag.

`mandoc -T lint` on a Debian machine also reports each FreeBSD manual it cannot find
(`Xr vmm 4`, ...): those are the only messages allowed, and `-W warning` must be silent.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer

from bhyvetpl.cli import typer_compat
from bhyvetpl.cli.app import app
from bhyvetpl.cli.examples import EXAMPLES
from bhyvetpl.errors import ExitCode
from tests import debian_tools

MAN = Path(__file__).resolve().parent.parent / "man" / "bhyvetpl.8"
SOURCE = MAN.read_text(encoding="utf-8")


def commands() -> Iterator[tuple[tuple[str, ...], Any]]:
    def walk(command: Any, path: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
        yield path, command
        for name, sub in getattr(command, "commands", {}).items():
            yield from walk(sub, (*path, name))

    root = typer.main.get_command(app)
    typer_compat.prepare(root)
    yield from walk(root, ())


COMMANDS = list(commands())


def lint(*extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(debian_tools.mandoc()), "-T", "lint", *extra, str(MAN)],
                          capture_output=True, text=True, check=False)


def test_mandoc_warns_about_nothing() -> None:
    done = lint("-W", "warning")
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_mandoc_lint_only_misses_freebsd_manuals() -> None:
    done = lint()
    messages = (done.stdout + done.stderr).splitlines()
    allowed = re.compile(r"STYLE: referenced manual not found: Xr |mandoc\.db")
    assert [m for m in messages if not allowed.search(m)] == []


@pytest.mark.parametrize("path", [p for p, _ in COMMANDS if p], ids=" ".join)
def test_every_command_has_an_entry(path: tuple[str, ...]) -> None:
    assert re.search(rf"^\.It Cm {re.escape(' '.join(path))}\b", SOURCE, re.M), path


FLAGS = sorted({opt for _, command in COMMANDS for param in command.params
                if param.param_type_name == "option"
                for opt in (*param.opts, *param.secondary_opts)} | {"--help"})


@pytest.mark.parametrize("flag", FLAGS)
def test_every_flag_is_described(flag: str) -> None:
    assert re.search(rf"\bFl {re.escape(flag[1:])}(\s|$)", SOURCE, re.M), flag


def test_exit_status_table_is_the_clis() -> None:
    section = SOURCE.split(".Sh EXIT STATUS\n", 1)[1].split("\n.Sh ", 1)[0]
    items = re.findall(r"^\.It (\d+)\n(.*)$", section, re.M)
    assert [int(code) for code, _ in items] == [int(code) for code in ExitCode]
    for (_, text), code in zip(items, ExitCode, strict=True):
        first = code.meaning.split(" ")[0].strip("`").lower()
        assert first in text.lower() or first == "bhyvetpl", (code, text)


def test_cache_and_spec_file_are_documented() -> None:
    assert "~/.cache/bhyvetpl/" in SOURCE and ".Sh SPEC FILE" in SOURCE
    assert "/usr/local/etc/bhyvetpl.toml" in SOURCE


def test_every_help_example_is_in_the_man_page() -> None:
    examples = SOURCE.split(".Sh EXAMPLES\n", 1)[1]
    lines = [line for group in EXAMPLES.values() for line in group]
    assert [line for line in lines if f"\n{line}\n" not in examples] == []


@pytest.mark.parametrize("path", [p for p, c in COMMANDS if len(c.params) > 8], ids=" ".join)
def test_long_commands_have_examples(path: tuple[str, ...]) -> None:
    assert " ".join(("bhyvetpl", *path)) in EXAMPLES
