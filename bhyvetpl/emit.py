"""A plan as a POSIX sh script for FreeBSD /bin/sh: the same commands, in the same order.

Every probe and command is the plan's own argv, quoted by `shquote.quote`, and every
comment goes through `shquote.comment`; files travel inline as quoted heredocs into a
`mktemp -d` staging directory; marked blocks are edited by an awk program that mirrors
`plan.hostfile.replace_block`.
"""

from __future__ import annotations

from bhyvetpl import __version__
from bhyvetpl.hostfs import LOCK_PATH, HostFS
from bhyvetpl.model.jail import RESERVED_RULESETS
from bhyvetpl.plan.actions import (
    DIR_KEPT,
    REMOVE_KEPT,
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
from bhyvetpl.shquote import Quoted, comment, join, quote

# Mirrors replace_block: replace the first BEGIN..END block, else add before the last
# anchor line, else at the end. Lines split at LF only; a marker may end in CR (CRLF
# file), and a file whose first line does gets the block in CRLF. Exit 3: no END after
# BEGIN; exit 4: no anchor line.
AWK_EDIT = r"""NR == FNR { block[++nb] = $0; next }
{ line[++n] = $0 }
END {
  cr = (n && substr(line[1], length(line[1])) == "\r") ? "\r" : ""
  b = 0; e = 0
  for (i = 1; i <= n; i++) if (line[i] == bmark || line[i] == bmark "\r") { b = i; break }
  if (b) {
    for (i = b + 1; i <= n; i++) if (line[i] == emark || line[i] == emark "\r") { e = i; break }
    if (!e) { print FILENAME ": no END marker after " bmark > "/dev/stderr"; exit 3 }
    for (i = 1; i < b; i++) print line[i]
    for (i = 1; i <= nb; i++) print block[i] cr
    for (i = e + 1; i <= n; i++) print line[i]
    exit 0
  }
  a = n + 1
  if (anchor != "") {
    a = 0
    for (i = n; i >= 1; i--) if (line[i] == anchor || line[i] == anchor "\r") { a = i; break }
    if (!a) { print FILENAME ": no line " anchor " to put the block before" > "/dev/stderr"
              exit 4 }
  }
  for (i = 1; i < a; i++) print line[i]
  for (i = 1; i <= nb; i++) print block[i] cr
  for (i = a; i <= n; i++) print line[i]
}"""

# Mirrors hostfile.ruleset_clash: a [NAME=NUMBER] header outside our block that uses
# our number or name; exit 2 with the next free number.
AWK_RULESET = r"""{ line[++n] = $0 }
END {
  b = 0; e = 0
  for (i = 1; i <= n; i++) if (line[i] == bmark || line[i] == bmark "\r") { b = i; break }
  if (b) for (i = b + 1; i <= n; i++) if (line[i] == emark || line[i] == emark "\r") {
    e = i; break }
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

# Mirrors RulesProbe.done: `count` rules in all, and the `path` rules (field 3 of
# `NUM path PATTERN unhide`) are the space-separated `want`, in order.
AWK_RULES = r"""BEGIN { nw = split(want, w, " ") }
NF { rules++ }
$2 == "path" { if (w[++np] != $3) bad = 1 }
END { exit !(rules == count + 0 && np == nw && !bad) }"""

PRELUDE = r"""set -eu
umask 022
root={root}
base=${{root%/}}
lock={lock}
locked=
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

# linked PATH: true (and say so) when PATH is not below $root, or it or a directory
# above it below $root is a symlink: a jail's root user may plant one anywhere in the
# jail, and following it would write outside
linked() {{
  rest=${{1#"$base"/}}
  if [ "$rest" = "$1" ]; then
    printf 'bhyvetpl: %s is not below %s\n' "$1" "$root" >&2
    return 0
  fi
  at=$base
  while [ -n "$rest" ]; do
    part=${{rest%%/*}}
    rest=${{rest#"$part"}}
    rest=${{rest#/}}
    at=$at/$part
    if [ -L "$at" ]; then
      printf 'bhyvetpl: %s is a symlink: refusing to follow it\n' "$at" >&2
      return 0
    fi
  done
  return 1
}}

# nolink PATH: stop unless PATH is below $root with no symlink on the way (checked right
# before each read and write)
nolink() {{
  if linked "$1"; then exit 1; fi
}}

# take_lock: hold $lock until the end (a directory: mkdir is atomic everywhere, lockf(1)
# is FreeBSD only; a direct run takes the same one). A lock whose holder is gone (kill
# -9) is taken over, and so is one that has had no pid file for 5 seconds.
take_lock() {{
  if [ -n "$locked" ]; then return 0; fi
  nolink "$lock"
  mkdir -p "${{lock%/*}}"
  waited=0
  nopid=0
  until mkdir "$lock" 2>/dev/null; do
    nolink "$lock"
    holder=$(cat "$lock/pid" 2>/dev/null || :)
    if [ -n "$holder" ]; then nopid=0; else nopid=$((nopid + 1)); fi
    if {{ [ -n "$holder" ] && ! kill -0 "$holder" 2>/dev/null; }} || [ "$nopid" -gt 5 ]; then
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
      printf 'bhyvetpl: %s is held by another bhyvetpl run (pid %s)\n' "$lock" "$holder" >&2
      exit 1
    fi
    sleep 1
  done
  locked=1
  printf '%s\n' "$$" > "$lock/pid"
}}

# sweep PATH: remove the temp files a killed run left next to PATH (we hold the lock)
sweep() {{
  for left in "${{1%/*}}/.${{1##*/}}".bhyvetpl.* "$1.bhyvetpl.new"; do
    if [ -f "$left" ] || [ -L "$left" ]; then rm -f "$left"; fi
  done
}}

# mode_of PATH: PATH's permission bits in octal (POSIX has no stat(1); ls -l does)
mode_of() {{
  # only the mode column of one named path is read, so names cannot confuse it
  # shellcheck disable=SC2012
  ls -ld "$1" | awk '{{ m = 0; for (i = 2; i <= 10; i++) {{ c = substr($1, i, 1)
    m = m * 2 + (c != "-" && c != "S" && c != "T") }}; printf "%o\n", m }}'
}}

