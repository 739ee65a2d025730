"""Marked-block edits and ruleset clashes; the sh script's awk must agree with Python."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bhyvetpl.emit import AWK_EDIT, AWK_RULESET
from bhyvetpl.plan.hostfile import HostFileError, replace_block, ruleset_clash

AWK = shutil.which("awk") or "/usr/bin/awk"
BEGIN, END = "# BEGIN bhyvetpl web", "# END bhyvetpl web"
BLOCK = f"{BEGIN}\nvmm_load=\"YES\"\n{END}\n"


@pytest.mark.parametrize(("before", "after"), [
    pytest.param("", BLOCK, id="empty"),
    pytest.param("a=1\n", "a=1\n" + BLOCK, id="append"),
    pytest.param("a=1", "a=1\n" + BLOCK, id="no-final-newline"),
    pytest.param(f"a=1\n{BEGIN}\nold\n{END}\nb=2\n", f"a=1\n{BLOCK}b=2\n", id="replace"),
    pytest.param(f"{BEGIN}\nold\n{END}\nx\n{BEGIN}\nold2\n{END}\n", f"{BLOCK}x\n{BEGIN}\nold2\n"
                 f"{END}\n", id="first-block-only"),
    pytest.param("# BEGIN bhyvetpl other\nz\n# END bhyvetpl other\n",
                 "# BEGIN bhyvetpl other\nz\n# END bhyvetpl other\n" + BLOCK, id="other-owner"),
])
def test_replace_block(before: str, after: str) -> None:
    assert replace_block(before, BLOCK, BEGIN, END) == after
    assert replace_block(after, BLOCK, BEGIN, END) == after   # a second run changes nothing


def test_anchor_puts_block_inside_jail_braces() -> None:
    conf = "web {\n  vnet;\n}\n"
    assert replace_block(conf, BLOCK, BEGIN, END, "}") == "web {\n  vnet;\n" + BLOCK + "}\n"


@pytest.mark.parametrize(("text", "anchor"), [(f"x\n{BEGIN}\nno end\n", None), ("x\n", "}")],
                         ids=["unterminated", "no-anchor"])
def test_unsafe_edits_refused(text: str, anchor: str | None) -> None:
    with pytest.raises(HostFileError):
        replace_block(text, BLOCK, BEGIN, END, anchor)


def awk_edit(tmp: Path, text: str | None, anchor: str | None) -> tuple[int, str]:
    (tmp / "block").write_text(BLOCK)
    target = tmp / "file"
    if text is None:
        target.unlink(missing_ok=True)
    else:
        target.write_text(text)
    proc = subprocess.run(
        [AWK, "-v", f"bmark={BEGIN}", "-v", f"emark={END}", "-v", f"anchor={anchor or ''}",
         AWK_EDIT, str(tmp / "block"), str(target) if text is not None else "/dev/null"],
        capture_output=True, text=True, check=False)
    return proc.returncode, proc.stdout


LINES = st.sampled_from(["a=1", "", "}", "  x", BEGIN, END, "# BEGIN bhyvetpl webx", "web {"])


@settings(max_examples=60, deadline=None)
@given(lines=st.lists(LINES, max_size=8), final_newline=st.booleans(),
       anchor=st.sampled_from([None, "}"]))
def test_awk_edit_matches_python(tmp_path_factory: pytest.TempPathFactory, lines: list[str],
                                 final_newline: bool, anchor: str | None) -> None:
    text = "\n".join(lines) + ("\n" if final_newline and lines else "")
    code, out = awk_edit(tmp_path_factory.mktemp("awk"), text, anchor)
    try:
        expected = replace_block(text, BLOCK, BEGIN, END, anchor)
    except HostFileError:
        assert code in (3, 4)
    else:
        assert (code, out) == (0, expected)


DEFAULT_RULES = (Path(__file__).parent / "fixtures" /
                 "etc-defaults-devfs.rules-freebsd14-vendor-0f7ff34.txt").read_text()
BHYVE_25 = (Path(__file__).parent / "fixtures" / "etc-devfs.rules-bhyve-jail-25.txt").read_text()


@pytest.mark.parametrize(("text", "number", "name", "clash"), [
    pytest.param("", 25, "bhyve_rules", None, id="empty"),
    pytest.param(BHYVE_25, 25, "mine", ("[devfs_rules_bhyve_jail=25]", 26), id="number"),
    pytest.param(BHYVE_25, 30, "devfs_rules_bhyve_jail", ("[devfs_rules_bhyve_jail=25]", 31),
                 id="name"),
    pytest.param(BHYVE_25 + "[x=26]\n", 25, "mine", ("[devfs_rules_bhyve_jail=25]", 27),
                 id="skips-used"),
    pytest.param(DEFAULT_RULES, 4, "mine", ("[devfsrules_jail=4]", 6), id="defaults"),
    pytest.param(f"{BEGIN}\n[mine=25]\n{END}\n", 25, "mine", None, id="own-block"),
])
def test_ruleset_clash(tmp_path: Path, text: str, number: int, name: str,
                       clash: tuple[str, int] | None) -> None:
    found = ruleset_clash(text, number, name, BEGIN, END)
    assert (found and (found.header, found.next_free)) == clash or (found is None and
                                                                      clash is None)
    (tmp_path / "rules").write_text(text)
    proc = subprocess.run([AWK, "-v", "path=P", "-v", f"num={number}", "-v", f"name={name}",
                           "-v", "reserved=1 2 3 4 5 13", "-v", f"bmark={BEGIN}", "-v",
                           f"emark={END}", AWK_RULESET, str(tmp_path / "rules")],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == (0 if clash is None else 2)
    if clash is not None:
        assert f"`{clash[0]}`" in proc.stderr and f"--ruleset {clash[1]} " in proc.stderr
