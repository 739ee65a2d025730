"""Completion in real shells: bash runs the script's function on real COMP_WORDS, an
interactive zsh on a pseudo-terminal gets `bhyvetpl ...` and a Tab (tests/shells/), and
fish answers `complete -C`, the query its Tab press makes.

Commands and flags come from the script's own table; jail and guest names from a host
root built of real Bastille and vm-bhyve files, read by `bhyvetpl completion --names`,
which must leave that root as it was.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import debian_tools

HERE = Path(__file__).parent
FIX = HERE / "fixtures"
BIN = Path(sys.executable).parent  # the venv's bin: its bhyvetpl is the one under test
JAILS = {"lab": ["web", "db"], "lab2": ["win"]}


def fixture(name: str) -> str:
    return (FIX / "freebsd" / name).read_text()


@pytest.fixture(scope="module")
def host(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Bastille's default layout: two jails with vm-bhyve guests, one jail dir without conf."""
    root = tmp_path_factory.mktemp("host")
    jail_conf = fixture("bastille-jail.conf-bhyve-vnet-12.2.txt")
    guest_conf = (FIX / "lint" / "freebsd.conf").read_text()
    for name, guests in JAILS.items():
        jail = root / "usr/local/bastille/jails" / name
        (jail / "root/etc").mkdir(parents=True)
        (jail / "jail.conf").write_text(jail_conf.replace("test-bhyve {", f"{name} {{"))
        (jail / "root/etc/rc.conf").write_text('vm_enable="YES"\nvm_dir="/vms"\n')
        (jail / "root/vms/.templates").mkdir(parents=True)
        for guest in guests:
            (jail / "root/vms" / guest).mkdir(parents=True)
            (jail / "root/vms" / guest / f"{guest}.conf").write_text(guest_conf)
    (root / "usr/local/bastille/jails/half-made").mkdir()
    return root


def snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {str(p): (p.stat().st_mtime_ns, p.stat().st_size) for p in root.rglob("*")}


def script(shell: str, tmp_path: Path) -> Path:
    done = subprocess.run([BIN / "bhyvetpl", "completion", shell], capture_output=True,
                          text=True, check=True)
    path = tmp_path / ("_bhyvetpl" if shell == "zsh" else f"bhyvetpl.{shell}")
    path.write_text(done.stdout)
    return path


def env() -> dict[str, str]:
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}"}


def bash_complete(path: Path, line: str) -> list[str]:
    """What bash's completion function offers for line (the last word is completed)."""
    words = line.split(" ")
    code = ('source "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); '
            'COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}; _bhyvetpl; '
            'printf "%s\\n" "${COMPREPLY[@]}"')
    argv = ["bash", "--norc", "--noprofile", "-c", code, "_", str(path), *words]
    done = subprocess.run(argv, capture_output=True, text=True, check=True, env=env())
    assert done.stderr == ""
    return sorted(w for w in done.stdout.splitlines() if w)


def zsh_complete(path: Path, line: str, tmp_path: Path) -> list[str]:
    """What an interactive zsh offers when line and a Tab are typed."""
    zsh = debian_tools.zsh()
    out = tmp_path / "zsh-matches"
    out.unlink(missing_ok=True)
    full = {**env(), **zsh.env(), "ZDOTDIR": str(HERE / "shells"), "COMPDIR": str(path.parent),
            "OUT": str(out), "LINE": line}
    done = subprocess.run([str(zsh.binary), "-f", str(HERE / "shells/zsh_complete.zsh")],
                          capture_output=True, text=True, env=full, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    return sorted(set(out.read_text().split())) if out.exists() else []


CASES = [
    ("bhyvetpl ren", ["render"]),
    ("bhyvetpl render g", ["guest"]),
    ("bhyvetpl --ver", ["--version"]),
    ("bhyvetpl render guest --vnc-", ["--vnc-listen", "--vnc-port", "--vnc-res", "--vnc-wait"]),
    ("bhyvetpl host prepare --root ROOT --jail ", ["lab", "lab2"]),
    ("bhyvetpl new-guest --root ROOT l", ["lab", "lab2"]),
    ("bhyvetpl doctor --root ROOT lab", ["lab", "lab2"]),
    ("bhyvetpl jail apply --root ROOT --release 14.3-RELEASE la", ["lab", "lab2"]),
    ("bhyvetpl host prepare --root ROOT --guest ", ["db", "web", "win"]),
    ("bhyvetpl host prepare --jail lab --root ROOT --guest ", ["db", "web"]),
    ("bhyvetpl templates list --jail ", []),  # the real / has no Bastille jails here
]


@pytest.mark.parametrize(("line", "expected"), CASES, ids=[c[0] for c in CASES])
def test_bash(host: Path, tmp_path: Path, line: str, expected: list[str]) -> None:
    before = snapshot(host)
    got = bash_complete(script("bash", tmp_path), line.replace("ROOT", str(host)))
    assert got == expected
    assert snapshot(host) == before


@pytest.mark.parametrize(("line", "expected"), CASES[:7], ids=[c[0] for c in CASES[:7]])
def test_zsh(host: Path, tmp_path: Path, line: str, expected: list[str]) -> None:
    before = snapshot(host)
    got = zsh_complete(script("zsh", tmp_path), line.replace("ROOT", str(host)), tmp_path)
    assert got == expected
    assert snapshot(host) == before


def fish_complete(path: Path, line: str) -> list[str]:
    """What fish's `complete -C` (the Tab press's own query) offers for line."""
    fish = debian_tools.fish()
    prefix = f"set -p fish_function_path {fish.functions}; " if fish.functions else ""
    code = f"{prefix}source {path}; complete -C $argv[1]"
    done = subprocess.run([str(fish.binary), "--no-config", "-c", code, line],
                          capture_output=True, text=True, check=False,
                          env={**env(), **fish.env()}, timeout=120)
    assert (done.returncode, done.stderr) == (0, "")
    return sorted(w.split("\t")[0] for w in done.stdout.splitlines() if w)


FISH_CASES = [*CASES[:5], CASES[8], CASES[9]]  # fish completes names for --jail and --guest


@pytest.mark.parametrize(("line", "expected"), FISH_CASES, ids=[c[0] for c in FISH_CASES])
def test_fish(host: Path, tmp_path: Path, line: str, expected: list[str]) -> None:
    before = snapshot(host)
    assert fish_complete(script("fish", tmp_path), line.replace("ROOT", str(host))) == expected
    assert snapshot(host) == before


def test_names_read_files_only(host: Path) -> None:
    for kind, expected in (("jails", "lab\nlab2\n"), ("guests", "db\nweb\nwin\n")):
        done = subprocess.run([BIN / "bhyvetpl", "completion", "--names", kind, "--root",
                               str(host)], capture_output=True, text=True, check=True,
                              env={**env(), "PATH": "/nonexistent"})  # no program to run
        assert (done.stdout, done.stderr) == (expected, "")


def test_bad_shell_is_one_line() -> None:
    done = subprocess.run([BIN / "bhyvetpl", "completion", "tcsh"], capture_output=True,
                          text=True, check=False)
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == ("bhyvetpl: error: shell: 'tcsh' is not accepted; "
                           "expected one of bash, zsh, fish\n")
