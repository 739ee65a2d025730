"""Shared fixtures: the CLI runner."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.cli_runner import cli_runner
from tests.standin_env import Host, make_host
from tests.upstream import upstream

__all__ = ["upstream"]


@pytest.fixture
def cli() -> CliRunner:
    """A CLI runner that keeps stderr apart from stdout."""
    return cli_runner()


@pytest.fixture
def fake_host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Host]:
    """A fake host with stand-in bastille, vm, kldload... first on PATH."""
    yield make_host(tmp_path / "host", monkeypatch)
