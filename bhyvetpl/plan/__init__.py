"""Plans: ordered steps that apply runs, emit prints as sh, and dry-run shows."""

from bhyvetpl.plan.actions import (
    Check,
    CheckRuleset,
    EditBlock,
    FileProbe,
    Plan,
    Probe,
    RunCommand,
    Step,
    WriteFile,
)

__all__ = ["Check", "CheckRuleset", "EditBlock", "FileProbe", "Plan", "Probe", "RunCommand",
           "Step", "WriteFile"]
