"""A fleet: one spec, each host planned on the controller from its own recorded facts.

The record carries the host files a plan reads, so planning it on another machine
gives the very plan the host would make of itself; the controller's /etc is not read.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.standin_env import Host, make_host
from tests.test_emit_e2e import seed, use
from tests.test_spec_plan import SPEC

FLEET = """version = 1

[host]
release = "auto"
uplink = "auto"

[jails.web]
hosts = ["alpha"]
network = "vnet"
address = "SYNCDHCP"

[jails.db]
hosts = ["dbservers"]
network = "vnet"
address = "SYNCDHCP"

[jails.lab]
network = "vnet"
address = "SYNCDHCP"
[jails.lab.guests.fbsd1]
preset = "freebsd"
"""


def record(host: Host, monkeypatch: pytest.MonkeyPatch, into: Path, name: str) -> Any:
    """`bhyvetpl facts --json` on the host, saved as the first play saves it."""
    use(host, monkeypatch)
    code, out, err = host.cli("facts", "--json", "--root", str(host.root))
    assert code == 0, err
    into.mkdir(exist_ok=True)
    (into / f"{name}.json").write_text(out)
    host.calls()
    return json.loads(out)


def test_planned_from_the_record_is_planned_on_the_host(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fleet's playbook for a recorded host is the one `apply --emit ansible` prints there."""
    host = make_host(tmp_path / "h", monkeypatch)
    seed(host)
    (host.root / "boot").mkdir()
    (host.root / "boot/loader.conf").write_text('vmm_load="YES"\n')   # the block leaves it out
    spec = tmp_path / "spec.toml"
    spec.write_text(SPEC)
    facts = tmp_path / "facts"
    saved = record(host, monkeypatch, facts, "localhost")
    assert "/etc/rc.conf" in saved["facts"]["files"]
    code, local, err = host.cli("apply", "-f", str(spec), "--root", str(host.root),
                                "--emit", "ansible")
    assert code == 0, err
    host.calls()
    monkeypatch.setenv("PATH", "/usr/bin:/bin")   # nothing of this host is run from here
    code, fleet, err = host.cli("plan", "-f", str(spec), "--facts-dir", str(facts),
                                "--root", str(host.root), "--emit", "ansible", "--live")
    assert code == 0, err
    assert fleet == local
    assert host.calls() == []


def test_each_host_gets_its_jails_and_its_own_facts(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    facts = tmp_path / "facts"
    for name, uplink in (("alpha", "em0"), ("beta", "igb0"), ("gamma", "em0")):
        host = make_host(tmp_path / name, monkeypatch)
        seed(host)
        (host.state / "routes").write_text((host.state / "routes").read_text().replace(
            "em0", uplink))
        record(host, monkeypatch, facts, name)
    (facts / "beta.groups").write_text("dbservers\nall\n")
    spec = tmp_path / "fleet.toml"
    spec.write_text(FLEET)
    code, out, err = host.cli("plan", "-f", str(spec), "--facts-dir", str(facts),
                              "--emit", "ansible")
    assert code == 0, err
    plays = out.split("\n- name: ")[1:]
    assert [p.split("hosts: ", 1)[1].split("\n", 1)[0] for p in plays] == [
        '"alpha"', '"beta"', '"gamma"']
    alpha, beta, gamma = plays
    assert '"web"' in alpha and '"db"' not in alpha and '"lab"' in alpha
    assert '"db"' in beta and '"web"' not in beta and '"lab"' in beta
    assert '"web"' not in gamma and '"db"' not in gamma and '"lab"' in gamma
    assert '"igb0"' in beta and '"igb0"' not in alpha
    assert str(tmp_path) not in out   # planned below scratch roots, run below /

    code, out, err = host.cli("plan", "-f", str(spec), "--facts-dir", str(facts))
    assert code == 3, err
    assert out.startswith("== alpha\n") and "== beta\n" in out


@pytest.mark.parametrize(("args", "field"), [
    (("--facts-dir", "missing"), "--facts-dir"),
    (("--facts-dir", "FACTS", "--emit", "sh"), "--emit"),
    (("-o", "out"), "-o"),
])
def test_fleet_flags_refused(tmp_path: Path, fake_host: Host, args: tuple[str, ...],
                             field: str) -> None:
    spec = tmp_path / "fleet.toml"
    spec.write_text(FLEET)
    (tmp_path / "FACTS").mkdir()
    (tmp_path / "FACTS" / "x.json").write_text("{}")
    args = tuple(str(tmp_path / a) if a in ("missing", "FACTS", "out") else a for a in args)
    code, out, err = fake_host.cli("plan", "-f", str(spec), *args)
    assert code == 2, out + err
    assert field in err and len(err.strip().splitlines()) == 1


def test_hosts_key_takes_inventory_names(tmp_path: Path, fake_host: Host,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    seed(fake_host)
    use(fake_host, monkeypatch)
    spec = tmp_path / "fleet.toml"
    spec.write_text(FLEET.replace('hosts = ["alpha"]', 'hosts = ["al pha"]'))
    code, out, err = fake_host.cli("plan", "-f", str(spec), "--root", str(fake_host.root))
    assert code == 2, out + err
    assert "jails.web.hosts" in err


def test_fleet_role_is_lint_clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Three hosts, one spec: `plan --facts-dir -o DIR` writes site.yml and the role."""
    from tests.test_playbook import lint

    facts = tmp_path / "facts"
    for name in ("alpha", "beta", "gamma"):
        host = make_host(tmp_path / name, monkeypatch)
        seed(host)
        record(host, monkeypatch, facts, name)
    (facts / "beta.groups").write_text("dbservers\n")
    spec = tmp_path / "fleet.toml"
    spec.write_text(FLEET)
    out_dir = tmp_path / "out"
    code, _out, err = host.cli("plan", "-f", str(spec), "--facts-dir", str(facts),
                              "--emit", "ansible", "-o", str(out_dir))
    assert code == 0, err
    site = (out_dir / "site.yml").read_text()
    assert [line for line in site.splitlines() if line.startswith("  hosts:")] == [
        '  hosts: "alpha"', '  hosts: "beta"', '  hosts: "gamma"']
    assert sorted(p.name for p in (out_dir / "roles/bhyvetpl/tasks").iterdir()) == [
        "alpha.yml", "beta.yml", "gamma.yml", "main.yml"]
    lint(out_dir)
    # written by bhyvetpl: a second run replaces it; a file of someone else's is refused
    code, _out, err = host.cli("plan", "-f", str(spec), "--facts-dir", str(facts),
                              "--emit", "ansible", "-o", str(out_dir))
    assert code == 0, err
    (out_dir / "site.yml").write_text("# mine\n")
    code, _out, err = host.cli("plan", "-f", str(spec), "--facts-dir", str(facts),
                              "--emit", "ansible", "-o", str(out_dir))
    assert code == 2 and "--force" in err
