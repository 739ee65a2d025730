"""Where the real consumers live: ../shared/tools and git mirrors of Bastille and vm-bhyve.

Everything is found relative to this repository (never an absolute machine path), so a
clean clone with ../shared beside it runs them. Locally a missing mirror skips the tests
that need it; in CI (CI=true) it fails them, so the real-consumer tests cannot quietly
stop running.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
TOOLS = SHARED / "tools"
VMB_TOOLS = TOOLS / "vm-bhyve"
BASTILLE_TOOLS = TOOLS / "bastille"
MIRRORS = ("BastilleBSD+bastille", "freebsd+vm-bhyve")
GIT = shutil.which("git") or "/usr/bin/git"
IN_CI = os.environ.get("CI", "").lower() == "true"


def _configured_root() -> Path:
    """MIRROR_ROOT (a relative one is read from the repository), else ../shared/upstream."""
    given = os.environ.get("MIRROR_ROOT")
    root = Path(given) if given else SHARED / "upstream"
    return root if root.is_absolute() else (REPO / root).resolve()


def _git_reads(repo: Path) -> bool:
    probe = subprocess.run([GIT, "--git-dir", str(repo), "rev-parse", "--git-dir"],
                           capture_output=True, check=False)
    return probe.returncode == 0


def _readable_view(repo: Path, into: Path) -> Path:
    """A bare repository git accepts, borrowing repo's objects and refs (nothing copied).

    The shared mirrors are laid read-only without their empty `refs/` directory, and git
    does not take a directory without one for a repository.
    """
    view = into / repo.parent.name / "repo"
    (view / "refs").mkdir(parents=True)
    (view / "objects" / "info").mkdir(parents=True)
    (view / "objects" / "info" / "alternates").write_text(f"{repo / 'objects'}\n")
    for name in ("HEAD", "packed-refs"):
        if (repo / name).is_file():
            shutil.copyfile(repo / name, view / name)
    (view / "config").write_text("[core]\n\trepositoryformatversion = 0\n\tbare = true\n")
    return view


def _prepare() -> tuple[Path | None, str]:
    """The mirror root the harnesses get, or None and why there is none."""
    if not TOOLS.is_dir():
        return None, f"no harnesses at {TOOLS}"
    root = _configured_root()
    missing = [name for name in MIRRORS if not (root / name / "repo").is_dir()]
    if missing:
        return None, f"no mirror of {', '.join(missing)} under {root}"
    if all(_git_reads(root / name / "repo") for name in MIRRORS):
        return root, ""
    view_root = Path(tempfile.mkdtemp(prefix="bhyvetpl-mirrors-"))
    atexit.register(shutil.rmtree, view_root, ignore_errors=True)
    for repo in sorted(root.glob("*/repo")):
        _readable_view(repo, view_root)
    if not all(_git_reads(view_root / name / "repo") for name in MIRRORS):
        return None, f"git cannot read the mirrors under {root}"
    return view_root, ""


MIRROR_ROOT, WHY_MISSING = _prepare()
if MIRROR_ROOT is not None:
    # The harnesses read MIRROR_ROOT from the environment they inherit.
    os.environ["MIRROR_ROOT"] = str(MIRROR_ROOT)


def require_upstream() -> Path:
    """The mirror root; skip without it, or fail in CI where it must be there."""
    if MIRROR_ROOT is None:
        message = f"real-consumer test needs ../shared/tools and mirrors: {WHY_MISSING}"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    return MIRROR_ROOT


@pytest.fixture
def upstream() -> Path:
    """Tests that run Bastille's or vm-bhyve's real code ask for this fixture."""
    return require_upstream()


needs_upstream = pytest.mark.usefixtures("upstream")
