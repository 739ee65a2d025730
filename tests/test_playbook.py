"""The playbook is the plan's fourth consumer: same commands, same order, same bytes.

For one spec, the direct run, the POSIX sh script and the playbook run by real
`ansible-playbook -c local` (stand-ins first on PATH, files below --root) issue the same
commands and leave byte-identical files; a second playbook run reports changed=0, and
ansible-lint (offline) finds nothing in the playbook.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from bhyvetpl.plan.actions import Plan, RunCommand, WriteFile
from bhyvetpl.playbook import HostPlan, emit_playbook
from bhyvetpl.yamlquote import quote
from tests.standin_env import Host, make_host
from tests.test_emit_e2e import normalised, run_both, seed, twin_hosts, use
from tests.test_hostile_values import PREFIXES, SUFFIXES
from tests.test_spec_plan import SPEC

BIN = Path(sys.executable).parent
RECAP_RE = re.compile(r"ok=\d+\s+changed=(\d+)\s+unreachable=0\s+failed=(\d+)")


def ansible_env(base: Path) -> dict[str, str]:
    return dict(os.environ, ANSIBLE_HOME=str(base / "ansible"),
                ANSIBLE_LOCAL_TEMP=str(base / "ansible-tmp"), ANSIBLE_NOCOLOR="1",
                ANSIBLE_PYTHON_INTERPRETER=sys.executable, ANSIBLE_PIPELINING="1",
                LC_ALL="C.UTF-8")


def play(host: Host, playbook: Path, *extra: str) -> tuple[int, int, str]:
    """Run ansible-playbook locally; (changed, failed, output)."""
    proc = subprocess.run([str(BIN / "ansible-playbook"), "-i", "localhost,", "-c", "local",
                           *extra, str(playbook)], capture_output=True, text=True,
                          check=False, env=ansible_env(host.base))
    found = RECAP_RE.search(proc.stdout)
    assert found, proc.stdout[-3000:] + proc.stderr[-3000:]
    return int(found.group(1)), int(found.group(2)), proc.stdout + proc.stderr


def start_lint(playbook: Path) -> subprocess.Popen[str]:
    """ansible-lint (offline, production profile) on a playbook or role directory: started
    beside the playbook runs, as it takes seconds of its own; `linted` waits for it."""
    return subprocess.Popen([str(BIN / "ansible-lint"), "--offline", "--nocolor", "-q",
                             str(playbook)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, cwd=playbook.parent if playbook.is_file() else playbook,
                            env=ansible_env(playbook.parent))


def linted(proc: subprocess.Popen[str]) -> None:
    out, _ = proc.communicate()
    assert proc.returncode == 0, out


def lint(playbook: Path) -> None:
    linted(start_lint(playbook))


def test_three_consumers_issue_the_same_commands_and_leave_the_same_bytes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    direct, script = twin_hosts(tmp_path, monkeypatch)
    spec = tmp_path / "bhyvetpl.toml"
    spec.write_text(SPEC)
    (code, out), (scode, sout) = run_both(("apply", "-f", str(spec)), direct, script,
                                          monkeypatch)
    assert (code, scode) == (0, 0), out + sout
    calls = direct.calls()
    assert calls == script.calls()

    host = make_host(tmp_path / "ansible", monkeypatch)
    seed(host)
    use(host, monkeypatch)
    code, text, err = host.cli("apply", "-f", str(spec), "--root", str(host.root),
                               "--emit", "ansible")
    assert code == 0, err
    facts_pass = host.calls()
    playbook = tmp_path / "site.yml"
    playbook.write_text(text)
    linting = start_lint(playbook)
    # The run goes through the role `plan -o DIR` writes: the same tasks, included
    code, out, err = host.cli("plan", "-f", str(spec), "--root", str(host.root), "--live",
                              "--emit", "ansible", "-o", str(tmp_path / "role"))
    assert code == 0, err
    assert "next: ansible-playbook" in out
    unsafe_as_text()
    tasks = yaml.safe_load((tmp_path / "role/roles/bhyvetpl/tasks/localhost.yml").read_text())
    assert tasks == yaml.safe_load(text)[0]["tasks"]
    assert host.calls() == facts_pass
    playbook = tmp_path / "role/site.yml"
    changed, failed, output = play(host, playbook)
    assert failed == 0 and changed > 0, output
    assert facts_pass + host.calls() == calls   # the facts pass (at emit), the plan's commands
    assert normalised(host) == normalised(direct)

    templates = host.root / "usr/local/bastille/jails/bhyve/root/vms/.templates"
    assert not list(templates.glob("bhyvetpl-guest-*"))   # vm create copied them: gone
    changed, failed, output = play(host, playbook)
    assert (changed, failed) == (0, 0), output   # the guests exist: written nor removed
    again = host.calls()
    assert again and not any(c[:2] in {("bastille", "create"), ("kldload", "-n")}
                             for c in again)
    assert normalised(host) == normalised(direct)
    linted(linting)


HOSTILE = sorted({*SUFFIXES.values(), *PREFIXES.values(), "{{ lookup('pipe', 'id') }}",
                  "{% raw %}", "{# x", "key: value", "- item", "'\"", "\\", "#x", "a\r\nb",
                  "&anchor *alias !tag", "\t lead", "trail \t", "\u2028", "é" * 120})


def unsafe_as_text() -> None:
    """Read Ansible's `!unsafe` tag as the plain text it tags."""
    def construct(loader: yaml.SafeLoader, node: yaml.Node) -> str:
        assert isinstance(node, yaml.ScalarNode)
        return str(loader.construct_scalar(node))
    yaml.add_constructor("!unsafe", construct, Loader=yaml.SafeLoader)


