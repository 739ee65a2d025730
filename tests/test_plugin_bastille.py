"""Bastille's own `bastille plugin` dispatch runs the installed shims (tests/upstream.py finds it).

Bastille's scripts are extracted from the mirror into a temporary directory for each
run (nothing of Bastille is stored here); their absolute /usr/local paths are pointed
into that copy, and `id -u` answers 0, as the shared template harness does.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from bhyvetpl.cli.app import app
from bhyvetpl.render import PLUGIN_COMMANDS
from tests.cli_runner import cli_runner
from tests.test_plugin import ARGV_STANDIN, ODD_ARGS
from tests.upstream import needs_upstream, require_upstream

pytestmark = needs_upstream
PATHS = ("/usr/local/share/bastille", "/usr/local/etc/bastille")
GIT = shutil.which("git") or "/usr/bin/git"


@pytest.fixture(scope="module")
def bastille(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Bastille (the mirror's HEAD) below a directory, with bhyvetpl's plugin installed."""
    base = tmp_path_factory.mktemp("bastille")
    mirror = require_upstream() / "BastilleBSD+bastille" / "repo"
    archive = subprocess.run([GIT, "-C", str(mirror), "archive", "HEAD", "usr/local"],
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(base, filter="data")
    for path in (base / "usr/local").rglob("*"):
        if path.is_file() and not path.is_symlink():
            text = path.read_bytes().decode(errors="surrogateescape")
            if any(p in text for p in PATHS):
                for p in PATHS:
                    text = text.replace(p, f"{base}{p}")
                path.write_bytes(text.encode(errors="surrogateescape"))
    (base / "usr/local/etc/bastille/bastille.conf").write_text(
        f'bastille_prefix="{base}/prefix"\nbastille_sharedir="/usr/local/share/bastille"\n'
        'bastille_zfs_enable="NO"\n')
    result = cli_runner().invoke(
        app, ["bastille-plugin", "install", "--root", str(base)])   # sharedir from the conf
    assert result.exit_code == 0, result.stderr
    assert "no plugin.sh" not in result.stderr
    (base / "usr/local/etc/bastille/bastille.conf").write_text(
        f'bastille_prefix="{base}/prefix"\n'
        f'bastille_sharedir="{base}/usr/local/share/bastille"\nbastille_zfs_enable="NO"\n')
    bindir = base / "bin"
    bindir.mkdir()
    (bindir / "bhyvetpl").symlink_to(ARGV_STANDIN)
    (bindir / "id").write_text('#!/bin/sh\n[ "$1" = -u ] && { echo 0; exit 0; }\n'
                               'exec /usr/bin/id "$@"\n')
    (bindir / "id").chmod(0o755)
    return base


def dispatch(base: Path, *args: str) -> list[str]:
    log = base / "argv"
    log.unlink(missing_ok=True)
    env = {**os.environ, "PATH": f"{base / 'bin'}{os.pathsep}{os.environ['PATH']}",
           "ARGV_LOG": str(log)}
    proc = subprocess.run(["/bin/sh", str(base / "usr/local/bin/bastille"), *args],
                          capture_output=True, env=env, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return log.read_bytes().decode().split("\0")[:-1]


@pytest.mark.parametrize("command", list(PLUGIN_COMMANDS))
def test_bastille_plugin_runs_each_command(bastille: Path, command: str) -> None:
    words = list(PLUGIN_COMMANDS[command])
    assert dispatch(bastille, "plugin", "bhyvetpl", command, *ODD_ARGS) == words + ODD_ARGS


def test_short_form_and_debug(bastille: Path) -> None:
    args = ["--preset", "linux", "my jail", "deb 1"]
    assert dispatch(bastille, "p", "bhyvetpl", "new-guest", *args) == ["new-guest", *args]
    assert dispatch(bastille, "-x", "plugin", "bhyvetpl", "new-guest", *args) == [
        "new-guest", *args]


def test_bastilles_own_version_check_takes_our_min_version(bastille: Path) -> None:
    """Issue 11.12: plugin.sh's check_plugin_min_version against the version master reports."""
    share = bastille / "usr/local/share/bastille"
    text = (share / "plugin.sh").read_text()
    start = text.index("plugin_dotted_version() {")
    functions = text[start:text.index("bootstrap_plugin() {")]
    version = next(line.split("=", 1)[1] for line in
                   (bastille / "usr/local/bin/bastille").read_text().splitlines()
                   if line.startswith("export BASTILLE_VERSION="))
    conf = (share / "plugins/bhyvetpl/plugin.conf").read_text()
    wanted = next(line.split("=", 1)[1].strip('"') for line in conf.splitlines()
                  if line.startswith("min_version="))
    script = ('warn() { shift; echo "$*"; }\nerror_exit() { echo "$*"; exit 1; }\n'
              f"BASTILLE_VERSION={version}\n{functions}\n"
              'check_plugin_min_version "$1"\n')
    sh = shutil.which("sh") or "/bin/sh"
    ours = subprocess.run([sh, "-c", script, "sh", wanted], capture_output=True, text=True,
                          check=False)
    assert ours.returncode == 0 and ours.stdout == "", ours.stdout
    old = subprocess.run([sh, "-c", script, "sh", "1.5.0"], capture_output=True, text=True,
                         check=False)
    assert old.returncode == 1 and "lower than the plugin required version 1.5.0" in old.stdout
