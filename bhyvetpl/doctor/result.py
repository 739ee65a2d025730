"""A check's outcome: one line of the doctor's table, with its fix."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Status = Literal["PASS", "WARN", "FAIL"]


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One line of the doctor's table; `fix` is the exact command or file line to apply."""

    check: str
    status: Status
    detail: str
    fix: str = ""
