"""The compiled-template cache (~/.cache/bhyvetpl) is a saving, never a reason to fail.

A run as a service user with no home, a read-only home, or HOME pointing nowhere renders
the same bytes, exit 0, and creates nothing outside the cache directory it can make.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ARGS = ["render", "guest", "g1", "--preset", "linux"]


def render(tmp_path: Path, **env: str | None) -> subprocess.CompletedProcess[str]:
    """`bhyvetpl render guest` in tmp_path with env changed (None: unset)."""
    full = {k: v for k, v in os.environ.items() if k not in ("HOME", "XDG_CACHE_HOME")}
    full.update({k: v for k, v in env.items() if v is not None})
    return subprocess.run([sys.executable, "-m", "bhyvetpl", *ARGS], cwd=tmp_path, env=full,
                          capture_output=True, text=True, check=False)


@pytest.fixture
def expected(tmp_path: Path) -> str:
    home = tmp_path / "home"
    home.mkdir()
    done = render(tmp_path, HOME=str(home))
    assert done.returncode == 0, done.stderr
    assert list((home / ".cache" / "bhyvetpl").iterdir())  # the cache is where the docs say
    return done.stdout


def test_no_home(tmp_path: Path, expected: str) -> None:
    done = render(tmp_path, HOME=None)
    assert (done.returncode, done.stdout, done.stderr) == (0, expected, "")


def test_missing_home_is_not_created(tmp_path: Path, expected: str) -> None:
    gone = tmp_path / "gone" / "home"
    done = render(tmp_path, HOME=str(gone))
    assert (done.returncode, done.stdout, done.stderr) == (0, expected, "")
    assert not (tmp_path / "gone").exists()


def test_home_that_is_a_file(tmp_path: Path, expected: str) -> None:
    # Root ignores mode bits, so a home nothing can be made below stands in for read-only.
    home = tmp_path / "file"
    home.write_text("")
    done = render(tmp_path, HOME=str(home))
    assert (done.returncode, done.stdout, done.stderr) == (0, expected, "")


def test_read_only_home(tmp_path: Path, expected: str) -> None:
    home = tmp_path / "ro"
    home.mkdir(mode=0o500)
    try:
        done = render(tmp_path, HOME=str(home))
    finally:
        home.chmod(0o700)
    assert (done.returncode, done.stdout, done.stderr) == (0, expected, "")


@pytest.mark.parametrize("env", [{"HOME": ""}, {"XDG_CACHE_HOME": "rel"}])
def test_relative_cache_dir_writes_nothing_here(tmp_path: Path, expected: str,
                                                env: dict[str, str]) -> None:
    work = tmp_path / "work"
    work.mkdir()
    done = render(work, **{"HOME": str(tmp_path / "home"), **env})
    assert (done.returncode, done.stdout, done.stderr) == (0, expected, "")
    assert list(work.iterdir()) == []
