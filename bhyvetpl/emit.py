"""A plan as a POSIX sh script for FreeBSD /bin/sh: the same commands, in the same order.

Every probe and command is the plan's own argv, quoted by `shquote.quote`, and every
comment goes through `shquote.comment`; files travel inline as quoted heredocs into a
`mktemp -d` staging directory; marked blocks are edited by an awk program that mirrors
`plan.hostfile.replace_block`.
"""

from __future__ import annotations

from bhyvetpl import __version__
from bhyvetpl.model.jail import RESERVED_RULESETS
from bhyvetpl.plan.actions import (
    DIR_KEPT,
    REMOVE_KEPT,
    Check,
    CheckRuleset,
    EditBlock,
    FileProbe,
    Plan,
    Probe,
    RemoveDir,
    RemoveFile,
    RunCommand,
    Step,
    WriteFile,
)
from bhyvetpl.shquote import Quoted, comment, join, quote

# Mirrors replace_block: replace the first BEGIN..END block, else add before the last
# anchor line, else at the end. Exit 3: no END after BEGIN; exit 4: no anchor line.
AWK_EDIT = r"""NR == FNR { block[++nb] = $0; next }
{ line[++n] = $0 }
END {
  b = 0; e = 0
  for (i = 1; i <= n; i++) if (line[i] == bmark) { b = i; break }
  if (b) {
    for (i = b + 1; i <= n; i++) if (line[i] == emark) { e = i; break }
    if (!e) { print FILENAME ": no END marker after " bmark > "/dev/stderr"; exit 3 }
    for (i = 1; i < b; i++) print line[i]
    for (i = 1; i <= nb; i++) print block[i]
    for (i = e + 1; i <= n; i++) print line[i]
    exit 0
  }
  a = n + 1
  if (anchor != "") {
    a = 0
    for (i = n; i >= 1; i--) if (line[i] == anchor) { a = i; break }
    if (!a) { print FILENAME ": no line " anchor " to put the block before" > "/dev/stderr"
              exit 4 }
  }
  for (i = 1; i < a; i++) print line[i]
  for (i = 1; i <= nb; i++) print block[i]
  for (i = a; i <= n; i++) print line[i]
}"""

# Mirrors hostfile.ruleset_clash: a [NAME=NUMBER] header outside our block that uses
# our number or name; exit 2 with the next free number.
AWK_RULESET = r"""{ line[++n] = $0 }
END {
  b = 0; e = 0
  for (i = 1; i <= n; i++) if (line[i] == bmark) { b = i; break }
  if (b) for (i = b + 1; i <= n; i++) if (line[i] == emark) { e = i; break }
  if (!e) b = 0
  split(reserved, r, " ")
  for (k in r) used[r[k] + 0] = 1
  clash = ""
  for (i = 1; i <= n; i++) {
    if (b && i >= b && i <= e) continue
    if (match(line[i], /^[ \t]*\[[^=]*=[0-9]+\]/)) {
      h = substr(line[i], RSTART, RLENGTH)
      sub(/^[ \t]*\[/, "", h); sub(/\]$/, "", h)
      eq = index(h, "="); nm = substr(h, 1, eq - 1); no = substr(h, eq + 1) + 0
      used[no] = 1
      if (clash == "" && (no == num + 0 || nm == name)) clash = line[i]
    }
  }
  if (clash == "") exit 0
  gsub(/^[ \t]+|[ \t]+$/, "", clash)
  free = num + 1
  while (free in used) free++
  printf "error: %s: `%s` was not written by bhyvetpl and uses ruleset %s=%s; ",
    path, clash, name, num > "/dev/stderr"
  printf "pick another, e.g. --ruleset %d (and a --ruleset-name of your own if the name " \
    "clashes)\n", free > "/dev/stderr"
  exit 2
}"""

