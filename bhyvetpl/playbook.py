"""A plan as an Ansible playbook: the same commands, in the same order, and the same bytes.

The fourth consumer of a plan, beside apply, the sh script and dry-run. Only
ansible-core's builtin modules are used, and no Ansible code is imported: the YAML is
written here, every plan value through `yamlquote.quote` (one routine, `!unsafe`).

Each step becomes a few tasks:

- a command: `ansible.builtin.command` with `argv:`; its probe runs first (read-only,
  also in check mode) and the command's `when:` reads the probe, so a second run
  changes nothing. A command that follows a file's change runs when that task changed.
- a marked block: `ansible.builtin.blockinfile` with bhyvetpl's own markers. The new
  text is also computed (Jinja, on the controller, from the slurped file) exactly as
  `plan.hostfile.replace_block` does, for three reasons: the `.bhyvetpl.bak` backup is
  written only when the file changes; a file without an END marker, or without the
  anchor line, is refused as apply refuses it; and where blockinfile would leave other
  bytes than bhyvetpl (CRLF lines, which it neither finds markers in nor writes; a last
  line without LF after the block, which it leaves so; a marker twice, where it takes
  the last one), `ansible.builtin.copy` writes the computed text instead.
- a whole file: `ansible.builtin.copy` with the text as content, keeping the mode.
- a check: its probe, then `ansible.builtin.assert` with the fix as the message.

Before each file step, `ansible.builtin.stat` (never following) looks at every path
component below the root and the play stops at a symlink, as HostFS refuses one.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bhyvetpl import __version__
from bhyvetpl.emit import AWK_RULESET
from bhyvetpl.hostfs import LOCK_PATH, HostFS, as_bytes
from bhyvetpl.model.jail import RESERVED_RULESETS
from bhyvetpl.plan.actions import (
    Check,
    CheckRuleset,
    Deferred,
    EditBlock,
    FileProbe,
    Plan,
    Probe,
    RemoveDir,
    RemoveFile,
    RulesProbe,
    RunCommand,
    Step,
    WriteFile,
)
from bhyvetpl.yamlquote import quote

_INDEX_RE = re.compile(r"\bbhyvetpl_[bea]\b")
# The lock apply and the sh script take (emit.py's take_lock: mkdir is atomic, a holder
# gone or a lock without a pid for 5 s is taken over), as a fixed program with the lock
# path, the root and a lifetime as arguments (argv, never a command line glued from
# values). A module run ends with its task, so the pid in the lock is a `sleep` started
# here: it holds the lock for the play and dies with it at the end (`always:`), or after
# LOCK_HOLD seconds when the controller never comes back (then the lock is stale).
LOCK_PROGRAM = r"""set -eu
lock=$1
rest=${1#"$2"/}
at=$2
while [ -n "$rest" ]; do
  part=${rest%%/*}
  rest=${rest#"$part"}
  rest=${rest#/}
  at=$at/$part
  if [ -L "$at" ]; then echo "$at is a symlink: refusing to follow it" >&2; exit 1; fi
done
mkdir -p "${lock%/*}"
waited=0 nopid=0
until mkdir "$lock" 2>/dev/null; do
  if [ -L "$lock" ]; then echo "$lock is a symlink: refusing to follow it" >&2; exit 1; fi
  holder=$(cat "$lock/pid" 2>/dev/null || :)
  if [ -n "$holder" ]; then nopid=0; else nopid=$((nopid + 1)); fi
  if { [ -n "$holder" ] && ! kill -0 "$holder" 2>/dev/null; } || [ "$nopid" -gt 5 ]; then
    if mkdir "$lock.break" 2>/dev/null; then
      if [ "$(cat "$lock/pid" 2>/dev/null || :)" = "$holder" ]; then
        rm -f "$lock/pid"
        rmdir "$lock" 2>/dev/null || :
      fi
      rmdir "$lock.break"
    fi
    nopid=0
    continue
  fi
  waited=$((waited + 1))
  if [ "$waited" -gt 600 ]; then
    echo "$lock is held by another bhyvetpl run (pid $holder)" >&2
    exit 1
  fi
  sleep 1
done
sleep "$3" </dev/null >/dev/null 2>&1 &
echo "$!" > "$lock/pid"
echo "$!"
"""
# Let go of the lock (when the pid in it is still ours) and end the sleep holding it.
UNLOCK_PROGRAM = r"""if [ "$(cat "$1/pid" 2>/dev/null || :)" = "$2" ]; then
  rm -f "$1/pid"
  rmdir "$1" 2>/dev/null || :
fi
kill "$2" 2>/dev/null || :
"""
LOCK_HOLD = 6 * 3600
# Values are YAML text already: a quoted scalar, a Jinja expression we wrote, a list.
Value = str | list[str] | dict[str, "Value"]


def _rules_held(reg: str) -> list[str]:
    """RulesProbe.done as Jinja tests on the probe's register."""
    return [f"{reg}.stdout_lines | select('search', '\\S') | list | length == bhyvetpl_count",
            f"{reg}.stdout_lines | map('split') | selectattr('1', 'defined') | "
            "selectattr('1', 'equalto', 'path') | selectattr('2', 'defined') | "
            "map(attribute='2') | list == bhyvetpl_paths"]


def _rules_vars(probe: RulesProbe) -> dict[str, Value]:
    return {"bhyvetpl_count": str(probe.count), "bhyvetpl_paths": [_q(p) for p in probe.paths]}


@dataclass(frozen=True, slots=True)
class HostPlan:
    """One play: the inventory host (or pattern) and the plan made from its facts."""

    hosts: str
    plan: Plan


@functools.lru_cache(maxsize=4096)
def _expr(text: str) -> str:
    """A Jinja expression bhyvetpl wrote (no plan value inside), single-quoted for YAML.

    Folded at single spaces (YAML folds a line break back into one space), so no line
    is long; the expressions hold no two spaces in a row.
    """
    # The indexes edit_block computes are numbers; ansible-lint renders with strings
    text = _INDEX_RE.sub(r"(\g<0> | int)", text)
    lines, current = [], ""
    for word in text.replace("'", "''").split(" "):
        if current and len(current) + len(word) > 80:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return "'" + ("\n" + " " * 10).join(lines) + "'"


def _render(key: str, value: Value, indent: int) -> list[str]:
    pad = " " * indent
    if isinstance(value, dict):
        out = [f"{pad}{key}:"]
        for sub, item in value.items():
            out += _render(sub, item, indent + 2)
        return out
    if isinstance(value, list):
        if not value:
            return [f"{pad}{key}: []"]
        return [f"{pad}{key}:", *(f"{pad}  - {item}" for item in value)]
    return [f"{pad}{key}: {value}"]


def _task(name: str, module: str, args: dict[str, Value], **keywords: Value) -> list[str]:
    """One task: `- name:`, the module with its arguments, then keywords (when, register)."""
    out = [f"- name: {quote(name, 4)}"]
    out += _render(f"ansible.builtin.{module}", args, 2) if args else [
        f"  ansible.builtin.{module}: {{}}"]
    for key, value in keywords.items():
        if value != []:
            out += _render(key, value, 2)
    return out


def _sha1(text: str) -> str:
    """What `stat` reports as the checksum of a file holding text (sha1, as HostFS writes it)."""
    return hashlib.sha1(as_bytes(text), usedforsecurity=False).hexdigest()


def _q(text: str) -> str:
    return quote(text, 8)


def _argv(argv: Sequence[str]) -> list[str]:
    return [quote(word, 8) for word in argv]


def _components(path: Path, root: Path) -> list[str]:
    """Every path from the root's first child down to path."""
    parts = path.relative_to(root).parts
    base = str(root).rstrip("/")
    return [base + "/" + "/".join(parts[:n]) for n in range(1, len(parts) + 1)]


def _step_path(step: Step) -> Path | None:
    """The host path a step reads or writes (a command: its file guard's), if any."""
    if isinstance(step, RunCommand):
        return step.skip_if.path if isinstance(step.skip_if, FileProbe) else None
    if isinstance(step, Check | Deferred):
        return None   # a deferred step is a debug task: it reads no file
    return step.path


def _segments(plan: Plan) -> dict[int, list[str]]:
    """Step number -> the paths (and directories above) of the run of file steps it starts.

    A run of file steps ends at a command: a command may make a path (bastille create
    makes the jail), so the next run is looked at after it, right before its first step.
    """
    found: dict[int, list[str]] = {}
    start: int | None = None
    for index, step in enumerate(plan.steps, 1):
        path = _step_path(step)
        if path is not None:
            if start is None:
                start = index
            paths = found.setdefault(start, [])
            paths += [c for c in _components(path, plan.root) if c not in paths]
        if isinstance(step, RunCommand):
            start = None
    return found


class _Writer:
    """The tasks of one plan, numbered as the plan's steps (`bhyvetpl_sK_*` registers)."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.total = len(plan.steps)
        self.tasks: list[list[str]] = []
        self.writes: dict[Path, list[str]] = {}   # path -> registers of tasks that write it
        self.segments = _segments(plan)
        self.locked = False
        self.rescue: list[list[str]] = []   # the rollback, in the order it runs (last first)

    def name(self, index: int, text: str) -> str:
        return f"Step {index}/{self.total}: {text}"

    def add(self, task: list[str]) -> None:
        self.tasks.append(task)

    def take_lock(self, index: int) -> None:
        """Hold the lock from the first step that reads or writes a host file.

        As apply: a run that stops at an earlier check leaves the root untouched. The
        directory the files this run changes are kept in (until it ends) is made here.
        """
        if self.locked:
            return
        self.locked = True
        fs = HostFS(self.plan.root)
        self.add(_task(self.name(index, "take the bhyvetpl lock"), "command",
                       {"argv": _argv(("sh", "-c", LOCK_PROGRAM, "bhyvetpl-lock",
                                       str(fs.place(LOCK_PATH)), str(fs.root).rstrip("/"),
                                       str(LOCK_HOLD)))},
                       register="bhyvetpl_lock", changed_when="false"))
        self.add(_task(self.name(index, "keep what this run changes, to put it back"),
                       "tempfile", {"state": "directory", "prefix": '"bhyvetpl."'},
                       register="bhyvetpl_stage", when=[_expr("not ansible_check_mode")],
                       changed_when="false"))   # scratch space, not a change to the host

    def keep(self, index: int, path: Path, name: str, when: list[str]) -> str:
        """Copy path into the stage (as STAGE/NAME.K) before this run changes it."""
        self.add(_task(self.name(index, f"keep the {name} copy, to put back on a failure"),
                       "copy",
                       {"src": _q(str(path)),
                        "dest": _expr(f"{{{{ bhyvetpl_stage.path }}}}/{name}.{index}"),
                        "remote_src": "true", "mode": '"0600"'},
                       when=[*when, _expr("not ansible_check_mode")]))
        return f"{{{{ bhyvetpl_stage.path }}}}/{name}.{index}"

    def put_back(self, index: int, path: Path, wrote: str, written: str, stat: str,
                 kept: str, extra: list[list[str]] | None = None) -> None:
        """The rollback of one step: path as it was, unless a later step changed it again.

        Changed again: its checksum is no longer what this step wrote; that change stays,
        as apply keeps it.
        """
        now = f"bhyvetpl_s{index}_now"
        # check mode writes nothing (and keeps no copy) but reports changes
        wrote = f"{wrote} and not ansible_check_mode"
        tasks = [_task(self.name(index, "look at the file again"), "stat",
                       {"path": _q(str(path)), "follow": "false", "get_checksum": "true"},
                       register=now, when=[_expr(wrote)])]
        ours = _expr(f"{wrote} and {now}.stat.checksum | default('') == {written}")
        tasks.append(_task(self.name(index, "put back the file"), "copy",
                           {"src": _expr(kept), "dest": _q(str(path)), "remote_src": "true",
                            "mode": _expr(f"{{{{ {stat}.mode }}}}")},
                           when=[ours, _expr(f"{stat}.exists")]))
        tasks.append(_task(self.name(index, "remove the file, which was not there"), "file",
                           {"path": _q(str(path)), "state": "absent"},
                           when=[ours, _expr(f"not {stat}.exists")]))
        self.rescue[:0] = [*tasks, *(extra or [])]

    def no_symlinks(self, index: int, paths: list[str]) -> None:
        """Refuse a symlink on the paths of the run of file steps that starts here.

        One `find` over each path and every directory above it: without -H or -L,
        find(1) does not follow a symlink named as an operand and `-type l` is true for
        it; an operand that is not there is skipped (exit 1). One module run for a run
        of file steps, where a `stat` per path component took one each; as the sh
        script's `nolink`, after the commands before the steps, before their first one.
        """
        reg = f"bhyvetpl_s{index}_links"
        self.add(_task(self.name(index, f"look for symlinks on the way to {len(paths)} paths"),
                       "command", {"argv": [_q("find"), *(_q(p) for p in paths),
                                            *_argv(("-maxdepth", "0", "-type", "l"))]},
                       register=reg, changed_when="false",
                       failed_when=_expr(f"{reg}.rc > 1"), check_mode="false"))
        self.add(_task(self.name(index, "refuse to follow a symlink"), "assert", {
            "that": [_expr(f"{reg}.stdout == ''")],
            "fail_msg": _expr(f"{{{{ 'a symlink on the way, refusing to follow it: ' + "
                              f"{reg}.stdout }}}}"),
            "quiet": "true"}))

    def nolink(self, index: int, path: Path, checksum: bool = False) -> str:
        """Look at path, never following; symlinks refused first. Its stat's expression."""
        self.take_lock(index)
        if index in self.segments:
            self.no_symlinks(index, self.segments.pop(index))
        reg = f"bhyvetpl_s{index}_stat"
        self.add(_task(self.name(index, f"look at {path}"), "stat",
                       {"path": _q(str(path)), "follow": "false",
                        "get_checksum": "true" if checksum else "false"}, register=reg))
        return f"{reg}.stat"

    def probe(self, index: int, probe: Probe | RulesProbe, when: list[str],
              task_vars: dict[str, Value] | None = None) -> str:
        """Run a read-only probe (in check mode too); returns its register."""
        reg = f"bhyvetpl_s{index}_probe"
        keywords: dict[str, Value] = {"register": reg, "changed_when": "false",
                                      "failed_when": "false", "check_mode": "false"}
        if when:
            keywords["when"] = when
        if task_vars:
            keywords["vars"] = task_vars
        self.add(_task(self.name(index, f"probe: {probe.means}"), "command",
                       {"argv": _argv(probe.argv)}, **keywords))
        return reg

    def check_ruleset(self, index: int, step: CheckRuleset) -> None:
        stat = self.nolink(index, step.path)
        reserved = " ".join(str(n) for n in sorted(RESERVED_RULESETS))
        argv = ["awk", "-v", f"path={step.path}", "-v", f"num={step.number}", "-v",
                f"name={step.name}", "-v", f"reserved={reserved}",
                "-v", f"bmark=# BEGIN bhyvetpl {step.owner}",
                "-v", f"emark=# END bhyvetpl {step.owner}", AWK_RULESET, str(step.path)]
        self.add(_task(self.name(index, step.what), "command", {"argv": _argv(argv)},
                       when=[_expr(f"{stat}.exists")], changed_when="false",
                       check_mode="false"))

    def check(self, index: int, step: Check) -> None:
        when = [_expr("not ansible_check_mode")]   # dry-run shows checks, runs none
        reg = self.probe(index, step.probe, when)
        probe = step.probe
        if isinstance(probe, RulesProbe):
            that = [_expr(c) for c in _rules_held(reg)]
            task_vars: dict[str, Value] = _rules_vars(probe)
        elif probe.nonempty:
            that, task_vars = [_expr(f"{reg}.stdout | trim | length > 0")], {}
        elif probe.line is None:
            that, task_vars = [_expr(f"{reg}.rc == 0")], {}
        else:
            that = [_expr(f"bhyvetpl_line in {reg}.stdout_lines")]
            task_vars = {"bhyvetpl_line": _q(probe.line)}
        message = f"not true that {probe.means}; {step.fix}"
        keywords: dict[str, Value] = {"when": when}
        if task_vars:
            keywords["vars"] = task_vars
        self.add(_task(self.name(index, f"check: {probe.means}"), "assert",
                       {"that": that, "fail_msg": _q(message), "quiet": "true"}, **keywords))

    def write_file(self, index: int, step: WriteFile) -> None:
        unless: list[str] = []
        guard_vars: dict[str, Value] = {}
        if step.skip_if is not None:   # e.g. the guest exists: its template is not needed
            probe = self.probe(index, step.skip_if, [])
            if step.skip_if.line is None:
                unless = [_expr(f"{probe}.rc != 0")]
            else:
                unless = [_expr(f"bhyvetpl_line not in {probe}.stdout_lines")]
                guard_vars["bhyvetpl_line"] = _q(step.skip_if.line)
        stat = self.nolink(index, step.path, checksum=True)
        reg = f"bhyvetpl_s{index}_cp"
        # The same bytes already there: nothing to do (no copy module run, no stat in it)
        absent = f"not {stat}.exists"
        differs = _expr(f"{absent} or {stat}.checksum | default('') != '{_sha1(step.text)}'")
        if len(step.path.relative_to(self.plan.root).parts) > 1:   # HostFS makes them 0755
            parent = f"bhyvetpl_s{index}_parent"
            self.add(_task(self.name(index, f"look at {step.path.parent}"), "stat",
                           {"path": _q(str(step.path.parent)), "follow": "false",
                            "get_checksum": "false"}, register=parent,
                           when=[_expr(absent)]))
            self.add(_task(self.name(index, f"make the directories above {step.path}"), "file",
                           {"path": _q(str(step.path.parent)), "state": "directory",
                            "mode": '"0755"'},
                           when=[*unless, _expr(absent), _expr(f"not {parent}.stat.exists")],
                           **({"vars": guard_vars} if guard_vars else {})))
        # Kept whenever the file is there and differs; put back only if the copy ran.
        kept = self.keep(index, step.path, "orig", [_expr(f"{stat}.exists"), differs])
        copy: dict[str, Value] = {"register": reg, "when": [*unless, differs]}
        if guard_vars:
            copy["vars"] = guard_vars
        self.add(_task(self.name(index, step.what), "copy", {
            "dest": _q(str(step.path)), "content": _q(step.text),
            "mode": _expr(f"{{{{ {stat}.mode | default('0644') }}}}")}, **copy))
        self.writes.setdefault(step.path, []).append(reg)
        self.put_back(index, step.path, f"({reg} | default({{}})) is changed",
                      f"'{_sha1(step.text)}'", stat, kept)

    def edit_block(self, index: int, step: EditBlock) -> None:
        stat = self.nolink(index, step.path)
        s = f"bhyvetpl_s{index}"
        absent_in_check = f"ansible_check_mode and not {stat}.exists"
        # jail.conf is written by `bastille create`, an earlier command: in check mode it
        # is not there yet, and dry-run shows the block alone (its diff cannot exist).
        skip = [_expr(f"not ({absent_in_check})")] if step.anchor else []
        self.add(_task(self.name(index, f"read {step.path}"), "slurp",
                       {"src": _q(str(step.path))}, register=f"{s}_read",
                       when=[_expr(f"{stat}.exists")]))
        lines = step.block[:-1].split("\n") if step.block.endswith("\n") else \
            step.block.split("\n")
        inner = lines[1:-1]
        marked = (len(lines) >= 3 and lines[0] == step.begin and lines[-1] == step.end
                  and "\r" not in step.block and any(inner))
        old = f"({s}_read.content | b64decode) if {stat}.exists else ''"
        computed: dict[str, Value] = {
            "bhyvetpl_begin": _q(step.begin), "bhyvetpl_end": _q(step.end),
            "bhyvetpl_anchor": _q(step.anchor or ""),
            "bhyvetpl_block_lf": [_q(line) for line in lines],
            "bhyvetpl_block_crlf": [_q(line + "\r") for line in lines],
            # Jinja reads "\\n" in a string literal as backslash and n: the characters are
            # YAML escapes in variables of their own
            "bhyvetpl_nl": '"\\n"', "bhyvetpl_cr": '"\\r"',
            "bhyvetpl_old": _expr(f"{{{{ {old} }}}}"),
            # replace_block: lines split at LF only; a final LF starts no line
            "bhyvetpl_lines": _expr('{{ [] if bhyvetpl_old == "" else (bhyvetpl_old[:-1] if '
                                    'bhyvetpl_old[-1:] == bhyvetpl_nl else bhyvetpl_old).split('
                                    'bhyvetpl_nl) }}'),
            # a marker (or anchor) line may end in CR: compare without it
            "bhyvetpl_bare": _expr("{{ bhyvetpl_lines | map('regex_replace', '\\r$', '') | "
                                   "list }}"),
            "bhyvetpl_new_lines": _expr(
                "{{ bhyvetpl_block_crlf if bhyvetpl_lines and bhyvetpl_lines[0][-1:] == "
                "bhyvetpl_cr "
                "else bhyvetpl_block_lf }}"),
            "bhyvetpl_b": _expr("{{ bhyvetpl_bare.index(bhyvetpl_begin) if bhyvetpl_begin in "
                                "bhyvetpl_bare else -1 }}"),
            "bhyvetpl_e": _expr("{{ bhyvetpl_bare[bhyvetpl_b + 1 :].index(bhyvetpl_end) + "
                                "bhyvetpl_b + 1 if bhyvetpl_b >= 0 and bhyvetpl_end in "
                                "bhyvetpl_bare[bhyvetpl_b + 1 :] else -1 }}"),
            "bhyvetpl_a": _expr("{{ (bhyvetpl_bare | length) - 1 - (bhyvetpl_bare | reverse | "
                                "list).index(bhyvetpl_anchor) if bhyvetpl_anchor != '' and "
                                "bhyvetpl_anchor in bhyvetpl_bare else -1 }}"),
            "bhyvetpl_out": _expr(
                "{{ bhyvetpl_lines[: bhyvetpl_b] + bhyvetpl_new_lines + "
                "bhyvetpl_lines[bhyvetpl_e + 1 :] if bhyvetpl_b >= 0 else (bhyvetpl_lines + "
                "bhyvetpl_new_lines if bhyvetpl_anchor == '' else bhyvetpl_lines[: bhyvetpl_a] + "
                "bhyvetpl_new_lines + bhyvetpl_lines[bhyvetpl_a :]) }}"),
        }
        fits = ("true" if marked else "false") + (
            " and bhyvetpl_cr not in bhyvetpl_old and bhyvetpl_old[-1:] in ['', bhyvetpl_nl] and "
            "bhyvetpl_bare | select('equalto', bhyvetpl_begin) | list | length <= 1 and "
            "bhyvetpl_bare | select('equalto', bhyvetpl_end) | list | length <= 1")
        self.add(_task(self.name(index, f"compute {step.path} as bhyvetpl leaves it"),
                       "set_fact", {
                           f"{s}_old": _expr("{{ bhyvetpl_old }}"),
                           f"{s}_new": _expr(
                               "{{ (bhyvetpl_out | join(bhyvetpl_nl)) + bhyvetpl_nl if "
                                             "bhyvetpl_out else '' }}"),
                           f"{s}_error": _expr(
                               "{{ 'no END marker after ' + bhyvetpl_begin if bhyvetpl_b >= 0 "
                               "and bhyvetpl_e < 0 else ('no line ' + bhyvetpl_anchor + "
                               "' to put the block before' if bhyvetpl_b < 0 and "
                               "bhyvetpl_anchor != '' and bhyvetpl_a < 0 else '') }}"),
                           f"{s}_fits": _expr(f"{{{{ {fits} }}}}")},
                       vars=computed, when=skip))
        self.add(_task(self.name(index, f"refuse to edit {step.path} by guesswork"), "fail",
                       {"msg": _expr(f"{{{{ {s}_error }}}}")},
                       when=[*skip, _expr(f"{s}_error != ''")]))
        mode = _expr(f"{{{{ {stat}.mode | default('0644') }}}}")
        changes = f"{s}_new != {s}_old"
        bak = step.path.with_name(step.path.name + ".bhyvetpl.bak")
        before = [*skip, _expr(f"{stat}.exists and {changes}")]
        kept = self.keep(index, step.path, "orig", before)
        self.add(_task(self.name(index, f"look at {bak}"), "stat",
                       {"path": _q(str(bak)), "follow": "false", "get_checksum": "false"},
                       register=f"{s}_bakstat", when=before))
        kept_bak = self.keep(index, bak, "bak", [*before, _expr(f"{s}_bakstat.stat.exists")])
        self.add(_task(self.name(index, f"keep the previous {step.path} as .bhyvetpl.bak"),
                       "copy", {"src": _q(str(step.path)), "dest": _q(str(bak)),
                                "remote_src": "true", "mode": mode},
                       register=f"{s}_bak", when=before))
        args: dict[str, Value] = {
            "path": _q(str(step.path)), "marker": _q(f"# {{mark}} bhyvetpl {step.owner}"),
            "marker_begin": '"BEGIN"', "marker_end": '"END"',
            "block": _q("\n".join(inner) + "\n"), "mode": mode}
        if step.anchor:
            args["insertbefore"] = _q(f"^{re.escape(step.anchor)}$")
        else:
            args["create"] = "true"
        self.add(_task(self.name(index, step.what), "blockinfile", args,
                       register=f"{s}_bi", when=[*skip, _expr(f"{s}_fits and {changes}")]))
        self.add(_task(self.name(index, f"{step.what}, where blockinfile would differ"),
                       "copy", {"dest": _q(str(step.path)), "content": _expr(f"{{{{ {s}_new }}}}"),
                                "mode": mode},
                       register=f"{s}_cp",
                       when=[*skip, _expr(f"not {s}_fits and {changes}")]))
        self.writes.setdefault(step.path, []).extend([f"{s}_bi", f"{s}_cp"])
        wrote = (f"(({s}_bi | default({{}})) is changed or ({s}_cp | default({{}})) is "
                 "changed)")
        # the backup this run made goes too (an older one comes back): none left behind
        unbacked = _expr(f"({s}_bak | default({{}})) is changed and not ansible_check_mode "
                         f"and (not {wrote} or "
                         f"{s}_now.stat.checksum | default('') == ({s}_new | hash('sha1')))")
        self.put_back(index, step.path, wrote, f"({s}_new | hash('sha1'))", f"{stat}", kept, [
            _task(self.name(index, "put back its .bhyvetpl.bak"), "copy",
                  {"src": _expr(kept_bak), "dest": _q(str(bak)), "remote_src": "true",
                   "mode": _expr(f"{{{{ {s}_bakstat.stat.mode }}}}")},
                  when=[unbacked, _expr(f"{s}_bakstat.stat.exists")]),
            _task(self.name(index, "remove the .bhyvetpl.bak this run made"), "file",
                  {"path": _q(str(bak)), "state": "absent"},
                  when=[unbacked, _expr(f"not {s}_bakstat.stat.exists")])])

    def remove_file(self, index: int, step: RemoveFile) -> None:
        stat = self.nolink(index, step.path, checksum=True)
        sha1 = _sha1(step.text)
        ours = [_expr(f"{stat}.exists and {stat}.checksum | default('') == '{sha1}'")]
        kept = self.keep(index, step.path, "orig", ours)
        reg = f"bhyvetpl_s{index}_rm"
        self.add(_task(self.name(index, step.what), "file",
                       {"path": _q(str(step.path)), "state": "absent"}, register=reg,
                       when=ours))
        gone = _expr(f"({reg} | default({{}})) is changed and not ansible_check_mode")
        now = f"bhyvetpl_s{index}_now"
        self.rescue[:0] = [
            _task(self.name(index, "look at the file again"), "stat",
                  {"path": _q(str(step.path)), "follow": "false", "get_checksum": "false"},
                  register=now, when=[gone]),
            _task(self.name(index, "put back the file this run removed"), "copy",
                  {"src": _expr(kept), "dest": _q(str(step.path)), "remote_src": "true",
                   "mode": _expr(f"{{{{ {stat}.mode }}}}")},
                  when=[gone, _expr(f"not {now}.stat.exists")])]

    def remove_dir(self, index: int, step: RemoveDir) -> None:
        stat = self.nolink(index, step.path)
        reg = f"bhyvetpl_s{index}_find"
        self.add(_task(self.name(index, f"look into {step.path}"), "find",
                       {"paths": _q(str(step.path)), "hidden": "true", "file_type": "any"},
                       register=reg, when=[_expr(f"{stat}.isdir | default(false)")]))
        self.add(_task(self.name(index, step.what), "file",
                       {"path": _q(str(step.path)), "state": "absent"},
                       when=[_expr(f"{stat}.isdir | default(false)"),
                             _expr(f"{reg}.matched == 0")]))

    def command(self, index: int, step: RunCommand) -> None:
        when: list[str] = []
        task_vars: dict[str, Value] = {}
        if step.after_change is not None:
            regs = [r for p, rs in self.writes.items() if p == step.after_change for r in rs]
            if not regs:
                raise ValueError(f"no step of this plan writes {step.after_change}")
            # A variable, not a handler: the command runs here, in the plan's order (a
            # handler would run at the end of the play, after later steps).
            task_vars["bhyvetpl_file_changed"] = _expr(
                "{{ " + " or ".join(f"{r} is changed" for r in regs) + " }}")
            when.append(_expr("bhyvetpl_file_changed"))
        guard = step.skip_if
        if isinstance(guard, FileProbe):
            stat = self.nolink(index, guard.path, checksum=True)
            sha1 = _sha1(guard.text)
            when.append(_expr(f"not ({stat}.exists and {stat}.checksum | default('') == "
                              f"'{sha1}')"))
        elif isinstance(guard, RulesProbe):
            reg = self.probe(index, guard, list(when), dict(task_vars))
            held = " and ".join(f"({c})" for c in _rules_held(reg))
            when.append(_expr(f"not ({held})"))
            task_vars |= _rules_vars(guard)
        elif guard is not None:
            reg = self.probe(index, guard, list(when), dict(task_vars))
            if guard.nonempty:
                when.append(_expr(f"{reg}.stdout | trim | length == 0"))
            elif guard.line is None:
                when.append(_expr(f"{reg}.rc != 0"))
            else:
                when.append(_expr(f"bhyvetpl_line not in {reg}.stdout_lines"))
                task_vars["bhyvetpl_line"] = _q(guard.line)
        keywords: dict[str, Value] = {}
        if when:
            keywords["when"] = when
        if task_vars:
            keywords["vars"] = task_vars
        task = _task(self.name(index, " ".join(step.argv) + (f" ({step.why})" if step.why
                                                             else "")),
                     "command", {"argv": _argv(step.argv)}, **keywords,
                     changed_when="true")   # its guard ran first: when it runs, it changes
        self.add(task)

    def step(self, index: int, step: Step) -> None:
        if isinstance(step, Deferred):   # --root DIR without --live: listed, not run
            self.add(_task(self.name(index, f"deferred: {step.what}"), "debug",
                           {"msg": _q(f"deferred: {step.because}")}))
        elif isinstance(step, CheckRuleset):
            self.check_ruleset(index, step)
        elif isinstance(step, Check):
            self.check(index, step)
        elif isinstance(step, WriteFile):
            self.write_file(index, step)
        elif isinstance(step, EditBlock):
            self.edit_block(index, step)
        elif isinstance(step, RemoveFile):
            self.remove_file(index, step)
        elif isinstance(step, RemoveDir):
            self.remove_dir(index, step)
        else:
            self.command(index, step)


def _indented(tasks: list[list[str]]) -> list[str]:
    return ["    " + line if line else line for task in tasks for line in task]


def plan_tasks(plan: Plan) -> list[str]:
    """The plan's steps as a YAML list of tasks (column 0).

    A plan that touches host files runs in a block: on a failed step, `rescue:` puts back
    each file this run changed (last first, as apply and the sh script do) and fails the
    play; `always:` lets go of the lock and removes the kept copies.
    """
    writer = _Writer(plan)
    for index, step in enumerate(plan.steps, 1):
        writer.step(index, step)
    if not writer.locked:
        return [line for task in writer.tasks for line in task]
    stop = _task("Stop: a step failed (the files this run changed are put back)", "fail",
                 {"msg": _expr("{{ 'bhyvetpl: ' + ansible_failed_task.name + ' failed: ' + "
                               "(ansible_failed_result.stderr | default('') or "
                               "ansible_failed_result.msg | default('')) }}")})
    release = [
        _task("Let go of the bhyvetpl lock", "command",
              {"argv": [*_argv(("sh", "-c", UNLOCK_PROGRAM, "bhyvetpl-unlock",
                                str(HostFS(plan.root).place(LOCK_PATH)))),
                        _expr("{{ bhyvetpl_lock.stdout }}")]},
              changed_when="false",
              when=[_expr("(bhyvetpl_lock | default({})).stdout | default('') != ''")]),
        _task("Remove the kept copies", "file",
              {"path": _expr("{{ bhyvetpl_stage.path }}"), "state": "absent"},
              changed_when="false",
              when=[_expr("(bhyvetpl_stage | default({})).path is defined")])]
    return [f"- name: {quote('Run the plan of ' + plan.description, 4)}", "  block:",
            *_indented(writer.tasks), "  rescue:", *_indented([*writer.rescue, stop]),
            "  always:", *_indented(release)]


def _header(plans: Sequence[HostPlan]) -> list[str]:
    return ["---", f"# Generated by bhyvetpl {__version__}: {len(plans)} play(s), one per host.",
            "# Review it, then: ansible-playbook -i INVENTORY THIS.yml --check --diff"]


def _play(host: HostPlan, tasks: list[str]) -> list[str]:
    out = [f"- name: {quote('Apply the bhyvetpl plan (' + host.plan.description + ')', 4)}",
           f"  hosts: {quote(host.hosts, 4)}", "  gather_facts: false"]
    if not tasks:
        return [*out, "  tasks: []"]
    return [*out, "  tasks:", *("    " + line if line else line for line in tasks)]


def emit_playbook(plans: Sequence[HostPlan]) -> str:
    """One play per host, each with its plan's tasks inline."""
    out = _header(plans)
    for host in plans:
        out += _play(host, plan_tasks(host.plan))
    return "\n".join(out) + "\n"


def emit_role(plans: Sequence[HostPlan]) -> dict[str, str]:
    """A role `bhyvetpl` (one task file per host: HOST.yml) and site.yml running it.

    Named after the host, a task file can also be included by a play of the user's own
    (`include_tasks: .../tasks/{{ inventory_hostname }}.yml`).
    """
    files: dict[str, str] = {}
    site = _header(plans)
    for number, host in enumerate(plans, 1):
        name = host.hosts if f"roles/bhyvetpl/tasks/{host.hosts}.yml" not in files and \
            host.hosts != "main" else f"plan{number}"
        files[f"roles/bhyvetpl/tasks/{name}.yml"] = "\n".join(
            ["---", *plan_tasks(host.plan)]) + "\n" if host.plan.steps else "---\n[]\n"
        site += _play(host, _task(f"Run the plan of {host.hosts}", "include_role",
                                  {"name": '"bhyvetpl"', "tasks_from": quote(name)}))
    files["roles/bhyvetpl/tasks/main.yml"] = (
        "---\n- name: Tell how to use this role\n  ansible.builtin.fail:\n"
        "    msg: \"site.yml runs one task file of this role per host: HOST.yml\"\n")
    files["site.yml"] = "\n".join(site) + "\n"
    return files
