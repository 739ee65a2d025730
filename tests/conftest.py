"""Shared fixtures: the CLI runner."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner


@pytest.fixture
def cli() -> CliRunner:
    """A CLI runner that keeps stderr apart from stdout."""
    return CliRunner(mix_stderr=False)
