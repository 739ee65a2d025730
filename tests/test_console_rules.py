"""Issue 11 point 6: the console rules match the nmdm names the guests really open.

vm-bhyve opens /dev/nmdm-NAME.NA (and the jail's user the .NB end), N the comport 1-4
(vm::bhyve_device_comports, lib/vm-run, read below from the mirrors of 1.4.0 and 1.7.5);
vmrun.sh opens whatever -C names (the HardenedBSD article: -C /dev/nmdm-laptop-dev-03-A),
and nmdm(4) pairs every A node with a B node. devfs matches rules with the kernel's
fnmatch(pattern, path, FNM_PATHNAME) (sys/fs/devfs/devfs_rule.c devfs_rule_matchpath).
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from packaging.version import Version

from bhyvetpl.cli.app import app
from bhyvetpl.hostfs import devfs
from bhyvetpl.model.jail import RulesetSpec
from bhyvetpl.model.policy import Features, console_paths, devfs_rules
from bhyvetpl.plan.footprint import block_features
from bhyvetpl.render import render_host
from tests.cli_runner import cli_runner
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
