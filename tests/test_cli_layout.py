"""The CLI's house rules, read from the imports: command modules stand side by side, alone.

A command module (one bhyvetpl.cli.commands.COMMANDS names) imports no other command
module; the shared cli modules import none; nothing below the CLI imports it; no cli module
reads the host (hostfs) or checks values (model.values) itself; the table imports nothing
back, and the fast entry reaches the whole app only lazily (a bare `bhyvetpl`).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from bhyvetpl.cli.commands import COMMANDS, PACKAGE

PKG = Path(__file__).resolve().parent.parent / "bhyvetpl"
CLI = PKG / "cli"
COMMAND_MODULES = sorted({f"{PACKAGE}.{module}" for module, _ in COMMANDS.values()})
ALL_CLI = sorted(f"{PACKAGE}.{p.stem}" for p in CLI.glob("*.py") if p.stem != "__init__")
SHARED = sorted(set(ALL_CLI) - set(COMMAND_MODULES))
FORBIDDEN_IN_CLI = ("bhyvetpl.hostfs", "bhyvetpl.model.values", "click")


def imports(module: str, top_only: bool = False) -> set[str]:
    """Every module (and `from X import name` as X.name) that module imports."""
    path = PKG.parent.joinpath(*module.split(".")).with_suffix(".py")
    if not path.exists():
        path = path.with_suffix("") / "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_only else list(ast.walk(tree))
    found: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_the_table_names_existing_modules() -> None:
    assert set(COMMAND_MODULES) <= set(ALL_CLI)
    assert {"bhyvetpl.cli.app", "bhyvetpl.cli.entry", "bhyvetpl.cli.commands",
            "bhyvetpl.cli.boundary", "bhyvetpl.cli.options"} <= set(SHARED)


@pytest.mark.parametrize("module", COMMAND_MODULES)
def test_no_command_module_imports_another(module: str) -> None:
    others = set(COMMAND_MODULES) - {module}
    assert not imports(module) & others


@pytest.mark.parametrize("module", SHARED)
def test_shared_cli_modules_import_no_command_module(module: str) -> None:
    # bhyvetpl.cli.app builds every command through the table (import_module), by name.
    assert not imports(module) & set(COMMAND_MODULES)


@pytest.mark.parametrize("module", ALL_CLI)
def test_cli_modules_neither_read_the_host_nor_check_values(module: str) -> None:
    found = imports(module)
    bad = {name for name in found for prefix in FORBIDDEN_IN_CLI
           if name == prefix or name.startswith(prefix + ".")}
    assert not bad  # `from bhyvetpl.model import values` shows as bhyvetpl.model.values


def test_nothing_below_the_cli_imports_it() -> None:
    for path in PKG.rglob("*.py"):
        module = ".".join(path.relative_to(PKG.parent).with_suffix("").parts)
        if module.startswith(PACKAGE + ".") or module == PACKAGE:
            continue
        allowed = {"bhyvetpl.cli.entry", "bhyvetpl.cli.entry.main"} \
            if module == "bhyvetpl.__main__" else set()
        assert not {n for n in imports(module) if n == PACKAGE
                    or n.startswith(PACKAGE + ".")} - allowed, module


def test_one_way_between_the_table_the_entry_and_the_app() -> None:
    assert not {n for n in imports("bhyvetpl.cli.commands") if n.startswith("bhyvetpl")}
    assert not {n for n in imports("bhyvetpl.cli.app") if n.startswith("bhyvetpl.cli.entry")}
    entry_top = imports("bhyvetpl.cli.entry", top_only=True)
    assert not {n for n in entry_top if n.startswith("bhyvetpl.cli.app")}
    assert not imports(PACKAGE)  # the package itself stays empty: the entry imports little


def test_readme_lists_every_command() -> None:
    readme = (PKG.parent / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Commands\n", 1)[1].split("\n## ", 1)[0]
    assert all(f"| `bhyvetpl {name}" in table for name in COMMANDS)


def test_render_guest_loads_no_facts_spec_or_plan_layer() -> None:
    """Start-up is measured on `render guest`: it must not pull in the layers it never uses.

    (demo --plan once sat in cli/render.py and took the ratio from 1.31x to 1.58x.)
    """
    import subprocess
    import sys

    code = ("import sys\nfrom bhyvetpl.cli.entry import main\ntry:\n"
            "    main(['render', 'guest', 'g1'])\nexcept SystemExit:\n    pass\n"
            "print(' '.join(sorted(m for m in sys.modules if m.startswith('bhyvetpl'))),"
            " file=sys.stderr)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    loaded = done.stderr.split()
    assert "bhyvetpl.model.guest" in loaded
    heavy = [m for m in loaded if m.startswith(("bhyvetpl.facts", "bhyvetpl.spec",
                                                "bhyvetpl.plan", "bhyvetpl.doctor"))]
    assert heavy == []
