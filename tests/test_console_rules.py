"""Issue 11 point 6: the console rules match the nmdm names the guests really open.

vm-bhyve opens /dev/nmdm-NAME.NA (and the jail's user the .NB end), N the comport 1-4
(vm::bhyve_device_comports, lib/vm-run, read below from the mirrors of 1.4.0 and 1.7.5);
vmrun.sh opens whatever -C names (the HardenedBSD article: -C /dev/nmdm-laptop-dev-03-A),
and nmdm(4) pairs every A node with a B node. devfs matches rules with the kernel's
fnmatch(pattern, path, FNM_PATHNAME) (sys/fs/devfs/devfs_rule.c devfs_rule_matchpath).
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
from pathlib import Path

import pytest
from packaging.version import Version

from bhyvetpl.cli.app import app
from bhyvetpl.facts.demo import FACTS_FILE
from bhyvetpl.facts.source import recorded_facts
from bhyvetpl.hostfs import devfs
from bhyvetpl.hostfs.devfs import Ruleset
from bhyvetpl.model.jail import RulesetSpec
from bhyvetpl.model.policy import Features, console_paths, devfs_rules
from bhyvetpl.model.values import NMDM_FORM
from bhyvetpl.plan.footprint import block_features
from bhyvetpl.render import render_host
from bhyvetpl.spec.init import init_text
from bhyvetpl.spec.load import parse_spec
from tests.cli_runner import cli_runner
from tests.test_emit_e2e import twin_hosts, use
from tests.upstream import GIT

MIRRORS = {"1.4.0": ("churchers+vm-bhyve", "v1.4.0"), "1.7.5": ("freebsd+vm-bhyve", "v1.7.5"),
           "master": ("freebsd+vm-bhyve", "master")}


def unhidden(features: Features) -> list[str]:
    return [p for g in devfs_rules(features) for p in g.paths]


def test_a_guest_rule_does_not_match_a_dotted_guests_consoles() -> None:
    (rule,) = console_paths(("web",))
    assert all(devfs.matches(rule, f"nmdm-web.{n}{end}") for n in "1234" for end in "AB")
    assert not devfs.matches(rule, "nmdm-web.old.1A")    # guest web.old's console
    assert not devfs.matches(rule, "nmdm-web.5A")        # vm-bhyve has com1-com4 only
    assert devfs.matches("nmdm-web.*", "nmdm-web.old.1A")  # what the old rule let through


@pytest.mark.parametrize("version", sorted(MIRRORS))
def test_vm_bhyve_names_its_consoles_as_the_rule_expects(upstream: Path, version: str) -> None:
    mirror, rev = MIRRORS[version]
    text = subprocess.run([GIT, "--git-dir", str(upstream / mirror / "repo"), "show",
                           f"{rev}:lib/vm-run"], capture_output=True, text=True,
                          check=True).stdout
    assert '_port_name="/dev/nmdm-${_name}.${_num}"' in text
    assert '${_port_name}A' in text


def test_a_vmrun_console_device_unhides_its_pair_only() -> None:
    features = Features(jail="bhyve-01", release=Version("12.0"), ruleset=RulesetSpec(),
                        console_devices=("/dev/nmdm-laptop-dev-03-A",), vnet=False)
    rules = unhidden(features)
    assert "nmdm-laptop-dev-03-[AB]" in rules
    rule = "nmdm-laptop-dev-03-[AB]"
    assert devfs.matches(rule, "nmdm-laptop-dev-03-A") and devfs.matches(
        rule, "nmdm-laptop-dev-03-B")
    assert not devfs.matches(rule, "nmdm-laptop-dev-03-AB")


def test_render_host_takes_the_articles_console_and_refuses_others() -> None:
    base = ["render", "host", "--jail", "bhyve-01", "--release", "12.0-RELEASE", "--no-vnet",
            "--host-tap", "tap0", "--uplink", "em0"]
    result = cli_runner().invoke(app, [*base, "--console-device", "/dev/nmdm-laptop-dev-03-A"])
    assert result.exit_code == 0, result.stderr
    assert "add path 'nmdm-laptop-dev-03-[AB]' unhide" in result.stdout
    for bad in ("/dev/mem", "/dev/nmdm*A", "nmdm0A", "/dev/nmdm0C"):
        result = cli_runner().invoke(app, [*base, "--console-device", bad])
        assert result.exit_code == 2 and "error: console_device:" in result.stderr


def test_a_rendered_block_reads_back_its_guests_and_consoles() -> None:
    features = Features(jail="bhyve", release=Version("14.3"), ruleset=RulesetSpec(),
                        guests=("web", "web.old"), console_devices=("/dev/nmdm-x-A",))
    (text,) = [f.text for f in render_host(features) if str(f.relpath) == "etc/devfs.rules"]
    back = block_features("bhyve", text)
    assert back is not None
    assert back.guests == ("web", "web.old") and back.console_devices == ("/dev/nmdm-x-A",)
    # Blocks written before this change still read back their guests.
    old = text.replace("nmdm-web.[1-4][AB]", "nmdm-web.*")
    assert "web" in (block_features("bhyve", old) or back).guests


ARTICLE_CONSOLE = "/dev/nmdm-laptop-dev-03-A"
SHARED_SPEC = """version = 1
[host]
release = "auto"
uplink = "auto"

