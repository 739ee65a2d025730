from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from bhyvetpl.hostfs import vmconf
from bhyvetpl.lint import lint_text

LINE = st.text(alphabet=st.sampled_from(list('abcdeklmnorsuy_019 \t="\'#\\*$ {}\r=')), max_size=30)
KEYS = st.sampled_from([*sorted(vmconf.PLAIN_KEYS), "disk0_name", "network1_switch",
                        "passthru0", "ARG", "CONFIG set"])
TEXT = st.lists(st.one_of(LINE, st.tuples(KEYS, LINE).map("=".join),
                          st.tuples(KEYS, LINE).map(" ".join)), max_size=12).map("\n".join)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_linters_never_crash_and_stay_in_file(text: str) -> None:
    count = text.count("\n") + 1
    for kind in ("vmconf", "bastillefile"):
        for finding in lint_text(Path("f"), text, kind):
            assert 1 <= finding.line <= count and finding.severity in ("error", "warning")


@settings(max_examples=200, deadline=None)
@given(KEYS.filter(lambda k: k.islower()), st.text(
    alphabet=st.sampled_from(list("abcdefxyz0123456789._/:-")), min_size=1, max_size=20))
def test_written_value_reads_back(key: str, value: str) -> None:
    # What bhyvetpl writes, key="value" at column 0, is what config::get returns.
    lines = vmconf.load(f'{key}="{value}"\n')
    assert vmconf.get(lines, key) == value
