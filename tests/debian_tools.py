"""mandoc, zsh and fish for the tests: from PATH, else Debian's packages unpacked into a cache.

No root is needed: `apt-get download` fetches the .deb files and `dpkg -x` unpacks them
below the cache (an `apt-get update` first only when the lists are empty and we are root,
as on a fresh CI machine). With CI=true a tool that cannot be had fails its tests; elsewhere
they skip. The first test that needs a tool downloads it; later ones reuse the cache.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest

CACHE = Path(os.environ.get("BHYVETPL_TOOLS_CACHE")
             or Path(tempfile.gettempdir()) / "bhyvetpl-test-tools")
ROOT = CACHE / "root"
PACKAGES = {"mandoc": ("mandoc",), "zsh": ("zsh", "zsh-common"),
            "fish": ("fish", "fish-common", "libpcre2-32-0")}


@dataclass(frozen=True, slots=True)
class Zsh:
    """A zsh to run, and where its modules and functions are when it was unpacked."""

    binary: Path
    modules: str = ""
    functions: str = ""

    def env(self) -> dict[str, str]:
        """What tests/zsh_complete.zsh reads to find them (empty for an installed zsh)."""
        return {"ZSH_BIN": str(self.binary), "ZSH_MODULES": self.modules,
                "ZSH_FUNCTIONS": self.functions}


def _unpack(tool: str) -> None:
    """Download the tool's packages and unpack them below ROOT (no root needed)."""
    debs = CACHE / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    argv = ["apt-get", "download", *PACKAGES[tool]]
    done = subprocess.run(argv, cwd=debs, capture_output=True, text=True, check=False)
    if done.returncode != 0 and os.geteuid() == 0:
        subprocess.run(["apt-get", "update", "-qq"],  # noqa: S607 - Debian's own client
                       capture_output=True, check=False)
        done = subprocess.run(argv, cwd=debs, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)}: {done.stderr.strip()}")
    for deb in sorted(debs.glob("*.deb")):
        subprocess.run(["dpkg", "-x", str(deb), str(ROOT)], check=True)  # noqa: S607


def _unpacked(tool: str, relpath: str) -> Path:
    found = ROOT / relpath
    if not found.exists():
        try:
            _unpack(tool)
        except (OSError, RuntimeError, subprocess.CalledProcessError) as err:
            if os.environ.get("CI"):
                pytest.fail(f"{tool} is needed and could not be had: {err}")
            pytest.skip(f"{tool} is not installed and could not be downloaded: {err}")
    return found


def mandoc() -> Path:
    """An installed mandoc, or Debian's unpacked."""
    installed = shutil.which("mandoc")
    return Path(installed) if installed else _unpacked("mandoc", "usr/bin/mandoc")


def zsh() -> Zsh:
    """An installed zsh, or Debian's unpacked with its module and function directories."""
    installed = shutil.which("zsh")
    if installed:
        return Zsh(Path(installed))
    binary = _unpacked("zsh", "bin/zsh")
    modules = sorted((ROOT / "usr/lib").glob("*/zsh/*/zsh"))
    functions = ROOT / "usr/share/zsh/functions"
    return Zsh(binary, str(modules[0].parent) if modules else "",
               ":".join(str(d) for d in sorted(functions.rglob("*")) if d.is_dir()))


@dataclass(frozen=True, slots=True)
class Fish:
    """A fish to run; unpacked, it needs its library and its functions directory."""

    binary: Path
    libraries: str = ""
    functions: str = ""

    def env(self) -> dict[str, str]:
        """LD_LIBRARY_PATH for an unpacked fish (empty for an installed one)."""
        return {"LD_LIBRARY_PATH": self.libraries} if self.libraries else {}


def fish() -> Fish:
    """An installed fish, or Debian's unpacked with libpcre2-32 beside it."""
    installed = shutil.which("fish")
    if installed:
        return Fish(Path(installed))
    binary = _unpacked("fish", "usr/bin/fish")
    libraries = sorted({str(p.parent) for p in ROOT.glob("usr/lib/*/libpcre2-32.so*")})
    return Fish(binary, ":".join(libraries), str(ROOT / "usr/share/fish/functions"))


if __name__ == "__main__":
    print(mandoc(), zsh().binary, fish().binary, file=sys.stderr)