[jails.bhyve-01]
network = "shared"
address = "192.0.2.50/24"
console_devices = [{consoles}]
"""


def test_the_spec_key_renders_the_ruleset_the_flag_does(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    flags, spec_host = twin_hosts(tmp_path, monkeypatch)
    use(flags, monkeypatch)
    code, out, err = flags.cli("host", "prepare", "--jail", "bhyve-01", "--no-vnet",
                               "--console-device", ARTICLE_CONSOLE, "--root", str(flags.root))
    assert code == 0, out + err
    use(spec_host, monkeypatch)
    spec = tmp_path / "bhyvetpl.toml"
    spec.write_text(SHARED_SPEC.format(consoles=f'"{ARTICLE_CONSOLE}"'))
    args = ("-f", str(spec), "--root", str(spec_host.root))
    code, out, err = spec_host.cli("plan", *args)
    assert code == 3 and "/etc/devfs.rules" in out, out + err
    code, out, err = spec_host.cli("apply", *args)
    assert code == 0, out + err
    rules = (spec_host.root / "etc/devfs.rules").read_text()
    assert rules == (flags.root / "etc/devfs.rules").read_text()
    assert "add path 'nmdm-laptop-dev-03-[AB]' unhide" in rules
    # With the spec in use, the flag is refused: the spec holds the value.
    code, out, err = spec_host.cli("host", "prepare", "--jail", "bhyve-01", "-f", str(spec),
                                   "--console-device", ARTICLE_CONSOLE, "--root",
                                   str(spec_host.root))
    assert code == 2 and "--console-device" in err


@pytest.mark.parametrize("bad", ["/dev/mem", "/dev/nmdm*A", "nmdm0A", "/dev/nmdm0C"])
def test_the_spec_key_is_checked_as_the_flag_is(tmp_path: Path, bad: str) -> None:
    spec = tmp_path / "bhyvetpl.toml"
    spec.write_text(SHARED_SPEC.format(consoles=json.dumps(bad)))
    result = cli_runner().invoke(app, ["plan", "-f", str(spec), "--facts", str(FACTS_FILE)])
    assert result.exit_code == 2, result.stdout + result.stderr
    (line,) = result.stderr.splitlines()
    assert "jails.bhyve-01.console_devices:" in line and NMDM_FORM in line


def test_init_writes_back_the_consoles_the_ruleset_unhides() -> None:
    facts = recorded_facts(FACTS_FILE)
    (jail,) = [j for j in facts.jails if "allow.vmm" in j.params]
    number = int(jail.params["devfs_ruleset"])
    ruleset = Ruleset("devfs_rules_bhyve_jail", number, 1, ("$devfsrules_jail",),
                      ("vmm", "vmm/*", "nmdm-web.[1-4][AB]", "nmdm-laptop-dev-03-[AB]",
                       "nmdm-*"))
    text = init_text(dataclasses.replace(facts, devfs_rulesets=(ruleset,)))
    assert f'console_devices = ["{ARTICLE_CONSOLE}"]' in text
    assert "console_devices" not in init_text(facts)   # the recorded ruleset has none
    spec = parse_spec(text, "init.toml")
    (entry,) = [j for j in spec.jails if j.name == jail.name]
    assert entry.values["console_devices"] == [ARTICLE_CONSOLE]
