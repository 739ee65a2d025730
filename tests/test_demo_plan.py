"""`bhyvetpl demo --plan`: the lab planned against a recorded FreeBSD 14.3 host."""

from __future__ import annotations

from pathlib import Path

import pytest

from bhyvetpl.cli.app import app
from bhyvetpl.facts.demo import FACTS_FILE, ROOT_FILE, demo_root
from bhyvetpl.spec.load import example_spec
from tests.cli_runner import cli_runner
from tests.demo_facts import build


def test_demo_facts_are_up_to_date(tmp_path: Path) -> None:
    facts, root = build(tmp_path)
    assert FACTS_FILE.read_text(encoding="utf-8") == facts, "run: python -m tests.demo_facts"
    assert ROOT_FILE.read_text(encoding="utf-8") == root, "run: python -m tests.demo_facts"


def test_demo_plan_shows_the_lab_against_the_recorded_host(tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch
                                                           ) -> None:
    monkeypatch.chdir(tmp_path)
    result = cli_runner().invoke(app, ["demo", "--plan"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "recorded FreeBSD 14.3-RELEASE host" in out
    assert "guest   bhyve/deb1" in out and "vm create" in out       # missing: created
    assert "bhyve/fbsd1" not in out                                # exists: left alone
    assert "guest  bhyve/grub1  not in spec (left alone)" in out   # never removed
    assert "sysctl  net.link.tap.up_on_open" in out
    assert not any(tmp_path.iterdir())                             # writes nothing


def test_wheel_ships_the_lab_example() -> None:
    text = (Path(__file__).resolve().parent.parent / "pyproject.toml").read_text()
    assert '"examples" = "bhyvetpl/examples"' in text
    assert example_spec("lab").name == "lab.toml"


def test_init_of_the_recorded_host_plans_no_jail_or_guest(tmp_path: Path) -> None:
    facts = tmp_path / "facts.json"
    facts.write_text(FACTS_FILE.read_text())
    root = demo_root(tmp_path / "root")
    spec = tmp_path / "spec.toml"
    runner = cli_runner()
    result = runner.invoke(app, ["init", "-f", str(spec), "--facts", str(facts)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["plan", "-f", str(spec), "--facts", str(facts),
                                 "--root", str(root)])
    # bhyvetpl never ran on that host: its own blocks and templates are changes, said so.
    assert result.exit_code == 3, result.output
    assert "as on a host bhyvetpl has not prepared yet" in result.stdout
    assert "not in spec" not in result.stdout
    assert not any(line.startswith(("jail ", "guest ")) for line in result.stdout.splitlines())
