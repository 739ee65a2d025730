"""Shell completion scripts for bash, zsh and fish, from a table of the command tree.

The CLI walks its commands into Nodes (bhyvetpl.cli.completion); this module turns them
into one script per shell. The scripts hold every command and flag as words, so a Tab press
starts nothing, except for jail and guest names: those come from
`bhyvetpl completion --names jails|guests`, which reads files below --root and writes nothing
(bhyvetpl.facts.names).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

SHELLS = ("bash", "zsh", "fish")
JAILS = "jails"
GUESTS = "guests"
FILES = "files"
NONE = "-"


@dataclass(frozen=True, slots=True)
class Node:
    """One command (or group) as completion sees it.

    args: what each positional argument completes to (JAILS, FILES or NONE); a last one
    ending in "..." repeats.
    """

    path: tuple[str, ...]
    commands: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    values: tuple[str, ...] = ()
    files: tuple[str, ...] = ()
    jails: tuple[str, ...] = ()
    guests: tuple[str, ...] = ()
    args: tuple[str, ...] = ()


def _words(words: Sequence[str]) -> str:
    # Command and flag names are plain words ([a-z0-9-]), so single quotes hold them as is.
    text = " ".join(words)
    if "'" in text:
        raise ValueError(f"not a plain word list: {text!r}")
    return f"'{text}'"


def _table(nodes: Sequence[Node]) -> str:
    """The `case` both bash and zsh read: a node's word lists by its command path."""
    rows = []
    for node in nodes:
        fields = {"subs": node.commands, "flags": node.flags, "values": node.values,
                  "files": node.files, "jails": node.jails, "guests": node.guests,
                  "args": node.args}
        sets = "; ".join(f"_bt_{key}={_words(value)}" for key, value in fields.items())
        rows.append(f"  {_words(node.path)}) {sets} ;;")
    return "\n".join(["_bhyvetpl_node() {", '  case "$1" in', *rows,
                      "  *) return 1 ;;", "  esac", "}"])


_WALK = r"""
  # Walk the words before the cursor: commands narrow the node, a flag that takes a value
  # skips it (--root and --jail are kept for the name look-up), the rest are arguments.
  _bhyvetpl_node ''
  local node='' w='' skip='' root='' jail='' kind=''
  local -i i=0 npos=0
  for ((i = @FIRST@; i < @LAST@; i++)); do
    w=${@WORDS@[i]}
    if [[ -n $skip ]]; then
      case $skip in --root) root=$w ;; --jail) jail=$w ;; esac
      skip=''
      continue
    fi
    if [[ " $_bt_values " == *" $w "* ]]; then skip=$w; continue; fi
    [[ $w == -* ]] && continue
    if [[ " $_bt_subs " == *" $w "* ]]; then
      node=${node:+$node }$w
      _bhyvetpl_node "$node"
      npos=0
    else
      [[ $npos -eq 0 && $_bt_args == jails* ]] && jail=$w
      npos+=1
    fi
  done
  if [[ -n $skip ]]; then
    if [[ " $_bt_jails " == *" $skip "* ]]; then kind=jails
    elif [[ " $_bt_guests " == *" $skip "* ]]; then kind=guests
    elif [[ " $_bt_files " == *" $skip "* ]]; then kind=files
    else kind=-
    fi
  elif [[ $@CUR@ == -* ]]; then kind=flags
  elif [[ -n $_bt_subs ]]; then kind=subs
  else
    local -a kinds=(@SPLIT@)
    kind=${kinds[@NPOS@]:-}
    if [[ -z $kind && ${kinds[-1]} == *... ]]; then kind=${kinds[-1]}; fi
    kind=${kind%...}
  fi
  local -a where=()  # the host the command line names, for the name look-up
  [[ -n $root ]] && where+=(--root "$root")
  [[ -n $jail ]] && where+=(--jail "$jail")
"""


def _fill(**values: str) -> str:
    """The walk in one shell's words (bash indexes from 0, zsh from 1)."""
    text = _WALK
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    return text


def _names(word0: str) -> str:
    return f'"{word0}" completion --names "$kind" "${{where[@]}}" 2>/dev/null'


