"""One lint finding: where, how bad, which rule, and what to do about it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Finding:
    """A problem at one line of one file; `code` names the rule (stable, for scripts)."""

    path: Path
    line: int
    severity: Severity
    code: str
    message: str

    def __str__(self) -> str:
        """`path:line: severity: message [code]`, the form editors and CI logs parse."""
        return f"{self.path}:{self.line}: {self.severity}: {self.message} [{self.code}]"

    @property
    def is_error(self) -> bool:
        """Whether the finding makes `bhyvetpl lint` exit 1."""
        return self.severity == "error"
