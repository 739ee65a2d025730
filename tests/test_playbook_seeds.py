"""The seed articles' setups (examples/*.toml) through all three consumers.

For each, from the clean host of tests/test_seed_e2e.py: the direct run, the sh script
and the playbook run by real `ansible-playbook -c local` (stand-ins first on PATH,
--root, --live) issue the same commands in the same order and leave byte-identical
files; a second playbook run reports changed=0 and runs none of the making commands.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.standin_env import Host, make_host
from tests.test_emit_e2e import normalised, use
from tests.test_playbook import linted, play, start_lint
from tests.test_seed_e2e import EXAMPLES, clean

MAKING = {("kldload", "-n"), ("zfs", "create"), ("bastille", "create"), ("pkg", "install"),
          ("service", "pf")}


def emitted(host: Host, spec: Path) -> tuple[str, list[tuple[str, ...]]]:
    """The playbook `apply --emit ansible` prints on this host, and its facts pass."""
    code, text, err = host.cli("apply", "-f", str(spec), "--root", str(host.root),
                               "--emit", "ansible")
    assert code == 0, err
    return text, host.calls()


@pytest.mark.parametrize(("example", "uplink"), [
    ("handbook-plain.toml", "em0"), ("neira-vnet-passthrough.toml", "em0"),
    ("hardenedbsd-shared.toml", "em0"), ("baldwin-laptop-nat.toml", "wlan0")],
    ids=["handbook", "neira", "hardenedbsd", "baldwin"])
def test_seed_setup_is_the_same_through_all_three(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, example: str, uplink: str) -> None:
    spec = tmp_path / "bhyvetpl.toml"
    shutil.copyfile(EXAMPLES / example, spec)
    direct, script, ansible = (make_host(tmp_path / name, monkeypatch)
                               for name in ("direct", "script", "ansible"))
    for host in (direct, script, ansible):
        clean(host, uplink)
    args = ("apply", "-f", str(spec))

    use(ansible, monkeypatch)
    text, facts_pass = emitted(ansible, spec)
    playbook = tmp_path / "site.yml"
    playbook.write_text(text)
    linting = start_lint(playbook)
    changed, failed, output = play(ansible, playbook)
    assert failed == 0 and changed > 0, output
    calls = facts_pass + ansible.calls()

    use(direct, monkeypatch)
    code, out, err = direct.cli(*args, "--root", str(direct.root))
    assert code == 0, out + err
    assert direct.calls() == calls
    assert normalised(ansible) == normalised(direct)

    use(script, monkeypatch)
    code, text, err = script.cli(*args, "--root", str(script.root), "--emit", "sh")
    assert code == 0, err
    code, out, err = script.sh(text)
    assert code == 0, out + err
    assert script.calls() == calls
    assert normalised(script) == normalised(direct)

    use(ansible, monkeypatch)
    changed, failed, output = play(ansible, playbook)
    assert (changed, failed) == (0, 0), output
    assert not [c for c in ansible.calls() if c[:2] in MAKING or c[2:3] == ("create",)]
    assert normalised(ansible) == normalised(direct)
    linted(linting)
