"""The Bastille plugin: golden files, shims that pass argv through untouched, install/uninstall."""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from importlib import import_module
from pathlib import Path, PurePosixPath

import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bhyvetpl.cli.app import app
from bhyvetpl.cli.commands import COMMANDS, module_of
from bhyvetpl.errors import SpecError
from bhyvetpl.plan.build import HOST_MODULES
from bhyvetpl.plan.plugin import DEFAULT_SHAREDIR, sharedir_from_conf
from bhyvetpl.render import PLUGIN_COMMANDS, render_bastille_plugin
from tests.cli_runner import cli_runner
from tests.golden_util import assert_golden
from tests.test_emit import SHELLCHECK

RUNNER = cli_runner()
ARGV_STANDIN = Path(__file__).resolve().parent / "standin" / "argv.sh"
FILES = {str(f.relpath): f.text for f in render_bastille_plugin(HOST_MODULES)}
SHIMS = sorted(name for name in FILES if name.endswith(".sh"))
# Bastille's plugin.sh refuses a plugin or command name outside this.
BASTILLE_NAME_RE = re.compile(r"[A-Za-z0-9_-]+")
ODD_ARGS = ["--preset", "linux", "my jail", "it's \"quoted\"", "$HOME `id` \\n", "",
            "*", "-x", "two\nlines", "ünï"]


@pytest.mark.parametrize("name", sorted(FILES))
def test_golden(name: str) -> None:
    assert_golden(f"bastille-plugin/{name}", FILES[name])


def test_manifest_is_what_bastille_reads() -> None:
    conf = FILES["plugin.conf"]
    assert 'name="bhyvetpl"\n' in conf and 'min_version="1.4.4"\n' in conf
    assert 'depends_kmods="vmm nmdm if_bridge if_tuntap"\n' in conf


@pytest.mark.parametrize("name", SHIMS)
def test_shim_is_posix_and_shellcheck_clean(name: str) -> None:
    assert BASTILLE_NAME_RE.fullmatch(name.removesuffix(".sh"))
    check = subprocess.run([SHELLCHECK, "-s", "sh", "-"], input=FILES[name],
                           capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout
    assert subprocess.run(["/bin/sh", "-n", "-c", FILES[name]], check=False).returncode == 0


def test_every_shim_names_a_command() -> None:
    for words in PLUGIN_COMMANDS.values():
        attr = COMMANDS[words[0]][1]
        target = getattr(import_module(module_of(words[0])), attr)
        if isinstance(target, typer.Typer):
            names = {c.name for c in target.registered_commands}
            assert words[1:] and words[1] in names, words
        else:
            assert len(words) == 1


def run_shim(tmp: Path, name: str, args: list[str], debug: str = "") -> list[str]:
    """Run the shim as Bastille's plugin.sh does (`sh $BASTILLE_DEBUG SCRIPT "$@"`)."""
    bindir = tmp / "bin"
    bindir.mkdir(exist_ok=True)
    if not (bindir / "bhyvetpl").exists():
        (bindir / "bhyvetpl").symlink_to(ARGV_STANDIN)
    script = tmp / name
    script.write_text(FILES[name])
    log = tmp / "argv"
    env = {**os.environ, "PATH": f"{bindir}{os.pathsep}{os.environ['PATH']}",
           "ARGV_LOG": str(log)}
    argv = ["sh", *([debug] if debug else []), str(script), *args]
    proc = subprocess.run(argv, capture_output=True, env=env, check=False)
    assert proc.returncode == 0, proc.stderr
    return log.read_bytes().decode().split("\0")[:-1]


@pytest.mark.parametrize("name", SHIMS)
def test_shim_passes_argv_unchanged(tmp_path: Path, name: str) -> None:
    words = list(PLUGIN_COMMANDS[name.removesuffix(".sh")])
    assert run_shim(tmp_path, name, ODD_ARGS) == words + ODD_ARGS
    assert run_shim(tmp_path, name, []) == words
    assert run_shim(tmp_path, name, ODD_ARGS, debug="-x") == words + ODD_ARGS


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.text(st.characters(codec="utf-8", exclude_characters="\0"), max_size=12),
                max_size=6))
