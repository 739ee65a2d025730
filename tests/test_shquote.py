"""One quoting routine, one context per consumer: each consumer reads back exactly the value."""

from __future__ import annotations

import shlex
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bhyvetpl.errors import ExitCode, SpecError
from bhyvetpl.shquote import (
    CONTEXTS,
    Context,
    comment,
    comment_text,
    jail_param,
    join,
    quote,
    rc_assign,
    refusal,
)
from tests.upstream import BASTILLE_TOOLS, needs_upstream

BASH = shutil.which("bash") or "/bin/bash"

TEXT = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\0"),
               max_size=30)
SH_READ: tuple[Context, ...] = tuple(c for c in CONTEXTS if c != "rc_conf")
# Every printable ASCII character and a few beyond: what the contexts are asked to carry.
SPECIAL = "".join(chr(c) for c in range(0x20, 0x7F)) + "é€"
REFUSED_EVERYWHERE = ["a\nb", "a\rb", "a\tb", "\x1b[2K", "x\x00", "a\u202eb", "a\u2028b",
                      "${JAIL_NAME}", "${x", "end\\", "\x85"]


def test_safe_words_stay_bare() -> None:
    assert quote("net.link.tap.up_on_open=1") == "net.link.tap.up_on_open=1"
    assert quote("") == "''"
    assert quote("it's $HOME") == "'it'\\''s $HOME'"
    assert quote("vmm", "devfs_rules") == "'vmm'"
    assert quote("YES", "rc_conf") == '"YES"'
    assert join(["FOO=bar", "x"]) == "'FOO=bar' x"


@pytest.mark.parametrize("context", CONTEXTS)
@pytest.mark.parametrize("value", REFUSED_EVERYWHERE)
def test_no_context_carries_these(context: Context, value: str) -> None:
    with pytest.raises(SpecError) as caught:
        quote(value, context, field="--root")
    assert caught.value.exit_code == ExitCode.USAGE
    assert str(caught.value).startswith("--root: ")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(("context", "value"), [
    ("rc_conf", 'a"b'), ("rc_conf", "$x"), ("rc_conf", "`id`"), ("rc_conf", "a\\b"),
    ("jail_conf", "it's"), ("jail_conf", "$name"), ("jail_conf", 'a"'),
    ("devfs_rules", "a\\'b"),
])
def test_context_refusals(context: Context, value: str) -> None:
    with pytest.raises(SpecError):
        quote(value, context)


def _accepted(context: Context) -> st.SearchStrategy[str]:
    return st.text(st.sampled_from(SPECIAL) | st.characters(blacklist_categories=["Cs"]),
                   max_size=30).filter(lambda v: refusal(v, context) is None)


def _sh(script: str) -> bytes:
    return subprocess.run(["/bin/sh", "-c", script], capture_output=True, check=True).stdout


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_sh_reads_back_every_accepted_word(data: st.DataObject) -> None:
    """For each sh-read context: `printf %s WORD` prints the value; rc_conf: `x=VALUE`."""
    values = {c: data.draw(_accepted(c), label=c) for c in CONTEXTS}
    script = "".join(f"printf '%s\\0' {quote(values[c], c)}\n" for c in SH_READ)
    script += f"x={quote(values['rc_conf'], 'rc_conf')}\nprintf '%s\\0' \"$x\"\n"
    out = _sh(script).decode("utf-8", "surrogateescape").split("\0")[:-1]
    assert out == [values[c] for c in (*SH_READ, "rc_conf")]


@settings(max_examples=40, deadline=None)
@given(value=TEXT)
def test_every_string_is_quoted_or_refused(value: str) -> None:
    for context in CONTEXTS:
        if refusal(value, context) is None:
            assert "\n" not in quote(value, context)
        else:
            with pytest.raises(SpecError):
                quote(value, context)


@settings(max_examples=60, deadline=None)
@given(text=TEXT)
def test_a_comment_is_always_one_line(text: str) -> None:
    line = comment(text)
    assert len(line.splitlines()) == 1 and not line.endswith("\\")
    assert all(unicodedata.category(c) not in ('Cc', 'Cf', 'Zl', 'Zp') for c in line)
    assert _sh(f"{line}\nprintf ok") == b"ok"


