"""The steps of a plan: pure data that apply, emit and dry-run all read the same way."""

from __future__ import annotations

import shlex
from dataclasses import dataclass, field
from pathlib import Path

# What a removal step reports when it leaves something in place.
REMOVE_KEPT = "changed since bhyvetpl wrote it: kept"
DIR_KEPT = "not empty: kept"


@dataclass(frozen=True, slots=True)
class Probe:
    """An idempotence guard: a command whose result says the step is already done.

    Without `line`, the step is done when the command exits 0. With `line`, it is
    done when the command prints that exact line (its exit code is then ignored,
    as a shell pipeline into `grep -qxF` ignores it); with `nonempty`, when it prints
    anything at all (`devfs rule -s N show` exits 0 for an empty ruleset).
    """

    argv: tuple[str, ...]
    line: str | None = None
    means: str = "already done"
    nonempty: bool = False   # done when the command prints anything (exit code ignored)

    def done(self, returncode: int, stdout: str) -> bool:
        """Decide from the probe's exit code and output whether the step is done."""
        if self.nonempty:
            return stdout.strip() != ""
        if self.line is None:
            return returncode == 0
        return self.line in stdout.splitlines()


@dataclass(frozen=True, slots=True)
class RulesProbe:
    """`devfs rule -s N show` holds what we rendered: `count` rules, these `path` rules in order.

    The rule numbers and the include's number (rc expands `$devfsrules_jail`) are not
    compared. As with `Probe.line`, the exit code is ignored (the sh script pipes the
    output into awk), but a failed command prints no rules and so never matches.
    """

    argv: tuple[str, ...]
    count: int
    paths: tuple[str, ...]
    means: str = "the kernel holds the ruleset as written"

    def done(self, returncode: int, stdout: str) -> bool:  # noqa: ARG002 (ignored on purpose)
        """Compare the rules shown (`NUM path PATTERN unhide`) with the rendered ones."""
        rules = [line.split() for line in stdout.splitlines() if line.strip()]
        shown = tuple(words[2] for words in rules if len(words) > 2 and words[1] == "path")
        return len(rules) == self.count and shown == self.paths


@dataclass(frozen=True, slots=True)
class WriteFile:
    """Write a whole file (atomically); unchanged content is left alone.

    `skip_if` leaves the file unwritten when its probe says done: a guest's template
    is only written while `vm create` still has to read it (the guest is missing).
    """

    path: Path
    text: str
    where: str = "host"
    why: str = ""
    skip_if: Probe | None = None

    @property
    def what(self) -> str:
        """One line for the plan table."""
        return f"write {self.path}" + (f" ({self.why})" if self.why else "")


@dataclass(frozen=True, slots=True)
class EditBlock:
    """Replace (or add) bhyvetpl's marked block in a file; other lines stay as they are.

    The block runs from `# BEGIN bhyvetpl <owner>` to `# END bhyvetpl <owner>`. When the
    file has no such block it is added before the last line equal to `anchor` (for a
    jail.conf: the closing `}`), or at the end when `anchor` is None. The previous file
    is kept as `<file>.bhyvetpl.bak`.
    """

    path: Path
    block: str
    owner: str
    where: str = "host"
    anchor: str | None = None
    why: str = ""

    @property
    def begin(self) -> str:
        """The opening marker line."""
        return f"# BEGIN bhyvetpl {self.owner}"

    @property
    def end(self) -> str:
        """The closing marker line."""
        return f"# END bhyvetpl {self.owner}"

    @property
    def what(self) -> str:
        """One line for the plan table."""
        return f"edit block {self.owner!r} in {self.path}" + (f" ({self.why})" if self.why
                                                              else "")


@dataclass(frozen=True, slots=True)
class FileProbe:
    """Guard on a stamp file bhyvetpl writes: done when it holds exactly `text`."""

    path: Path
    text: str
    means: str = "already applied"


Guard = Probe | FileProbe | RulesProbe