def test_any_arguments_arrive_as_given(args: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        assert run_shim(Path(tmp), "new-guest.sh", args) == ["new-guest", *args]


SAMPLE_CONF = """## Default Paths
bastille_prefix="/usr/local/bastille"                 ## default: "/usr/local/bastille"
bastille_templatesdir="${bastille_prefix}/templates"  ## default: "${bastille_prefix}/templates"
"""


@pytest.mark.parametrize(("text", "expected"), [
    pytest.param(None, DEFAULT_SHAREDIR, id="no-conf"),
    pytest.param(SAMPLE_CONF, DEFAULT_SHAREDIR, id="not-set"),
    pytest.param(SAMPLE_CONF + 'bastille_sharedir="/usr/local/share/bastille"  ## default\n',
                 DEFAULT_SHAREDIR, id="sample"),
    pytest.param(SAMPLE_CONF + 'bastille_sharedir="${bastille_prefix}/share"\n',
                 PurePosixPath("/usr/local/bastille/share"), id="braced-var"),
    pytest.param("p=/opt\nbastille_sharedir=$p/share # mine\n", PurePosixPath("/opt/share"),
                 id="bare-var-comment"),
    pytest.param("bastille_sharedir='/srv/share'\nbastille_sharedir=/srv/b\n",
                 PurePosixPath("/srv/b"), id="last-wins"),
])
def test_sharedir_from_conf(text: str | None, expected: PurePosixPath) -> None:
    assert sharedir_from_conf(text) == expected


@pytest.mark.parametrize("value", ['"$(echo /x)"', '"${unset_var}/share"', "'relative'",
                                   '"/a b"', "'$literal/x'"])
def test_sharedir_we_cannot_read_is_refused(value: str) -> None:
    with pytest.raises(SpecError, match="sharedir"):
        sharedir_from_conf(f"bastille_sharedir={value}\n")


def invoke(*args: str) -> tuple[int, str, str]:
    result = RUNNER.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def tree(base: Path) -> dict[str, str | None]:
    return {str(p.relative_to(base)): (p.read_text() if p.is_file() else None)
            for p in sorted(base.rglob("*"))}


def test_install_reads_sharedir_from_bastille_conf(tmp_path: Path) -> None:
    conf = tmp_path / "usr/local/etc/bastille/bastille.conf"
    conf.parent.mkdir(parents=True)
    conf.write_text('bastille_prefix="/b"\nbastille_sharedir="${bastille_prefix}/share"\n')
    code, out, err = invoke("bastille-plugin", "install", "--root", str(tmp_path))
    assert code == 0, err
    assert "no plugin.sh" in err   # this fake Bastille has no plugins
    assert sorted(p.name for p in (tmp_path / "b/share/plugins/bhyvetpl").iterdir()) == sorted(
        FILES)
    code, out, err = invoke("bastille-plugin", "install", "--root", str(tmp_path))
    assert code == 0 and "nothing changed" in out


def test_dry_run_and_emit_change_nothing(tmp_path: Path) -> None:
    for flag in ("--dry-run", "--emit=sh"):
        code, out, err = invoke("bastille-plugin", "install", "--root", str(tmp_path),
                                "--sharedir", "/s", flag)
        assert code == 0, err
        assert "plugins/bhyvetpl/new-guest.sh" in out
    assert not any(tmp_path.iterdir())


@pytest.mark.parametrize("odd", ["plain", "it's (x) & y;*"])
def test_emitted_script_installs_and_uninstalls_like_the_direct_run(tmp_path: Path,
                                                                    odd: str) -> None:
    direct, script = tmp_path / "direct" / odd, tmp_path / "script" / odd
    for verb in ("install", "uninstall"):
        for base in (direct, script):
            (base / "s/plugins").mkdir(parents=True, exist_ok=True)
        code, _, err = invoke("bastille-plugin", verb, "--root", str(direct), "--sharedir", "/s")
        assert code == 0, err
        code, text, err = invoke("bastille-plugin", verb, "--root", str(script),
                                 "--sharedir", "/s", "--emit", "sh")
        assert code == 0, err
        check = subprocess.run([SHELLCHECK, "-s", "sh", "-"], input=text, capture_output=True,
                               text=True, check=False)
        assert check.returncode == 0, check.stdout
        proc = subprocess.run(["/bin/sh", "-c", text], capture_output=True, text=True,
                              check=False)
        assert proc.returncode == 0, proc.stderr
        assert tree(direct) == tree(script)
    # var/run held the lock (a real host has it; the directories stay)
    assert tree(direct) == {"s": None, "s/plugins": None, "var": None, "var/run": None}


@settings(max_examples=15, deadline=None)
@given(foreign=st.dictionaries(st.from_regex(r"[a-z][a-z0-9._-]{0,8}", fullmatch=True),
                               st.text("ab $'\"\n", max_size=20), max_size=3),
       edited=st.sets(st.sampled_from(sorted(FILES)), max_size=2))
def test_uninstall_removes_exactly_what_install_wrote(foreign: dict[str, str],
                                                      edited: set[str]) -> None:
    foreign = {k: v for k, v in foreign.items() if k not in FILES}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        plugin = root / "usr/local/share/bastille/plugins/bhyvetpl"
        plugin.mkdir(parents=True)
        for name, text in foreign.items():
            (plugin / name).write_text(text)
        assert invoke("bastille-plugin", "install", "--root", tmp)[0] == 0
        for name in edited:
            (plugin / name).write_text("# the admin's own\n")
        code, out, err = invoke("bastille-plugin", "uninstall", "--root", tmp)
        assert code == 0, err
        left = {p.name: p.read_text() for p in plugin.iterdir()} if plugin.exists() else {}
        assert left == {**foreign, **dict.fromkeys(edited, "# the admin's own\n")}
        assert plugin.exists() == bool(left)
        assert (plugin.parent).is_dir()
        assert out.count("changed since bhyvetpl wrote it: kept") == len(edited)


def test_readme_lists_every_plugin_command() -> None:
    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Bastille plugin", 1)[1].split("\n## ", 1)[0]
    listed = re.findall(r"`([a-z-]+)`", section.split("The commands are", 1)[1].split(".", 1)[0])
    assert listed == list(PLUGIN_COMMANDS)
