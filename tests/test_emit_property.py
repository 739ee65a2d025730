"""Any accepted name reaches the commands unchanged, in the direct run and in the script."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.test_emit_e2e import run_both, twin_hosts

JAIL = st.from_regex(r"[A-Za-z][A-Za-z0-9]{0,15}", fullmatch=True)  # vnet: no - or _
GUEST = st.from_regex(r"[a-z0-9][.a-z0-9_-]{0,14}[a-z0-9]", fullmatch=True)
# --root may not hold $ ` % \ " (the model refuses them); quotes, spaces, globs and
# separators must stay inert.
ODD = st.text(alphabet=st.sampled_from(list("ab ';&|*()")), min_size=1, max_size=8)


@settings(max_examples=12, deadline=None)
@given(jail=JAIL, guest=GUEST, odd=ODD)
def test_names_round_trip_through_the_script(jail: str, guest: str, odd: str) -> None:
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as monkeypatch:
        direct, script = twin_hosts(Path(tmp), monkeypatch, odd=odd)
        for host in (direct, script):
            for kind in ("jails", "running"):
                (host.state / kind).mkdir(exist_ok=True)
                (host.state / kind / jail).touch()
        (code, out), (scode, sout) = run_both(("new-guest", jail, guest), direct, script,
                                              monkeypatch)
        assert (code, scode) == (0, 0), out + sout
        calls = direct.calls()
        assert calls == script.calls()
        assert ("bastille", "cmd", jail, "vm", "create", "-t", f"bhyvetpl-guest-{guest}",
                "-s", "20G", guest) in calls
        assert direct.snapshot() == script.snapshot()
