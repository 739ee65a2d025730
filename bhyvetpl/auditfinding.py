"""One audit finding: its own module, so the devfs, parameter and mount parts all build it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Verdict = Literal["wider", "narrower", "note"]


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a jail can reach that differs from need, and the change that fixes it."""

    jail: str
    verdict: Verdict
    what: str
    detail: str
    change: str = ""
