"""Any valid spec: the playbook run by real ansible-playbook matches the direct run.

The random specs and admin files (CRLF, no final LF: the `copy` fallback where
blockinfile would differ) of tests/test_spec_property.py, on three fresh stand-in hosts:
the direct run, the sh script and the playbook issue the same commands and leave the
same bytes; a second playbook run reports changed=0. Each example runs ansible-playbook
twice (tens of seconds), so CI draws few; BHYVETPL_PLAYBOOK_EXAMPLES=N draws more.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bhyvetpl.errors import SpecError
from bhyvetpl.facts.source import host_facts
from bhyvetpl.spec.load import parse_spec
from bhyvetpl.spec.resolve import resolve
from tests.test_emit_e2e import normalised, use
from tests.test_playbook import linted, play, start_lint
from tests.test_spec_property import HOST_FILES, AdminFile, admin_file, fresh_host, spec_text

EXAMPLES = int(os.environ.get("BHYVETPL_PLAYBOOK_EXAMPLES", "3"))


@settings(max_examples=EXAMPLES, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(text=spec_text(), files=st.fixed_dictionaries({rel: admin_file(rel)
                                                      for rel in HOST_FILES}))
def test_any_valid_spec_runs_the_same_through_the_playbook(
        text: str, files: dict[str, AdminFile]) -> None:
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as monkeypatch:
        base = Path(tmp)
        direct, script, ansible = (fresh_host(base / name, monkeypatch, files)
                                   for name in ("direct", "script", "ansible"))
        spec = base / "bhyvetpl.toml"
        spec.write_text(text)
        try:
            resolve(parse_spec(text, str(spec)), host_facts(direct.root))
        except SpecError:
            assume(False)
        for host in (direct, script, ansible):
            host.calls()
        args = ("apply", "-f", str(spec))

        use(direct, monkeypatch)
        code, out, err = direct.cli(*args, "--root", str(direct.root))
        assert code == 0, text + out + err
        calls = direct.calls()

        use(script, monkeypatch)
        code, sh, err = script.cli(*args, "--root", str(script.root), "--emit", "sh")
        assert code == 0, err
        code, out, err = script.sh(sh)
        assert code == 0, text + out + err
        assert script.calls() == calls
        assert normalised(script) == normalised(direct)

        use(ansible, monkeypatch)
        code, yml, err = ansible.cli(*args, "--root", str(ansible.root), "--emit", "ansible")
        assert code == 0, err
        playbook = base / "site.yml"
        playbook.write_text(yml)
        linting = start_lint(playbook)
        changed, failed, output = play(ansible, playbook)
        assert failed == 0, text + output
        assert ansible.calls() == calls, text
        assert normalised(ansible) == normalised(direct), text
        changed, failed, output = play(ansible, playbook)
        assert (changed, failed) == (0, 0), text + output
        assert normalised(ansible) == normalised(direct), text
        linted(linting)
