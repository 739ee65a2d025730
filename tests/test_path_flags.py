"""Every path flag: hostile values exit 2 with one stderr line and write nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from bhyvetpl.cli.app import app
from bhyvetpl.errors import SpecError
from bhyvetpl.model.paths import local_path, target_path
from tests.cli_runner import cli_runner

HOSTILE = {
    "newline": "x\ny", "percent": "x%n", "subst": "x$(touch PWNED)", "backtick": "x`id`",
    "brace": "x${HOME}", "dotdot": "a/../../b", "control": "x\x01y", "bidi": "x\u202ey",
    "quote": 'x"y', "backslash": "x\\ny",
}

# Given: the host's own answers are not what these tests are about.
GIVEN = ("--release", "14.3-RELEASE", "--iface", "em0")
# (command words, the flag, whether its value is in the host's namespace: absolute only)
FLAGS = [
    (("host", "prepare", "--release", "14.3-RELEASE"), "--root", False),
    (("jail", "create", "web", *GIVEN), "--root", False),
    (("jail", "create", "web", *GIVEN), "--prefix", True),
    (("jail", "create", "web", *GIVEN), "--vm-dir", True),
    (("jail", "apply", "web", *GIVEN), "--template", False),
    (("jail", "apply", "web", "--template", "."), "--prefix", True),
    (("new-guest", "web", "g1"), "--root", False),
    (("new-guest", "web", "g1"), "--prefix", True),
    (("new-guest", "web", "g1"), "--vm-dir", True),
    (("templates", "install", "--jail", "web"), "--prefix", True),
    (("templates", "install"), "--vm-dir", True),
    (("templates", "install", "--vm-dir", "/vms"), "--root", False),
    (("bastille-plugin", "install"), "--sharedir", True),
    (("bastille-plugin", "install", "--sharedir", "/s"), "--root", False),
    (("render", "jail", "web"), "--output", False),
    (("render", "host"), "--output", False),
    (("render", "guest", "g1"), "--output", False),
    (("import", "vmrun", "--switch", "public"), "--cwd", False),
    (("import", "vmrun", "--switch", "public"), "--output", False),
]


def invoke(args: list[str]) -> tuple[int, str, str]:
    result = cli_runner().invoke(app, args)
    return result.exit_code, result.stdout, result.stderr


def files_below(base: Path) -> list[str]:
    return sorted(str(p.relative_to(base)) for p in base.rglob("*"))


@pytest.mark.usefixtures("fake_host")   # stand-ins first on PATH: nothing real would run
@pytest.mark.parametrize("emit", [False, True], ids=["direct", "emit"])
@pytest.mark.parametrize("kind", sorted(HOSTILE))
@pytest.mark.parametrize(("words", "flag", "absolute"), FLAGS,
                         ids=[" ".join((*w[:2], f)) for w, f, _ in FLAGS])
def test_hostile_path_flag_exits_2_and_writes_nothing(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        words: tuple[str, ...], flag: str, absolute: bool, kind: str, emit: bool) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "Bastillefile").write_text("PKG nginx\n")   # for --template .
    before = files_below(tmp_path)
    value = ("/" if absolute else f"{tmp_path}/") + HOSTILE[kind]
    args = [*words, flag, value]
    if "--root" not in args and words[0] not in ("render", "import"):
        args += ["--root", str(tmp_path / "root")]
    if words[0] == "import":
        args += ["--", "-d", "/d.img", "vm1"]
    if emit and words[0] not in ("render", "import"):
        args.append("--emit=sh")
    code, out, err = invoke(args)
    assert code == 2, (args, out, err)
    assert err.startswith("bhyvetpl: error: ") and err.count("\n") == 1, err
    assert flag in err or flag.strip("-").replace("-", "_") in err   # jail.vm_dir
    if emit:
        assert "#!/bin/sh" not in out
    assert files_below(tmp_path) == before


@pytest.mark.parametrize(("words", "flag"), [(w, f) for w, f, a in FLAGS if a],
                         ids=[" ".join((*w[:2], f)) for w, f, a in FLAGS if a])
def test_a_relative_host_namespace_path_exits_2(tmp_path: Path, words: tuple[str, ...],
                                                 flag: str) -> None:
    args = [*words, flag, "usr/local/x", "--root", str(tmp_path), "--dry-run"]
    code, _, err = invoke(args)
    assert code == 2 and (flag in err or flag.strip("-").replace("-", "_") in err)
    assert not any(tmp_path.iterdir())


def test_prefix_cannot_leave_the_root(tmp_path: Path) -> None:
    for extra in ((), ("--emit", "sh")):
        code, out, err = invoke(["jail", "create", "web", *GIVEN, "--root", str(tmp_path / "r"),
                                 "--prefix", "/../../x", *extra])
        assert code == 2 and "--prefix" in err and out == ""
    assert not any(tmp_path.iterdir())


def test_relative_output_is_taken_from_the_working_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = invoke(["render", "jail", "web", "-o", "./lab//t/."])
    assert code == 0, err
    assert (tmp_path / "lab/t/Bastillefile").is_file()
    assert f"{tmp_path}/lab/t/" in err   # the tree names the resolved, normalised folder


def test_model_paths_normalise() -> None:
    assert local_path("f", "a//b/./c/", Path("/w")) == Path("/w/a/b/c")
    assert str(target_path("f", "//usr/local/")) == "/usr/local"
    for bad in ("/a/..", "/a\tb", "/a\x7fb", ""):
        with pytest.raises(SpecError):
            target_path("f", bad)