PRELUDE = r"""set -eu
umask 022
stage=$(mktemp -d "${{TMPDIR:-/tmp}}/bhyvetpl.XXXXXX")
ok=
{touched}
# say TEXT: print TEXT as it is (echo would expand backslashes)
say() {{
  printf '%s\n' "$1"
}}

# fail K STATUS WHAT: say which step failed and stop (the EXIT trap restores files)
fail() {{
  printf 'bhyvetpl: step %s failed (exit %s): %s\n' "$1" "$2" "$3" >&2
  exit 1
}}

# install K NEW PATH BACKUP: replace PATH by NEW, keeping its mode, a copy to restore,
# and (BACKUP=yes) PATH.bhyvetpl.bak
install_file() {{
  mkdir -p "$(dirname "$3")"
  if [ -e "$3" ]; then
    cp -p "$3" "$stage/orig.$1"
    if [ "$4" = yes ]; then cp -p "$3" "$3.bhyvetpl.bak"; fi
    cp -p "$3" "$3.bhyvetpl.new"
  fi
  cat "$2" > "$3.bhyvetpl.new"
  mv -f "$3.bhyvetpl.new" "$3"
}}

# restore K PATH: put PATH back as it was before step K, unless a later step
# changed it again (then that change stays)
restore() {{
  if ! cmp -s "$stage/$1.new" "$2"; then
    printf 'not restored, changed by a later step: %s\n' "$2" >&2
    return 0
  fi
  if [ -e "$stage/orig.$1" ]; then cp -p "$stage/orig.$1" "$2"; else rm -f "$2"; fi
  printf 'restored: %s\n' "$2" >&2
}}

# unremove K PATH: put back PATH, removed by step K, unless something made it again
unremove() {{
  if [ -e "$2" ]; then
    printf 'not restored, changed by a later step: %s\n' "$2" >&2
    return 0
  fi
  mkdir -p "$(dirname "$2")"
  cp -p "$stage/orig.$1" "$2"
  printf 'restored: %s\n' "$2" >&2
}}

# edit_block BLOCK PATH BEGIN END ANCHOR: print PATH with bhyvetpl's block replaced
awk_edit={awk_edit}
edit_block() {{
  src=/dev/null
  if [ -e "$2" ]; then src=$2; fi
  awk -v bmark="$3" -v emark="$4" -v anchor="$5" "$awk_edit" "$1" "$src"
}}
"""


def _delimiter(text: str, base: str) -> str:
    """A heredoc delimiter that no line of text equals (sh ends lines at LF only)."""
    delimiter = base
    while delimiter in text.split("\n"):
        delimiter += "_"
    return delimiter


def _program(text: str) -> Quoted:
    """One sh word holding text exactly (a quoted heredoc read by $(cat)).

    For multi-line text bhyvetpl owns, such as its awk programs: a quoted word is one
    line, and $(...) drops only trailing newlines, which text must not have.
    """
    delimiter = _delimiter(text, "BHYVETPL_TEXT")
    return Quoted(f"\"$(cat <<'{delimiter}'\n{text}\n{delimiter}\n)\"")


def _heredoc(text: str, target: str) -> list[str]:
    """Lines that write text to target ($stage/...) with a quoted delimiter."""
    if not text.endswith("\n"):
        return [f"printf '%s' {_program(text)} > {target}"]
    delimiter = _delimiter(text, "BHYVETPL_EOF")
    return [f"cat > {target} <<'{delimiter}'", *text[:-1].split("\n"), delimiter]


def _probe_test(probe: Probe) -> str:
    if probe.line is None:
        return f"{join(probe.argv)} >/dev/null 2>&1 </dev/null"
    return f"{join(probe.argv)} 2>/dev/null </dev/null | grep -qxF -e {quote(probe.line)}"


def _say(index: int, total: int, status: str, note: str) -> str:
    return f"say {quote(f'[{index}/{total}] {status}' + (f': {note}' if note else ''))}"


def _file_step(index: int, total: int, step: WriteFile | EditBlock) -> list[str]:
    new, path = f'"$stage/{index}.new"', quote(str(step.path), field="path")
    if isinstance(step, WriteFile):
        lines = _heredoc(step.text, new)
    else:
        block = f'"$stage/{index}.block"'
        anchor = quote(step.anchor or "")
        lines = [*_heredoc(step.block, block),
                 f"edit_block {block} {path} {quote(step.begin)} {quote(step.end)} {anchor} "
                 f"> {new} || fail {index} \"$?\" {quote('edit ' + str(step.path))}"]
    backup = "yes" if isinstance(step, EditBlock) else "no"
    return [*lines,
            f"if cmp -s {new} {path}; then",
            "  " + _say(index, total, "unchanged", str(step.path)),
            "else",
            f"  install_file {index} {new} {path} {backup}",
            f"  touched_{index}=1",
            "  " + _say(index, total, "done", str(step.path)),
            "fi"]


def _remove_step(index: int, total: int, step: RemoveFile | RemoveDir) -> list[str]:
    path = quote(str(step.path), field="path")
    if isinstance(step, RemoveDir):
        return [f"if [ ! -d {path} ]; then",
                "  " + _say(index, total, "unchanged", f"{step.path} absent"),
                f'elif [ -n "$(ls -A {path})" ]; then',
                "  " + _say(index, total, "skipped", f"{step.path} {DIR_KEPT}"),
                "else",
                f"  rmdir {path} || fail {index} \"$?\" {quote('rmdir ' + str(step.path))}",
                "  " + _say(index, total, "done", str(step.path)),
                "fi"]
    expect = f'"$stage/{index}.expect"'
    return [*_heredoc(step.text, expect),
            f"if [ ! -e {path} ]; then",
            "  " + _say(index, total, "unchanged", f"{step.path} absent"),
            f"elif cmp -s {expect} {path}; then",
            f'  cp -p {path} "$stage/orig.{index}"',
            f"  rm -f {path} || fail {index} \"$?\" {quote('rm ' + str(step.path))}",
            f"  touched_{index}=1",
            "  " + _say(index, total, "done", str(step.path)),
            "else",
            "  " + _say(index, total, "skipped", f"{step.path} {REMOVE_KEPT}"),
            "fi"]