@dataclass(frozen=True, slots=True)
class RunCommand:
    """Run one argv; skipped when `skip_if` says done, or when `after_change` is unchanged.

    `after_change` names a file an earlier step of the same plan writes: the command
    (e.g. `service devfs restart`) only runs when that step changed the file.
    """

    argv: tuple[str, ...]
    where: str = "host"
    why: str = ""
    skip_if: Guard | None = None
    after_change: Path | None = None
    timeout: float = 600.0

    @property
    def what(self) -> str:
        """One line for the plan table."""
        return shlex.join(self.argv) + (f"  # {self.why}" if self.why else "")


@dataclass(frozen=True, slots=True)
class Check:
    """Stop the plan unless the probe passes; `fix` tells the admin what to do."""

    probe: Probe | RulesProbe
    where: str = "host"
    fix: str = ""

    @property
    def what(self) -> str:
        """One line for the plan table."""
        return f"check {shlex.join(self.probe.argv)}  # {self.probe.means}"


@dataclass(frozen=True, slots=True)
class CheckRuleset:
    """Refuse a devfs ruleset number or name that a ruleset bhyvetpl did not write uses."""

    path: Path
    number: int
    name: str
    owner: str
    where: str = "host"

    @property
    def what(self) -> str:
        """One line for the plan table."""
        return f"check that ruleset {self.name}={self.number} is free in {self.path}"


@dataclass(frozen=True, slots=True)
class RemoveFile:
    """Remove a file bhyvetpl wrote, only while it still holds exactly `text`.

    A file that is absent is left so; one that differs (changed since bhyvetpl wrote
    it) is kept and reported, never removed.
    """

    path: Path
    text: str
    where: str = "host"
    why: str = ""

    @property
    def what(self) -> str:
        """One line for the plan table."""
        return f"remove {self.path}" + (f" ({self.why})" if self.why else "")


@dataclass(frozen=True, slots=True)
class RemoveDir:
    """Remove a directory, only when it is empty (anything left in it stays)."""

    path: Path
    where: str = "host"

    @property
    def what(self) -> str:
        """One line for the plan table."""
        return f"remove directory {self.path} if empty"


@dataclass(frozen=True, slots=True)
class Deferred:
    """A step that acts outside the root (a command, a check, or a file only it makes).

    `--root DIR` other than / means a system whose files are below DIR (a mounted boot
    environment, a staging tree): kldload, sysctl, service, devfs, bastille, vm, zfs and
    ifconfig would act on this machine instead, so they are listed, never run.
    """

    step: Check | RunCommand | WriteFile | EditBlock | RemoveFile
    because: str

    @property
    def where(self) -> str:
        """Where the deferred step would act."""
        return self.step.where

    @property
    def what(self) -> str:
        """One line for the plan table: the step's own (its guard column says deferred)."""
        return self.step.what


Step = (CheckRuleset | Check | WriteFile | EditBlock | RunCommand | RemoveFile | RemoveDir
        | Deferred)


@dataclass(frozen=True, slots=True)
class Plan:
    """Ordered steps and a one-line description of the command that built them.

    `root` is where `/` is: every file step's path is below it, and apply and the sh
    script refuse a symlink at any component below it.
    """

    description: str
    steps: tuple[Step, ...]
    summary: tuple[str, ...] = ()
    root: Path = field(kw_only=True)   # no default: a plan always says where / is

    @property
    def deferred(self) -> tuple[Deferred, ...]:
        """The steps listed but not run (`--root DIR` without `--live`)."""
        return tuple(s for s in self.steps if isinstance(s, Deferred))

    def edit_index(self, path: Path) -> int:
        """The index of the step that writes path (for `RunCommand.after_change`)."""
        for index, step in enumerate(self.steps):
            if isinstance(step, WriteFile | EditBlock) and step.path == path:
                return index
        raise ValueError(f"no step of this plan writes {path}")