# put SRC PATH MODE: SRC's bytes as PATH: an exclusive temp file next to PATH (set -C:
# never through a name someone planted), then a rename; returns 1 when refused
put() {{
  tmp=${{2%/*}}/.${{2##*/}}.bhyvetpl.$$
  if ! (set -C; cat "$1" > "$tmp") 2>/dev/null; then
    printf 'bhyvetpl: cannot create %s\n' "$tmp" >&2
    return 1
  fi
  chmod "$3" "$tmp" || return 1
  if linked "$2" || [ -d "$2" ]; then rm -f "$tmp"; return 1; fi
  mv -f "$tmp" "$2" || return 1
}}

# install K NEW PATH BACKUP: replace PATH by NEW, keeping its mode, a copy to restore,
# and (BACKUP=yes) PATH.bhyvetpl.bak (its previous copy kept for the restore as well)
install_file() {{
  take_lock
  nolink "$3"
  mkdir -p "${{3%/*}}"
  nolink "$3"
  mode=644
  if [ -e "$3" ]; then
    cp -p "$3" "$stage/orig.$1"
    mode=$(mode_of "$3")
    if [ "$4" = yes ]; then
      nolink "$3.bhyvetpl.bak"
      if [ -e "$3.bhyvetpl.bak" ]; then cp -p "$3.bhyvetpl.bak" "$stage/bak.$1"; fi
      : > "$stage/backed.$1"
      put "$stage/orig.$1" "$3.bhyvetpl.bak" "$mode" || exit 1
    fi
  fi
  put "$2" "$3" "$mode" || exit 1
}}

# restore K PATH: put PATH back as it was before step K, unless a later step
# changed it again (then that change stays)
restore() {{
  if linked "$2" || ! cmp -s "$stage/$1.new" "$2"; then
    printf 'not restored, changed by a later step: %s\n' "$2" >&2
    return 0
  fi
  if [ -e "$stage/orig.$1" ]; then
    put "$stage/orig.$1" "$2" "$(mode_of "$stage/orig.$1")" || return 0
  else
    rm -f "$2"
  fi
  # the backup this run made goes too (an older one comes back): nothing left behind
  if [ -e "$stage/backed.$1" ] && ! linked "$2.bhyvetpl.bak"; then
    if [ -e "$stage/bak.$1" ]; then
      put "$stage/bak.$1" "$2.bhyvetpl.bak" "$(mode_of "$stage/bak.$1")" || return 0
    else
      rm -f "$2.bhyvetpl.bak"
    fi
  fi
  printf 'restored: %s\n' "$2" >&2
}}

# unremove K PATH: put back PATH, removed by step K, unless something made it again
unremove() {{
  if [ -e "$2" ] || [ -L "$2" ] || linked "$2"; then
    printf 'not restored, changed by a later step: %s\n' "$2" >&2
    return 0
  fi
  mkdir -p "${{2%/*}}"
  put "$stage/orig.$1" "$2" "$(mode_of "$stage/orig.$1")" || return 0
  printf 'restored: %s\n' "$2" >&2
}}

