"""Every emitted word goes through one quoting routine; /bin/sh must read it back as is."""

from __future__ import annotations

import subprocess

from hypothesis import given, settings
from hypothesis import strategies as st

from bhyvetpl.shquote import join, quote

TEXT = st.text(st.characters(blacklist_categories=["Cs"], blacklist_characters="\0"),
               max_size=30)


def test_safe_words_stay_bare() -> None:
    assert quote("net.link.tap.up_on_open=1") == "net.link.tap.up_on_open=1"
    assert quote("") == "''"
    assert quote("it's $HOME") == "'it'\\''s $HOME'"


@settings(max_examples=40, deadline=None)
@given(words=st.lists(TEXT, min_size=1, max_size=4))
def test_sh_reads_back_every_word(words: list[str]) -> None:
    script = "for w in " + join(words) + "; do printf '%s\\0' \"$w\"; done"
    out = subprocess.run(["/bin/sh", "-c", script], capture_output=True, check=True).stdout
    assert out.decode("utf-8", "surrogateescape").split("\0")[:-1] == words
