"""`render -o DIR` never replaces a file bhyvetpl did not write, unless --force."""

from __future__ import annotations

from pathlib import Path

from bhyvetpl.cli import app
from tests.cli_runner import cli_runner


def render(out: Path, *extra: str) -> tuple[int, str]:
    result = cli_runner().invoke(app, ["render", "jail", "web", "-o", str(out),
                                                      *extra])
    return result.exit_code, result.stderr


def test_a_foreign_file_is_refused_then_forced(tmp_path: Path) -> None:
    out = tmp_path / "t"
    out.mkdir()
    mine = out / "Bastillefile"
    mine.write_text("PKG my-own\n")
    mine.chmod(0o600)
    code, err = render(out)
    assert code == 2 and str(mine) in err and "--force" in err and err.count("\n") == 1
    assert mine.read_text() == "PKG my-own\n"
    assert sorted(p.name for p in out.iterdir()) == ["Bastillefile"]   # nothing written
    code, err = render(out, "--force")
    assert code == 0, err
    assert "rendered by bhyvetpl" in mine.read_text()
    assert mine.stat().st_mode & 0o777 == 0o600   # an existing file keeps its mode


def test_its_own_files_are_replaced_but_not_after_an_edit(tmp_path: Path) -> None:
    out = tmp_path / "t"
    assert render(out)[0] == 0
    assert render(out)[0] == 0   # a second run: its own unchanged files, fine
    conf = out / "vm-templates/bhyvetpl-freebsd.conf"
    conf.write_text(conf.read_text() + "# tuned by hand\n")
    code, err = render(out)
    assert code == 2 and str(conf) in err
    assert conf.read_text().endswith("# tuned by hand\n")


def test_a_symlink_below_the_output_is_not_followed(tmp_path: Path) -> None:
    out, outside = tmp_path / "t", tmp_path / "outside"
    out.mkdir()
    outside.mkdir()
    (out / "vm-templates").symlink_to(outside)
    code, err = render(out, "--force")
    assert code == 1 and "vm-templates is a symlink" in err
    assert not any(outside.iterdir())
