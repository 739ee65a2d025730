"""The one quoting routine: a word for each consumer that parses what bhyvetpl writes.

Each context names a consumer (reference.md §1, §3) and how it reads a word; a value
no context can carry safely is refused with a SpecError (exit 2), never mangled.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from bhyvetpl.errors import SpecError

Context = Literal["sh", "bastille_eval", "bastille_cmd", "jail_conf", "rc_conf", "devfs_rules"]
CONTEXTS: tuple[Context, ...] = ("sh", "bastille_eval", "bastille_cmd", "jail_conf", "rc_conf",
                                 "devfs_rules")

SAFE_RE = re.compile(r"[A-Za-z0-9@%+=:,./_-]+", re.ASCII)
RC_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*", re.ASCII)
# loader.conf(5) also sets kernel environment variables, whose names hold dots
# (hw.vmm.amdvi.enable); the loader reads `name="value"` and expands nothing.
LOADER_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*", re.ASCII)
JAIL_PARAM_RE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)*", re.ASCII)
# A jail.conf value as the model writes it: `= TOKEN`, `+= TOKEN` or `[+]= "TEXT"`, where
# TEXT is inert for the `sh -c` that runs exec.* and holds only `$param` references.
JAIL_VALUE_RE = re.compile(r'\+?= (?:[A-Za-z0-9@%+=:,./_-]+|"(?:[A-Za-z0-9@%+=:,./_ -]'
                           r'|\$[a-z][a-z0-9_]*)*")', re.ASCII)
# Unicode categories that are not text: controls (newline, CR, ESC, DEL, C1), format
# characters (bidi overrides that make a reviewed line read differently), line and
# paragraph separators, surrogates.
_NOT_TEXT = ("Cc", "Cf", "Zl", "Zp", "Cs")
# What each context cannot hold even quoted, beyond what no context can carry.
_REFUSED: dict[Context, str] = {
    "sh": "",
    "bastille_eval": "",
    "bastille_cmd": "",
    # jail(8) expands $ and \ inside a "..." string, and `'` would need a `\` there.
    "jail_conf": "\"'\\$`",
    # rc sources rc.conf: inside "..." sh still expands $, ` and \ and stops at ".
    "rc_conf": "\"\\$`",
    # rc.subr reads devfs.rules with `read` (no -r, so \ is consumed) and evals each line.
    "devfs_rules": "\\",
}
_WHY: dict[Context, str] = {
    "sh": "one line of text for /bin/sh",
    "bastille_eval": "one Bastillefile line (template.sh joins a trailing \\, "
                     "substitutes ${NAME} and evals the rest on the host)",
    "bastille_cmd": "one Bastillefile CMD line (run by sh -c in the jail)",
    "jail_conf": "a word of a jail.conf exec string (no \" ' \\ $ `)",
    "rc_conf": "an rc.conf value (no \" \\ $ `)",
    "devfs_rules": "a devfs.rules word (no \\)",
}


class Quoted(str):
    """A word the routine made: the only kind of text emitted lines put in a command."""

    __slots__ = ()


def refusal(value: str, context: Context) -> str | None:
    """Why value cannot be carried in context, or None when it can."""
    for char in value:
        if unicodedata.category(char) in _NOT_TEXT:
            return f"a control or format character ({char!a})"
        if char in _REFUSED[context]:
            return f"the character {char!r}"
    if "${" in value:
        return "`${` (Bastille substitutes ${NAME} in every line)"
    if value.endswith("\\"):
        return "a trailing backslash (it joins the next line)"
    return None


def check(value: str, context: Context = "sh", field: str = "value") -> str:
    """Return value unchanged, or raise SpecError when context cannot carry it.

    Raises:
        SpecError: value holds a character or sequence the context's consumer would read
            as more than one literal word (exit 2).
    """
    why = refusal(value, context)
    if why is not None:
        raise SpecError(field, value, f"{_WHY[context]}; it holds {why}")
    return value


def quote(word: str, context: Context = "sh", field: str = "value") -> Quoted:
    r"""Quote word for context's consumer; refuse what it cannot carry.

    sh-read contexts (all but rc_conf) leave a word of inert characters bare and put
    anything else in '...', where nothing is special but the quote itself, written '\''
    (Bastille's CMD hook rewrites ' the same way, so a CMD word survives the host eval
    and reaches the jail's sh as written); devfs_rules always quotes, as devfs.rules
    files do. rc_conf writes "value", the form rc.conf uses; its refusals leave nothing
    special inside.

    Raises:
        SpecError: see `check`.
    """
    check(word, context, field)
    if context == "rc_conf":
        return Quoted(f'"{word}"')
    if SAFE_RE.fullmatch(word) and context != "devfs_rules":
        return Quoted(word)
    return Quoted("'" + word.replace("'", "'\\''") + "'")


def join(argv: tuple[str, ...] | list[str], context: Context = "sh") -> Quoted:
    """A command line: each word quoted by `quote`.

    A first word holding `=` is quoted even when inert, so sh never reads it as an
    assignment.
    """
    words = [quote(word, context) for word in argv]
    if words and "=" in words[0] and words[0] == argv[0]:
        words[0] = Quoted(f"'{argv[0]}'")
    return Quoted(" ".join(words))


def rc_assign(name: str, value: str, self_append: bool = False) -> Quoted:
    """`name="value"` for rc.conf (and for SYSRC, whose line the host evals first).

    With self_append the value may start with `${name} `, rc.conf's idiom for adding to
    a list the admin already has; nothing else in it is expanded.

    Raises:
        SpecError: a name that is not an sh variable name, or a value rc_conf refuses.
    """
    if not RC_NAME_RE.fullmatch(name):
        raise SpecError("rc.conf name", name, "an sh variable name ([A-Za-z_][A-Za-z0-9_]*)")
    prefix = "${" + name + "} "
    if self_append and value.startswith(prefix):
        return Quoted(f'{name}="{prefix}{check(value[len(prefix):], "rc_conf", name)}"')
    return Quoted(f"{name}={quote(value, 'rc_conf', name)}")


def loader_assign(name: str, value: str, self_append: bool = False) -> Quoted:
    """`name="value"` for loader.conf: rc.conf's form, and dotted tunable names too.

    Raises:
        SpecError: a name that is neither an sh variable nor a dotted tunable name.
    """
    if RC_NAME_RE.fullmatch(name):
        return rc_assign(name, value, self_append)
    if not LOADER_NAME_RE.fullmatch(name):
        raise SpecError("loader.conf name", name, "a variable or tunable name "
                        "([A-Za-z_][A-Za-z0-9_.]*, e.g. hw.vmm.amdvi.enable)")
    return Quoted(f"{name}={quote(value, 'rc_conf', name)}")


def jail_param(name: str, value: str | None) -> Quoted:
    """`name;` or `name VALUE;` for jail.conf, where VALUE (`= X`, `+= "X Y"`) is inert.

    exec.* strings are run by `sh -c` after jail(8) expands `$param` references in
    them, so their text may hold only inert characters, spaces and such references.

    Raises:
        SpecError: a name or value jail(8) or its sh -c would read as more than data.
    """
    if not JAIL_PARAM_RE.fullmatch(name):
        raise SpecError("jail.conf parameter", name, "a jail(8) parameter name")
    if not value:
        return Quoted(f"{name};")
    if not JAIL_VALUE_RE.fullmatch(value):
        raise SpecError(name, value, '`= VALUE` or `+= "TEXT"` with inert characters only')
    return Quoted(f"{name} {value};")


def comment_text(text: str) -> str:
    r"""Text escaped to stay inside one `#` comment line, for sh and Bastillefiles alike.

    Control and format characters become \xNN / \uNNNN, so a newline or CR cannot end
    the comment; a trailing backslash becomes \x5c, since template.sh joins a line
    ending in `\` with the next and a comment would then swallow the next hook.
    """
    out = "".join(
        char if unicodedata.category(char) not in _NOT_TEXT else
        (f"\\x{ord(char):02x}" if ord(char) < 0x100 else f"\\u{ord(char):04x}")
        for char in text)
    return out[:-1] + "\\x5c" if out.endswith("\\") else out


def comment(text: str) -> str:
    """One `# text` line (see `comment_text`)."""
    return "# " + comment_text(text)


def shown(word: str, context: Context = "sh") -> Quoted:
    """A word read from a host or jail, for a line a person may paste (doctor fixes).

    Quoted by `quote` when the context can carry it; otherwise escaped as a comment is and
    still single-quoted, so the pasted line runs nothing the jail wrote, and the doctor
    reports instead of failing.
    """
    if refusal(word, context) is None:
        return quote(word, context)
    return Quoted("'" + comment_text(word).replace("'", "'\\''") + "'")


def shown_join(argv: tuple[str, ...] | list[str]) -> Quoted:
    """A command line of `shown` words."""
    return Quoted(" ".join(shown(word) for word in argv))