@given(st.lists(st.sampled_from(HOSTILE), min_size=1, max_size=4).map("".join))
@settings(max_examples=200, deadline=None)
def test_quoted_values_read_back_exactly(text: str) -> None:
    """What PyYAML (Ansible's reader) reads back is the text, one scalar, at any indent."""
    document = f"key:\n  - {quote(text, 4)}\nother: 1\n"
    unsafe_as_text()
    assert yaml.safe_load(document) == {"key": [text], "other": 1}
    assert all(len(line) < 160 for line in document.splitlines())


def test_hostile_values_never_leave_their_scalar(tmp_path: Path) -> None:
    """A plan whose paths, argv and text carry hostile values: parsed back exactly."""
    root = tmp_path / "r"
    steps = tuple(step for i, value in enumerate(HOSTILE) for step in (
        WriteFile(root / f"f{i}", value + "\n"), RunCommand(("echo", value))))
    text = emit_playbook([HostPlan("localhost", Plan("hostile", steps, root=root))])
    unsafe_as_text()
    plays = yaml.safe_load(text)
    tasks = flat(plays[0]["tasks"])
    copies = [t["ansible.builtin.copy"]["content"] for t in tasks
              if "content" in t.get("ansible.builtin.copy", {})]
    argvs = [t["ansible.builtin.command"]["argv"] for t in tasks
             if "ansible.builtin.command" in t
             and t["ansible.builtin.command"]["argv"][0] not in {"find", "sh"}]   # looks, lock
    assert copies == [v + "\n" for v in HOSTILE]
    assert argvs == [["echo", v] for v in HOSTILE]
    for line in text.splitlines():
        assert "{{" not in line or "!unsafe" in line or "bhyvetpl_" in line or line.startswith(
            (" ", "\\"))


def flat(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tasks with each block's own tasks in its place (rescue and always left out)."""
    out = []
    for task in tasks:
        block = task.get("block")
        out += flat(block) if isinstance(block, list) else [task]
    return out


LOCK = "var/run/bhyvetpl.lock"


@pytest.mark.parametrize("failing", [("bastille", "template"), ("service", "devfs", "restart")],
                         ids=["template", "devfs-restart"])
def test_a_failed_step_puts_back_what_the_playbook_changed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: tuple[str, ...]) -> None:
    """As apply: the files as before (no .bhyvetpl.bak left), the lock let go, the same
    commands up to the failed one; a stale lock (its holder gone) is taken over."""
    spec = tmp_path / "bhyvetpl.toml"
    spec.write_text(SPEC)
    direct = make_host(tmp_path / "direct", monkeypatch)
    host = make_host(tmp_path / "ansible", monkeypatch)
    for each in (direct, host):
        seed(each)
        each.fail(*failing)
    before = direct.snapshot()
    use(direct, monkeypatch)
    code, out, err = direct.cli("apply", "-f", str(spec), "--root", str(direct.root))
    assert code == 1, out + err
    restored = direct.snapshot()   # a file a command made (bastille's jail.conf) stays
    assert {k: v for k, v in restored.items() if k in before} == before

    use(host, monkeypatch)
    code, text, err = host.cli("apply", "-f", str(spec), "--root", str(host.root),
                               "--emit", "ansible")
    assert code == 0, err
    facts_pass = host.calls()
    playbook = tmp_path / "site.yml"
    playbook.write_text(text)
    (host.root / LOCK).mkdir(parents=True)
    (host.root / LOCK / "pid").write_text("999999999\n")   # above any pid_max: gone
    _, failed, output = play(host, playbook)
    assert failed == 1, output
    assert "injected failure" in output and "put back" in output
    assert facts_pass + host.calls() == direct.calls()
    assert host.snapshot() == restored
    assert not (host.root / LOCK).exists()
    assert not list(host.root.rglob("*.bhyvetpl.bak"))


def test_bhyvetpl_imports_no_ansible_and_no_yaml() -> None:
    code = ("import sys, bhyvetpl.playbook, bhyvetpl.run; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('ansible', 'yaml')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.strip() == "[]"
