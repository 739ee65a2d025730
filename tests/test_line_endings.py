"""replace_block and the script's awk agree byte for byte: CRLF, lone CR, no final LF."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bhyvetpl.emit import AWK_EDIT
from bhyvetpl.plan.hostfile import HostFileError, replace_block

AWKS = [path for name in ("mawk", "original-awk", "nawk", "gawk", "busybox")
        if (path := shutil.which(name))]
BEGIN, END = "# BEGIN bhyvetpl web", "# END bhyvetpl web"
BLOCK = f"{BEGIN}\nvmm_load=\"YES\"\n{END}\n"
LINE = st.sampled_from([BEGIN, END, BEGIN + "\r", END + "\r", "}", "}\r", "a=1", "a=1\r",
                        "x\ry", "\r", "", "é\r", " " + BEGIN])
EOL = st.sampled_from(["\n", "\r\n"])


def awk_edit(awk: str, text: str, anchor: str | None) -> tuple[int, bytes]:
    """The emitted script's edit, run by /bin/sh with this awk as `awk`."""
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        (base / "block").write_bytes(BLOCK.encode())
        (base / "file").write_bytes(text.encode("utf-8", "surrogateescape"))
        (base / "bin").mkdir()
        argv0 = [awk, "awk"] if awk.endswith("busybox") else [awk]
        (base / "bin/awk").write_text(f'#!/bin/sh\nexec {" ".join(argv0)} "$@"\n')
        (base / "bin/awk").chmod(0o755)
        proc = subprocess.run(
            ["/bin/sh", "-c", 'PATH="$1:$PATH"; awk -v bmark="$2" -v emark="$3" -v anchor="$4" '
             '"$5" "$6" "$7"', "sh", str(base / "bin"), BEGIN, END, anchor or "", AWK_EDIT,
             str(base / "block"), str(base / "file")],
            capture_output=True, check=False)
    return proc.returncode, proc.stdout


def python_edit(text: str, anchor: str | None) -> tuple[int, bytes]:
    try:
        return 0, replace_block(text, BLOCK, BEGIN, END, anchor).encode("utf-8",
                                                                      "surrogateescape")
    except HostFileError:
        return -1, b""


@pytest.mark.skipif(not AWKS, reason="no awk")
@pytest.mark.parametrize("awk", AWKS)
@settings(max_examples=60, deadline=None)
@given(lines=st.lists(st.tuples(LINE, EOL), max_size=7), final=st.booleans(),
       anchor=st.sampled_from([None, "}"]))
def test_python_and_awk_agree(awk: str, lines: list[tuple[str, str]], final: bool,
                              anchor: str | None) -> None:
    text = "".join(line + eol for line, eol in lines)
    if not final and text.endswith("\n"):
        text = text[:-1]
    code, out = python_edit(text, anchor)
    acode, aout = awk_edit(awk, text, anchor)
    if code:
        assert acode in (3, 4)
    else:
        assert (acode, aout) == (0, out)


@pytest.mark.parametrize(("before", "after"), [
    pytest.param(f"a=1\r\n{BEGIN}\r\nold\r\n{END}\r\nz=2\r\n",
                 f"a=1\r\n{BEGIN}\r\nvmm_load=\"YES\"\r\n{END}\r\nz=2\r\n", id="crlf-replaced"),
    pytest.param("a=1\r\n", f"a=1\r\n{BEGIN}\r\nvmm_load=\"YES\"\r\n{END}\r\n", id="crlf-added"),
    pytest.param("a=\"x\ry\"\n", f"a=\"x\ry\"\n{BLOCK}", id="lone-cr-is-no-break"),
    pytest.param(f"{BEGIN}\rx\n", f"{BEGIN}\rx\n{BLOCK}", id="cr-inside-is-no-marker"),
])
def test_line_ends_kept(before: str, after: str) -> None:
    assert replace_block(before, BLOCK, BEGIN, END) == after
    assert replace_block(after, BLOCK, BEGIN, END) == after
    for awk in AWKS:
        assert awk_edit(awk, before, None) == (0, after.encode())
