"""Stand-in executables first on PATH, recording argv, for end-to-end comparisons."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from bhyvetpl.cli.app import app
from tests.cli_runner import cli_runner

STANDIN = Path(__file__).resolve().parent / "standin" / "standin.sh"
PROGRAMS = ("bastille", "vm", "sysrc", "kldload", "kldstat", "sysctl", "service", "jls",
            "zfs", "netstat", "devfs", "freebsd-version", "ifconfig", "pkg")
# What FreeBSD's netstat -rn -f inet prints on a host whose default route leaves via em0.
ROUTES = ("Routing tables\n\nInternet:\n"
          "Destination        Gateway            Flags         Netif Expire\n"
          "default            192.0.2.1          UGS             em0\n"
          "127.0.0.1          link#2             UH              lo0\n")
# The commands that run a plan: with --root DIR they only write files unless --live says
# the stand-ins act on DIR (bhyvetpl.plan.deferred), which is what these tests are for.
RUNNERS = (("apply",), ("host", "prepare"), ("jail", "create"), ("jail", "apply"),
           ("new-guest",), ("templates", "install"))
FREEBSD_VERSION = '#!/bin/sh\nUSERLAND_VERSION="14.3-RELEASE-p2"\necho "$USERLAND_VERSION"\n'


@dataclass
class Host:
    """A fake host: a root for files, a state dir for the stand-ins, and their log."""

    base: Path
    monkeypatch: pytest.MonkeyPatch

    @property
    def root(self) -> Path:
        return self.base / "root"

    @property
    def state(self) -> Path:
        return self.base / "state"

    @property
    def log(self) -> Path:
        return self.base / "calls.log"

    def calls(self) -> list[tuple[str, ...]]:
        """The recorded argv lists, in order, and forget them."""
        text = self.log.read_text() if self.log.exists() else ""
        self.log.unlink(missing_ok=True)
        return [tuple(line.split("\t")) for line in text.splitlines()]

    def fail(self, *argv: str) -> None:
        """Make the first command starting with argv exit 1."""
        (self.state / "fail").write_text("\t".join(argv))

    def heal(self) -> None:
        (self.state / "fail").unlink(missing_ok=True)

    def cli(self, *args: str) -> tuple[int, str, str]:
        result = cli_runner().invoke(app, live(args))
        return result.exit_code, result.stdout, result.stderr

    def sh(self, script: str) -> tuple[int, str, str]:
        path = self.base / "script.sh"
        path.write_text(script)
        proc = subprocess.run(["/bin/sh", str(path)], capture_output=True, text=True,
                              check=False, env=os.environ.copy())
        return proc.returncode, proc.stdout, proc.stderr

    def snapshot(self) -> dict[str, str]:
        """Every file below root with its text (for before/after comparisons)."""
        return {str(p.relative_to(self.root)): p.read_text()
                for p in sorted(self.root.rglob("*")) if p.is_file()}


def live(args: tuple[str, ...] | list[str]) -> list[str]:
    """The arguments, with --live added where a plan runs below a --root of stand-ins."""
    words = list(args)
    runs = any(tuple(words[:len(r)]) == r for r in RUNNERS)
    return [*words, "--live"] if runs and "--root" in words and "--live" not in words else words


def make_host(base: Path, monkeypatch: pytest.MonkeyPatch) -> Host:
    host = Host(base, monkeypatch)
    bindir = base / "bin"
    for directory in (bindir, host.root, host.state):
        directory.mkdir(parents=True, exist_ok=True)
    for program in PROGRAMS:
        (bindir / program).symlink_to(STANDIN)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("STANDIN_LOG", str(host.log))
    monkeypatch.setenv("STANDIN_STATE", str(host.state))
    return host