def test_comment_escapes_what_would_end_it() -> None:
    assert comment("a\nrm -rf /") == "# a\\x0arm -rf /"
    assert comment_text("x\r\u202e") == "x\\x0d\\u202e"
    assert comment("joins the next line\\") == "# joins the next line\\x5c"


def test_rc_assign() -> None:
    assert rc_assign("vm_dir", "zfs:tank/vms") == 'vm_dir="zfs:tank/vms"'
    assert rc_assign("kld_list", "${kld_list} if_bridge", self_append=True) == \
        'kld_list="${kld_list} if_bridge"'
    for name, value in [("kld_list", "${kld_list} x"), ("a b", "x"), ("x", "$(id)")]:
        with pytest.raises(SpecError):
            rc_assign(name, value)
    with pytest.raises(SpecError):
        rc_assign("kld_list", "${kld_list} ${other}", self_append=True)


def test_jail_param() -> None:
    assert jail_param("allow.vmm_ppt", None) == "allow.vmm_ppt;"
    assert jail_param("exec.created", '+= "zfs jail $name tank/vms"') == \
        'exec.created += "zfs jail $name tank/vms";'
    for value in ['+= "zfs jail $name a;reboot"', '= "$(id)"', '+= "a`id`"', "= a b",
                  '= "${name}"', '= "a\\"']:
        with pytest.raises(SpecError):
            jail_param("exec.created", value)
    with pytest.raises(SpecError):
        jail_param("exec.created;reboot", None)


# What the contexts accept, with the characters sh, eval and Bastille treat specially.
ODD_VALUES = ["a b", "it's", 'say "hi"', "$(touch MARK)", "`touch MARK`", "a;touch MARK",
              "a&&touch MARK|x", "x>MARK", "#not a comment", "*?[a]", "~root", "$HOME",
              "$JAIL_NAME", "{a,b}", "a\\b", "!x", "%s\\n", "é€", SPECIAL.replace("${", "$ {")]


def _trace(run: subprocess.CompletedProcess[str], prefix: str) -> list[list[str]]:
    """The harness's trace lines (argv, shell-quoted) below `bastille template` itself."""
    return [argv for line in run.stdout.splitlines()
            if line.startswith("      ") and line.strip().startswith(prefix)
            for argv in [shlex.split(line)]]


@needs_upstream
def test_bastille_template_sh_reads_each_word_back(tmp_path: Path) -> None:
    """Bastille's own template.sh: CMD, PKG and SYSRC words arrive as written, nothing runs."""
    template = tmp_path / "tpl"
    template.mkdir()
    cmd_texts = [f"printf %s {quote(v, 'bastille_cmd')}" for v in ODD_VALUES]
    rc_values = [v for v in ODD_VALUES if refusal(v, "rc_conf") is None]
    lines = [f"CMD {text}" for text in cmd_texts]
    lines.append("PKG " + " ".join(quote(v, "bastille_eval") for v in ODD_VALUES))
    lines += [f"SYSRC {rc_assign('bhyvetpl_test', v)}" for v in rc_values]
    (template / "Bastillefile").write_text("\n".join(lines) + "\n")
    run = subprocess.run([BASH, str(BASTILLE_TOOLS / "run-template.sh"), str(template)],
                         capture_output=True, text=True, check=False, timeout=300,
                         cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    assert not list(tmp_path.rglob("MARK")) and not Path("MARK").exists()
    scripts = [argv[-1] for argv in _trace(run, "jexec -l -U root bhyvejail sh -c")]
    assert scripts == cmd_texts
    # each CMD text, run by sh -c as the jail would, prints its value and nothing else
    assert [_sh(text).decode() for text in scripts] == ODD_VALUES
    assert _trace(run, "bastille pkg") == [
        ["bastille", "pkg", "-y", "bhyvejail", "install", *ODD_VALUES]]
    assert _trace(run, "bastille sysrc") == [
        ["bastille", "sysrc", "bhyvejail", f"bhyvetpl_test={v}"] for v in rc_values]
    # one sub-command a line: no line added another
    assert len(_trace(run, "bastille ")) == len(cmd_texts) + 1 + len(rc_values)
