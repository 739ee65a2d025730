"""Pure argv builders for devfs(8): what the kernel holds in a ruleset, and applying it."""

from __future__ import annotations


def rule_show_argv(ruleset: int) -> tuple[str, ...]:
    """The rules the kernel holds in a ruleset, one a line: `NUM path PATTERN unhide`."""
    return ("devfs", "rule", "-s", str(ruleset), "show")


def applyset_argv(dev_dir: str, ruleset: int) -> tuple[str, ...]:
    """Apply a loaded ruleset to a mounted devfs (a running jail's /dev) now.

    `service devfs restart` loads rulesets but leaves mounted jail /dev as they were.
    """
    return ("devfs", "-m", dev_dir, "rule", "-s", str(ruleset), "applyset")
