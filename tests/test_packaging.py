"""The FreeBSD port (packaging/freebsd/sysutils/py-bhyvetpl) agrees with pyproject.toml.

Version, Python, license and the run-time dependencies (each to its port's origin, with
the same lower bound), and pkg-plist: exactly the files `python -m installer` puts below
${PREFIX} from the wheel (the package with its bytecode at levels 0 and 1, the dist-info,
the console script, and the man page and completion files of the wheel's shared-data),
as Mk/Uses/python.mk's pep517 do-install runs it. BHYVETPL_UPDATE_GOLDEN=1 rewrites the
plist (and the completion files) and fails, showing the diff.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from bhyvetpl import __version__
from tests.golden_util import golden_diff

TOP = Path(__file__).resolve().parent.parent
PORT = TOP / "packaging" / "freebsd" / "sysutils" / "py-bhyvetpl"
PYPROJECT = tomllib.loads((TOP / "pyproject.toml").read_text(encoding="utf-8"))
WHEEL = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]
# Each run-time dependency's port: origin and package name (checked against the ports tree).
ORIGINS = {"typer": ("devel/py-typer", "typer"), "jinja2": ("devel/py-Jinja2", "Jinja2"),
           "packaging": ("devel/py-packaging", "packaging"),
           "tomlkit": ("textproc/py-tomlkit", "tomlkit")}
SITE = "%%PYTHON_SITELIBDIR%%"


def make_vars() -> dict[str, str]:
    """The port Makefile's assignments, continuation lines joined."""
    text = (PORT / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    return {m[1]: " ".join(m[2].split())
            for m in re.finditer(r"^([A-Z_]+)=\s*(.*)$", text, re.M)}


VARS = make_vars()


def depends(var: str) -> dict[str, tuple[str, str]]:
    """PKGNAME>=MIN:ORIGIN@FLAVOR entries: name -> (min version, origin)."""
    found = {}
    for entry in VARS[var].split():
        m = re.fullmatch(r"\$\{PYTHON_PKGNAMEPREFIX\}([\w.-]+)>=([\w.]+):([\w/.-]+)"
                         r"@\$\{PY_FLAVOR\}", entry)
        assert m, entry
        found[m[1]] = (m[2], m[3])
    return found


def test_version() -> None:
    assert VARS["DISTVERSION"] == PYPROJECT["project"]["version"] == __version__


def test_python_and_license() -> None:
    minimum = PYPROJECT["project"]["requires-python"].removeprefix(">=")
    assert VARS["USES"] == f"python:{minimum}+"
    assert PYPROJECT["project"]["license"] == "BSD-2-Clause" and VARS["LICENSE"] == "BSD2CLAUSE"
    assert (TOP / "LICENSE").read_text(encoding="utf-8").startswith("BSD 2-Clause License")
    assert "pep517" in VARS["USE_PYTHON"].split()


def test_run_depends_are_the_dependencies() -> None:
    wanted = {}
    for line in PYPROJECT["project"]["dependencies"]:
        req = Requirement(line)
        (spec,) = req.specifier
        assert spec.operator == ">=", line
        origin, pkgname = ORIGINS[req.name.lower()]
        wanted[pkgname] = (spec.version, origin)
    assert depends("RUN_DEPENDS") == wanted


def test_build_depends_is_the_build_backend() -> None:
    (backend,) = [Requirement(r) for r in PYPROJECT["build-system"]["requires"]]
    (spec,) = backend.specifier
    assert depends("BUILD_DEPENDS") == {backend.name: (spec.version, "devel/py-hatchling")}


def package_files() -> list[str]:
    """The wheel's package files, as hatch picks them (no bytecode) plus its force-include."""
    files = [p.relative_to(TOP).as_posix() for p in (TOP / "bhyvetpl").rglob("*")
             if p.is_file() and "__pycache__" not in p.parts]
    for source, target in WHEEL["force-include"].items():
        files += [f"{target}/{p.relative_to(TOP / source).as_posix()}"
                  for p in (TOP / source).rglob("*") if p.is_file()]
    return sorted(files)


def expected_plist() -> str:
    name = f"bhyvetpl-{'%%PORTVERSION%%'}.dist-info"
    lines = ["bin/bhyvetpl"]
    for path in package_files():
        lines.append(f"{SITE}/{path}")
        if path.endswith(".py"):
            folder, _, stem = path[:-3].rpartition("/")
            for tag in ("", ".opt-1"):
                lines.append(f"{SITE}/{folder}/__pycache__/{stem}"
                             f".cpython-%%PYTHON_SUFFIX%%{tag}.pyc")
    lines += [f"{SITE}/{name}/{f}" for f in
              ("METADATA", "RECORD", "WHEEL", "entry_points.txt", "licenses/LICENSE")]
    for target in WHEEL["shared-data"].values():  # man pages are gzipped by the framework
        lines.append(target + (".gz" if re.search(r"/man\d/.*\.\d$", target) else ""))
    return "".join(f"{line}\n" for line in sorted(lines))


def check_file(path: Path, text: str) -> None:
    """path holds text, or (BHYVETPL_UPDATE_GOLDEN=1) is rewritten and the test fails."""
    old = path.read_text(encoding="utf-8") if path.is_file() else None
    if old == text:
        return
    if os.environ.get("BHYVETPL_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    rel = path.relative_to(TOP).as_posix()
    raise AssertionError(f"{rel} is out of date (BHYVETPL_UPDATE_GOLDEN=1 rewrites it):\n"
                         f"{golden_diff(rel, old, text)}")


def test_plist_lists_what_the_wheel_installs() -> None:
    check_file(PORT / "pkg-plist", expected_plist())
    plist = (PORT / "pkg-plist").read_text(encoding="utf-8")
    assert "share/man/man8/bhyvetpl.8.gz\n" in plist
    assert "share/bash-completion/completions/bhyvetpl\n" in plist


def test_shared_data_files_exist_and_sdist_carries_them() -> None:
    include = PYPROJECT["tool"]["hatch"]["build"]["targets"]["sdist"]["include"]
    for source in WHEEL["shared-data"]:
        assert (TOP / source).is_file() and source.split("/")[0] in include
    assert "LICENSE" in include and PYPROJECT["project"]["license-files"] == ["LICENSE"]


@pytest.mark.parametrize(("shell", "path"), [("bash", "bhyvetpl.bash"), ("zsh", "_bhyvetpl"),
                                             ("fish", "bhyvetpl.fish")])
def test_shipped_completion_is_current(shell: str, path: str) -> None:
    done = subprocess.run([sys.executable, "-m", "bhyvetpl", "completion", shell],
                          capture_output=True, text=True, check=True)
    check_file(TOP / "completions" / path, done.stdout)


def test_pkg_descr() -> None:
    text = (PORT / "pkg-descr").read_text(encoding="utf-8")
    assert "bhyve" in text and all(len(line) <= 80 for line in text.splitlines())
    assert len(VARS["COMMENT"]) <= 70 and not VARS["COMMENT"].endswith(".")