# edit_block BLOCK PATH BEGIN END ANCHOR: print PATH with bhyvetpl's block replaced
awk_edit={awk_edit}
edit_block() {{
  take_lock
  nolink "$2"
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


def _probe_test(probe: Probe | RulesProbe) -> str:
    if isinstance(probe, RulesProbe):
        return (f"{join(probe.argv)} 2>/dev/null </dev/null | awk -v count={probe.count} "
                f"-v want={quote(' '.join(probe.paths))} {_program(AWK_RULES)}")
    if probe.nonempty:
        return f'[ -n "$({join(probe.argv)} 2>/dev/null </dev/null)" ]'
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
    body = ["take_lock", f"nolink {path}", f"sweep {path}", *lines,
            f"if cmp -s {new} {path}; then",
            "  " + _say(index, total, "unchanged", str(step.path)),
            "else",
            f"  install_file {index} {new} {path} {backup}",
            f"  touched_{index}=1",
            "  " + _say(index, total, "done", str(step.path)),
            "fi"]
    guard = step.skip_if if isinstance(step, WriteFile) else None
    if guard is None:
        return body
    # The body is not indented: it holds a heredoc, whose lines are the file's text.
    return [f"if {_probe_test(guard)}; then", "  " + _say(index, total, "skipped", guard.means),
            "else", *body, "fi"]


def _remove_step(index: int, total: int, step: RemoveFile | RemoveDir) -> list[str]:
    path = quote(str(step.path), field="path")
    if isinstance(step, RemoveDir):
        return ["take_lock", f"nolink {path}", f"if [ ! -d {path} ]; then",
                "  " + _say(index, total, "unchanged", f"{step.path} absent"),
                f'elif [ -n "$(ls -A {path})" ]; then',
                "  " + _say(index, total, "skipped", f"{step.path} {DIR_KEPT}"),
                "else",
                f"  rmdir {path} || fail {index} \"$?\" {quote('rmdir ' + str(step.path))}",
                "  " + _say(index, total, "done", str(step.path)),
                "fi"]
    expect = f'"$stage/{index}.expect"'
    return [*_heredoc(step.text, expect), "take_lock", f"nolink {path}",
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
        lines += [*_heredoc(guard.text, stamp), "take_lock", f"nolink {quote(str(guard.path))}"]
        test = f"cmp -s {stamp} {quote(str(guard.path))}"
    elif guard is not None:
        test = _probe_test(guard)
    body = run if guard is None else [
        f"if {test}; then", "  " + _say(index, total, "skipped", guard.means), "else",
        *("  " + line for line in run), "fi"]
    if step.after_change is None:
        return lines + body
    plan.edit_index(step.after_change)   # raises when no step writes it
    # Any earlier step that changed the file counts, as in apply (a spec plan edits
    # devfs.rules once per jail, each in its own block).
    touched = "".join(f"$touched_{i}" for i, s in enumerate(plan.steps[:index - 1], 1)
                      if isinstance(s, WriteFile | EditBlock) and s.path == step.after_change)
    return [*lines, f'if [ -z "{touched}" ]; then',
            "  " + _say(index, total, "skipped", f"{step.after_change} unchanged"),
            "else", *("  " + line for line in body), "fi"]


def _step(index: int, total: int, step: Step, plan: Plan) -> list[str]:
    if isinstance(step, Deferred):
        return [_say(index, total, "deferred", step.because)]
    if isinstance(step, CheckRuleset):
        reserved = " ".join(str(n) for n in sorted(RESERVED_RULESETS))
        args = (f"-v path={quote(str(step.path))} -v num={step.number} "
                f"-v name={quote(step.name)} -v reserved={quote(reserved)} "
                f"-v bmark={quote(f'# BEGIN bhyvetpl {step.owner}')} "
                f"-v emark={quote(f'# END bhyvetpl {step.owner}')}")
        return ["take_lock", f"nolink {quote(str(step.path))}",
                f"if [ -e {quote(str(step.path))} ]; then",
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
                          awk_edit=_program(AWK_EDIT), root=quote(str(HostFS(plan.root).root)),
                          lock=quote(str(HostFS(plan.root).place(LOCK_PATH)))),
           "# on any exit before the end: put back the files this run changed",
           "finish() {", '  if [ -z "$ok" ]; then', *restores, "  fi",
           '  if [ -n "$locked" ]; then rm -f "$lock/pid"; rmdir "$lock" 2>/dev/null || :; fi',
           '  rm -rf "$stage"', "}", "trap finish EXIT",
           "# dash runs the EXIT trap on exit, not on a signal: turn signals into exits (128+N)",
           "trap 'exit 129' HUP", "trap 'exit 130' INT", "trap 'exit 143' TERM", ""]
    for index, step in enumerate(plan.steps, 1):
        out.append(comment(f"step {index}/{total}, {step.where}: {step.what}"))
        out += _step(index, total, step, plan)
        out.append("")
    out += ["ok=1", *(f"say {quote(line)}" for line in plan.summary)]
    return "\n".join(out) + "\n"