def bash(nodes: Sequence[Node], version: str) -> str:
    """The bash script (bash-completion's completions/ dir, or sourced from ~/.bashrc)."""
    walk = _fill(WORDS="COMP_WORDS", FIRST="1", LAST="COMP_CWORD", CUR="cur",
                 SPLIT="$_bt_args", NPOS="npos")
    return f"""\
# bash completion for bhyvetpl(8), bhyvetpl {version}: `bhyvetpl completion bash` wrote it.
# A Tab press runs nothing but `bhyvetpl completion --names`, which only reads files.
{_table(nodes)}

_bhyvetpl() {{
  local cur=${{COMP_WORDS[COMP_CWORD]}}
  local _bt_subs _bt_flags _bt_values _bt_files _bt_jails _bt_guests _bt_args
{walk}
  COMPREPLY=()
  case $kind in
    flags) COMPREPLY=($(compgen -W "$_bt_flags" -- "$cur")) ;;
    subs) COMPREPLY=($(compgen -W "$_bt_subs" -- "$cur")) ;;
    jails|guests) COMPREPLY=($(compgen -W "$({_names('${COMP_WORDS[0]}')})" -- "$cur")) ;;
    files) compopt -o filenames 2>/dev/null; mapfile -t COMPREPLY < <(compgen -f -- "$cur") ;;
  esac
}}
complete -F _bhyvetpl bhyvetpl
"""


def zsh(nodes: Sequence[Node], version: str) -> str:
    """The zsh script: `_bhyvetpl` on $fpath (site-functions), or sourced after compinit."""
    walk = _fill(WORDS="words", FIRST="2", LAST="CURRENT", CUR="words[CURRENT]",
                 SPLIT="${=_bt_args}", NPOS="npos+1")
    return f"""\
#compdef bhyvetpl
# zsh completion for bhyvetpl(8), bhyvetpl {version}: `bhyvetpl completion zsh` wrote it.
# A Tab press runs nothing but `bhyvetpl completion --names`, which only reads files.
{_table(nodes)}

_bhyvetpl() {{
  local _bt_subs _bt_flags _bt_values _bt_files _bt_jails _bt_guests _bt_args
{walk}
  case $kind in
    flags) compadd -- ${{=_bt_flags}} ;;
    subs) compadd -- ${{=_bt_subs}} ;;
    jails|guests) compadd -- ${{(f)"$({_names('${words[1]}')})"}} ;;
    files) _files ;;
  esac
}}

if [[ ${{zsh_eval_context[-1]}} == loadautofunc ]]; then
  _bhyvetpl "$@"
else
  compdef _bhyvetpl bhyvetpl
fi
"""


def fish(nodes: Sequence[Node], version: str) -> str:
    """The fish script (vendor_completions.d): commands and flags; names through --names."""
    lines = [f"# fish completion for bhyvetpl(8), bhyvetpl {version}: "
             "`bhyvetpl completion fish` wrote it.",
             "# A Tab press runs nothing but `bhyvetpl completion --names`, which only reads "
             "files.",
             "function __bhyvetpl_names",
             "    set -l words (commandline -opc)",
             "    set -l where",
             "    for i in (seq (math (count $words) - 1))",
             "        if contains -- $words[$i] --root --jail",
             "            set -a where $words[$i] $words[(math $i + 1)]",
             "        end",
             "    end",
             "    $words[1] completion --names $argv[1] $where 2>/dev/null",
             "end",
             "complete -c bhyvetpl -f"]
    for node in nodes:
        condition = "; and ".join(
            [f"__fish_seen_subcommand_from {word}" for word in node.path]
            + ([f"not __fish_seen_subcommand_from {' '.join(node.commands)}"]
               if node.commands and node.path else [])) or "__fish_use_subcommand"
        if node.commands:
            lines.append(f"complete -c bhyvetpl -n '{condition}' -a {_words(node.commands)}")
        for flag in node.flags:
            if not flag.startswith("--"):
                continue
            extra = ""
            if flag in node.jails:
                extra = " -x -a '(__bhyvetpl_names jails)'"
            elif flag in node.guests:
                extra = " -x -a '(__bhyvetpl_names guests)'"
            elif flag in node.files:
                extra = " -r -F"
            elif flag in node.values:
                extra = " -x"
            lines.append(f"complete -c bhyvetpl -n '{condition}' -l {flag[2:]}{extra}")
    return "\n".join(lines) + "\n"


SCRIPTS = {"bash": bash, "zsh": zsh, "fish": fish}
