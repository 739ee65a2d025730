"""Shared fixtures: paths, the CLI runner."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden"
FIXTURES = ROOT / "tests" / "fixtures"


@pytest.fixture
def cli() -> CliRunner:
    """A CLI runner that keeps stderr apart from stdout."""
    return CliRunner()