def _command_step(index: int, total: int, step: RunCommand, plan: Plan) -> list[str]:
    run = [f"{join(step.argv)} </dev/null || fail {index} \"$?\" {quote(join(step.argv))}",
           _say(index, total, "done", "")]
    guard = step.skip_if
    lines: list[str] = []
    if isinstance(guard, FileProbe):
        stamp = f'"$stage/{index}.stamp"'
        lines += _heredoc(guard.text, stamp)
        test = f"cmp -s {stamp} {quote(str(guard.path))}"
    elif guard is not None:
        test = _probe_test(guard)
    body = run if guard is None else [
        f"if {test}; then", "  " + _say(index, total, "skipped", guard.means), "else",
        *("  " + line for line in run), "fi"]
    if step.after_change is None:
        return lines + body
    edit = plan.edit_index(step.after_change) + 1
    return [*lines, f'if [ -z "$touched_{edit}" ]; then',
            "  " + _say(index, total, "skipped", f"{step.after_change} unchanged"),
            "else", *("  " + line for line in body), "fi"]


def _step(index: int, total: int, step: Step, plan: Plan) -> list[str]:
    if isinstance(step, CheckRuleset):
        reserved = " ".join(str(n) for n in sorted(RESERVED_RULESETS))
        args = (f"-v path={quote(str(step.path))} -v num={step.number} "
                f"-v name={quote(step.name)} -v reserved={quote(reserved)} "
                f"-v bmark={quote(f'# BEGIN bhyvetpl {step.owner}')} "
                f"-v emark={quote(f'# END bhyvetpl {step.owner}')}")
        return [f"if [ -e {quote(str(step.path))} ]; then",
                f"  awk {args} {_program(AWK_RULESET)} {quote(str(step.path))} || exit 2",
                "fi", _say(index, total, "passed", "")]
    if isinstance(step, Check):
        message = (f"bhyvetpl: step {index}/{total} failed: not true that "
                   f"{step.probe.means}; {step.fix}")
        return [f"if {_probe_test(step.probe)}; then",
                "  " + _say(index, total, "passed", step.probe.means), "else",
                f"  say {quote(message)} >&2", "  exit 1", "fi"]
    if isinstance(step, WriteFile | EditBlock):
        return _file_step(index, total, step)
    if isinstance(step, RemoveFile | RemoveDir):
        return _remove_step(index, total, step)
    return _command_step(index, total, step, plan)


def emit_sh(plan: Plan) -> str:
    """The plan as a /bin/sh script (set -eu; shellcheck-clean)."""
    total = len(plan.steps)
    files = [(i, s.path, "unremove" if isinstance(s, RemoveFile) else "restore")
             for i, s in enumerate(plan.steps, 1)
             if isinstance(s, WriteFile | EditBlock | RemoveFile)]
    restores = [f'    if [ -n "$touched_{i}" ]; then {how} {i} {quote(str(path))}; fi'
                for i, path, how in reversed(files)] or ["    :"]
    out = ["#!/bin/sh",
           "# Every '...' word is literal on purpose (one quoting routine): $, ` and \\ in",
           "# paths are not expansions or escapes, so these two hints do not apply.",
           "# shellcheck disable=SC2016,SC1003",
           comment(f"{plan.description}: generated by bhyvetpl {__version__}."),
           "# Review it, then run it as root on the FreeBSD host. Each step first checks",
           "# whether it is already done, so running it again finishes an interrupted run.",
           PRELUDE.format(touched="\n".join(f"touched_{i}=" for i, _, _ in files),
                          awk_edit=_program(AWK_EDIT)),
           "# on any exit before the end: put back the files this run changed",
           "finish() {", '  if [ -z "$ok" ]; then', *restores, "  fi",
           '  rm -rf "$stage"', "}", "trap finish EXIT",
           "# dash runs the EXIT trap on exit, not on a signal: turn signals into exits",
           "trap 'exit 130' HUP INT TERM", ""]
    for index, step in enumerate(plan.steps, 1):
        out.append(comment(f"step {index}/{total}, {step.where}: {step.what}"))
        out += _step(index, total, step, plan)
        out.append("")
    out += ["ok=1", *(f"say {quote(line)}" for line in plan.summary)]
    return "\n".join(out) + "\n"
