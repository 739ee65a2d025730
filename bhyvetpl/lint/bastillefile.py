"""Lint a Bastillefile against how Bastille's template.sh parses it (reference.md §3).

template.sh joins lines ending in a backslash (no space), drops blank and `#` lines, takes the
first word (any case) as the hook and everything after the first single space as its
arguments, substitutes `${NAME}` of ARGs already seen, and runs the rest through eval.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bhyvetpl.errors import SpecError
from bhyvetpl.lint.finding import Finding, Severity
from bhyvetpl.model import jailnet, values

HOOKS = frozenset({
    "arg", "arg+", "cmd", "config", "cp", "copy", "fstab", "mount", "hpkg", "include",
    "limits", "lif", "lineinfile", "line_in_file", "overlay", "pkg", "rdr", "render",
    "restart", "service", "sysrc", "tag", "tags",
})
# Bastille config.sh validate_property (1.4.0+); allow.vmm_ppt is not on it.
_PROPERTY_LIST = """
jid name path interface ip_hostname ip4.addr ip4.saddrsel ip4 ip6.addr ip6.saddrsel ip6 vnet
vnet.interface novnet host.hostname host.domainname host.hostuuid host.hostid host securelevel
devfs_ruleset children.max children.cur enforce_statfs persist cpuset.id parent nopersist
osrelease osreldate meta env allow.set_hostname allow.sysvipc allow.raw_sockets allow.chflags
allow.noset_hostname allow.nosysvipc allow.noraw_sockets allow.nochflags allow.mount
allow.mount.devfs allow.quotas allow.read_msgbuf allow.nomount allow.nomount.devfs
allow.noquotas allow.noread_msgbuf allow.socket_af allow.mlock allow.nfsd allow.reserved_ports
allow.nosocket_af allow.nomlock allow.nonfsd allow.noreserved_ports
allow.unprivileged_parent_tampering allow.unprivileged_proc_debug
allow.nounprivileged_parent_tampering allow.nounprivileged_proc_debug allow.suser
allow.extattr allow.adjtime allow.settime allow.routing allow.setaudit allow.nosuser
allow.noextattr allow.noadjtime allow.nosettime allow.norouting allow.nosetaudit
allow.mount.fdescfs allow.mount.fusefs allow.mount.nullfs allow.mount.procfs
allow.mount.linprocfs allow.nomount.fdescfs allow.nomount.fusefs allow.nomount.nullfs
allow.nomount.procfs allow.nomount.linprocfs allow.mount.linsysfs allow.mount.tmpfs
allow.mount.zfs allow.vmm allow.nomount.linsysfs allow.nomount.tmpfs allow.nomount.zfs
allow.novmm linux linux.osname linux.osrelease linux.oss_version sysvmsg sysvsem sysvshm
zfs.mount_snapshot exec.prepare exec.prestart exec.created exec.start command exec.poststart
exec.prestop exec.stop exec.poststop exec.release exec.clean exec.jail_user
exec.system_jail_user exec.system_user exec.timeout exec.consolelog exec.fib stop.timeout
zfs.dataset mount mount.fstab mount.devfs mount.fdescfs mount.procfs dying allow.dying
boot depend depends prio priority
"""
CONFIG_PROPERTIES = frozenset(_PROPERTY_LIST.split())
# jail(8) parameters that stand alone (`persist;`): config.sh writes `  PROP;` when no
# VALUE is given, right for these and a mis-applied boolean for any other (securelevel;).
FLAG_PROPERTIES = frozenset({"persist", "nopersist", "exec.clean", "exec.system_jail_user",
                             "mount.devfs", "mount.fdescfs", "mount.procfs", "ip_hostname",
                             "vnet", "novnet", "dying"})
CONFIG_VALUE_RE = re.compile(r"[A-Za-z0-9._/:| $!&%=(){}-]+", re.ASCII)
VAR_RE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", re.ASCII)
# Replaced by template.sh before any ARG, or expanded by its own eval.
BUILTIN_VARS = frozenset({"JAIL_IP", "JAIL_IP6", "JAIL_NAME", "bastille_template"})
_Add = Callable[[int, Severity, str, str], None]
# Hooks template.sh does not hand to eval: CMD becomes `sh -c` in the jail (shell on
# purpose), ARG values have their own rule.
NOT_EVALUATED = frozenset({"cmd", "arg", "arg+"})
ROUTER_KEYS = frozenset({"defaultrouter", "ipv6_defaultrouter"})
ADDRESS_PROPERTIES = frozenset({"ip4.addr", "ip6.addr"})


@dataclass(frozen=True, slots=True)
class Hook:
    """One logical line as template.sh sees it: hook, arguments, first physical line."""

    line: int
    text: str
    hook: str
    args: str


def parse(text: str) -> tuple[tuple[Hook, ...], list[tuple[int, str]]]:
    """Join continuations and drop blanks and comments; also return swallowed lines."""
    hooks: list[Hook] = []
    swallowed: list[tuple[int, str]] = []
    start, buffer = 0, ""
    for number, raw in enumerate(text.split("\n"), start=1):
        if not buffer:
            start = number
        if raw.endswith("\\"):
            buffer += raw[:-1]
            continue
        logical, buffer = buffer + raw, ""
        stripped = logical.lstrip(" \t")
        if not stripped.strip(" \t"):
            continue
        if stripped.startswith("#"):
            if start != number:
                swallowed.append((start, f"line {number}"))
            continue
        # awk's $1 splits on blanks only; its -F '[ ]' arguments split on single spaces.
        first = re.split(r"[ \t]+", stripped, maxsplit=1)[0]
        fields = logical.split(" ")
        args = " ".join(["", *fields[1:]]).lstrip(" ")
        hooks.append(Hook(start, logical, first.lower(), args))
    return tuple(hooks), swallowed


def lint_bastillefile(path: Path, text: str) -> list[Finding]:
    """Every finding for one Bastillefile, in line order."""
    found: list[Finding] = []

    def add(line: int, severity: Severity, code: str, message: str) -> None:
        found.append(Finding(path, line, severity, code, message))

    for number, raw in enumerate(text.split("\n"), start=1):
        if raw.endswith("\r"):
            add(number, "error", "crlf", "CR line ending: Bastille keeps the CR in the arguments")
    hooks, swallowed = parse(text)
    for line, which in swallowed:
        add(line, "error", "comment-continues",
            f"comment ends with \\: Bastille joins {which} into the comment and drops it")
    declared = {h.args.split("=", 1)[0].strip(): h.line for h in hooks if h.hook in ("arg", "arg+")}
    seen_args: set[str] = set()
    restart_after = max((h.line for h in hooks if h.hook == "restart"), default=0)
    for hook in hooks:
        _check_shape(add, hook)
        for name in VAR_RE.findall(hook.args):
            if name in BUILTIN_VARS or name in seen_args:
                continue
            if name in declared:
                add(hook.line, "error", "arg-before-declared",
                    f"${{{name}}} is used before its ARG on line {declared[name]}: Bastille "
                    "substitutes only ARGs already read, so it stays literal here")
            else:
                add(hook.line, "warning", "undeclared-var",
                    f"${{{name}}} is not an ARG: Bastille leaves it to the shell, which "
                    "expands it (usually to nothing)")
        if hook.hook not in NOT_EVALUATED:
            _check_eval(add, hook)
        if hook.hook in ("arg", "arg+"):
            _check_arg(add, hook, seen_args)
        elif hook.hook == "config":
            _check_config(add, hook, restart_after)
        elif hook.hook == "sysrc":
            _check_sysrc(add, hook)
        elif hook.hook in ("cp", "copy", "overlay"):
            if hook.hook != "overlay":
                _check_cp(add, hook)
            _check_source(add, hook, path.parent)
    _check_dhcp_switch(add, hooks)
    return sorted(found, key=lambda f: (f.line, f.code))


def _check_dhcp_switch(add: _Add, hooks: tuple[Hook, ...]) -> None:
    """vnet0 by DHCP and a standard switch on vnet0: what doctor's DHCP check refuses.

    The address belongs on a bridge the jail's rc.conf makes, with vm-bhyve's manual
    switch on it (bhyvetpl.model.jailnet): the lines bhyvetpl's own template writes.
    """
    word = None
    for hook in hooks:
        name, _, value = hook.args.partition("=")
        if hook.hook == "sysrc" and name == f"ifconfig_{jailnet.INNER}":
            word = jailnet.dhcp_word(value)
    if word is None:
        return
    for hook in hooks:
        argv = hook.args.split()
        if (hook.hook != "cmd" or "create" not in argv or "manual" in argv
                or f"-i {jailnet.INNER}" not in " ".join(argv)
                or not re.search(r"\bvm switch create\b", hook.args)):
            continue
        switch = argv[-1] if _refused(values.vm_name, argv[-1]) is None else "NAME"
        lines = "; ".join(jailnet.bastillefile_lines(word, switch))
        add(hook.line, "warning", "dhcp-switch-member",
            f"{jailnet.INNER} takes the jail's address by {word} and this standard switch "
            f"holds it: {jailnet.PROBLEM}; write instead: {lines}")


def _check_source(add: _Add, hook: Hook, template_dir: Path) -> None:
    """A CP/OVERLAY source below the template directory must be there.

    template.sh (Bastille 1.4.4 and master) prefixes `${bastille_template}/` to a CP
    source that does not start with `/` or `"/`, and always to OVERLAY's; `bastille cp`
    then fails on a missing one, after the hooks before it already ran.
    """
    source = hook.args.split(" ", 1)[0]
    if not source or "$" in source or (hook.hook != "overlay"
                                       and source.startswith(("/", '"/'))):
        return
    if not (template_dir / source.strip('"')).exists():
        add(hook.line, "error", "missing-source",
            f"{hook.hook.upper()} source {source} is not in the template directory "
            f"{template_dir}: Bastille copies ${{bastille_template}}/{source}, which "
            "bastille cp cannot find")


def _check_cp(add: _Add, hook: Hook) -> None:
    """template.sh runs `bastille cp JAIL TEMPLATE/SRC DEST`: DEST is not optional."""
    if len(hook.args.split()) < 2:
        add(hook.line, "error", "cp-one-argument",
            f"CP {hook.args!r} names no destination: Bastille runs `bastille cp JAIL "
            "TEMPLATE/SRC` with nothing to copy to; write CP SRC DEST (OVERLAY SRC copies "
            "to the jail's /)")


def _check_shape(add: _Add, hook: Hook) -> None:
    if hook.text[:1] == " ":
        add(hook.line, "error", "indented",
            "indented: Bastille splits the arguments at single spaces, so the hook "
            "word ends up among its own arguments")
    elif hook.text[:1] == "\t":
        add(hook.line, "warning", "indented", "indented with a tab: write hooks at column 0")
    keyword = hook.text.lstrip(" \t").split(" ", 1)[0]
    if "\t" in keyword:
        add(hook.line, "error", "tab-after-hook",
            "tab after the hook word: Bastille takes arguments only after a space, "
            f"so {hook.hook.upper()} runs without any")
    if hook.hook not in HOOKS:
        close = difflib.get_close_matches(hook.hook, sorted(HOOKS), n=1, cutoff=0.6)
        hint = f" (did you mean {close[0].upper()}?)" if close else ""
        add(hook.line, "error", "unknown-hook",
            f"unknown hook {keyword.split(chr(9))[0]}{hint}: Bastille would eval "
            f"`bastille {hook.hook} JAIL ...` on the host")
    elif hook.hook != "cmd" and re.search(r"(^|\s)#", hook.args):
        add(hook.line, "warning", "inline-comment",
            f"'#' is not a comment here: everything after it is passed to {hook.hook.upper()}")


def _check_arg(add: _Add, hook: Hook, seen: set[str]) -> None:
    name, eq, default = hook.args.partition("=")
    if not values.SHELL_ID_RE.fullmatch(name):
        add(hook.line, "error", "arg-name", f"ARG name {name!r} is not a shell identifier")
        return
    if name in seen:
        add(hook.line, "warning", "duplicate-arg",
            f"ARG {name} is declared twice: the first value wins")
    seen.add(name)
    resolved = VAR_RE.sub("x", default)  # earlier ARGs are substituted before eval
    if eq and default and not values.ARG_SAFE_RE.fullmatch(resolved):
        add(hook.line, "error", "unsafe-arg",
            f"ARG {name} default {default!r} goes through `eval echo` on the host; "
            f"use {values.ARG_SAFE_FORM}, or ship richer text in a file")
    elif hook.hook == "arg" and not default:
        add(hook.line, "warning", "arg-no-default",
            f"ARG {name} has no default: without --arg {name}=VALUE, ${{{name}}} stays "
            "literal (Bastille 1.4.1+); use ARG+ if it is mandatory")


def _refused(check: Callable[[str, str], object], value: str) -> str | None:
    """Run a bhyvetpl.model.values check; return its accepted form when it refuses."""
    try:
        check("value", value)
    except SpecError as err:
        return err.accepted
    return None


def _check_eval(add: _Add, hook: Hook) -> None:
    # ${NAME} is substituted (ARGs, built-ins) or warned about above; anything else is code.
    accepted = _refused(values.eval_inert, VAR_RE.sub("x", hook.args))
    if accepted:
        add(hook.line, "error", "eval-code",
            f"{hook.hook.upper()} {hook.args!r} is shell code: template.sh evals "
            f"`bastille {hook.hook} JAIL ...` on the host; expected {accepted}")


def _check_address(add: _Add, hook: Hook, where: str, value: str, zone: bool) -> None:
    check = (values.ip_interface if "/" in value else
             lambda field, text: values.ip_address(field, text, zone=zone))
    accepted = _refused(check, value)
    if accepted:
        add(hook.line, "error", "bad-address",
            f"{where}: {value!r} is not a plain address; expected {accepted}")


def _check_sysrc(add: _Add, hook: Hook) -> None:
    name, eq, value = hook.args.partition("=")
    name = name.removesuffix("+")
    words = hook.args.split()
    if not eq and len(words) > 1:
        # `bastille sysrc JAIL name value` runs sysrc(8) with two names to show: nothing
        # is set (sysrc sets only name=value).
        add(hook.line, "error", "sysrc-no-equals",
            f"SYSRC {hook.args!r} sets nothing: sysrc reads `{words[0]}` and `{words[1]}` as "
            f"names to show; write SYSRC {words[0]}={' '.join(words[1:])}")
        return
    if not eq:
        return
    if len(value) > 1 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1]
    words = value.split()
    if name in ROUTER_KEYS:
        _check_address(add, hook, name, value, zone=True)
    elif name.startswith("ifconfig_") and len(words) > 1 and words[0] in ("inet", "inet6"):
        _check_address(add, hook, name, words[1], zone=False)
    elif name.startswith("ifconfig_") and "%" in value:
        add(hook.line, "error", "bad-address",
            f"{name}: {value!r} holds a %zone; the key names the interface already")


def _check_config(add: _Add, hook: Hook, restart_after: int) -> None:
    words = hook.args.split(" ")
    action = words[0].lower() if words else ""
    prop = words[1] if len(words) > 1 else ""
    if action not in ("set", "get", "remove", "add"):
        add(hook.line, "error", "config-form", "CONFIG needs set, get, remove or add")
        return
    if "=" in prop:
        name, _, value = prop.partition("=")
        add(hook.line, "error", "config-eq-form",
            f"PROP=VALUE is rejected by Bastille 1.4.0-1.4.4: write "
            f"`CONFIG {action} {name} {value.rstrip(';')}`".rstrip() + " (space form)")
        return
    if prop not in CONFIG_PROPERTIES:
        extra = (": write it into the jail's jail.conf (bhyvetpl jail create|apply --vmm-ppt does)"
                 if prop == "allow.vmm_ppt" else "")
        add(hook.line, "error", "config-property",
            f"bastille config refuses {prop!r} (not on its allow-list since 1.4.0){extra}")
    value = " ".join(words[2:])
    if (action in ("set", "add") and not value and prop in CONFIG_PROPERTIES
            and not prop.startswith("allow.") and prop not in FLAG_PROPERTIES):
        add(hook.line, "error", "config-no-value",
            f"CONFIG {action} {prop} has no value: bastille config writes `{prop};` into "
            "jail.conf, a boolean, not the setting you meant")
    if prop in ADDRESS_PROPERTIES:
        for item in value.strip("\"'").split(","):
            if item and item.strip() not in ("inherit", "new", "disable"):
                _check_address(add, hook, prop, item.strip().rpartition("|")[2], zone=False)
    if value and not CONFIG_VALUE_RE.fullmatch(VAR_RE.sub("x", value)):
        add(hook.line, "error", "config-value",
            f"bastille config refuses the value {value!r}: use A-Z a-z 0-9 . _ / : | "
            "space ! & % = ( ) { } -")
    if action in ("set", "add") and restart_after < hook.line:
        add(hook.line, "warning", "config-no-restart",
            "jail parameters change on restart: add RESTART after the CONFIG lines")

