"""Issue 11 point 7: hw.vmm.amdvi.enable=1 only where the host's CPU is AMD (or unknown).

sys/amd64/vmm/io/iommu.c iommu_init() takes VT-d on Intel and AMD-Vi on AMD-V CPUs;
sys/amd64/vmm/amd/amdvi_hw.c amdvi_init() refuses AMD-Vi while the tunable is 0 (its
default). Intel hosts never read it: bhyvetpl writes it on AMD, never on Intel, and where
the CPU was not read (no /var/run/dmesg.boot: `render host`, a staging --root) it writes
it with a comment saying why. The CPU comes from the recorded dmesg CPU blocks of
tests/fixtures/freebsd (see its README for their sources), read by the one facts parser.
"""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest

from bhyvetpl.cli.app import app
from bhyvetpl.doctor.guest import Needs
from bhyvetpl.doctor.host import check_amdvi
from bhyvetpl.facts import parse
from bhyvetpl.facts.demo import FACTS_FILE, demo_root
from bhyvetpl.facts.model import Cpu, Facts
from bhyvetpl.facts.source import recorded_facts
from bhyvetpl.hostfs.assign import readable
from bhyvetpl.plan.actions import EditBlock
from bhyvetpl.plan.converge import converge_spec
from bhyvetpl.spec.load import parse_spec
from tests.cli_runner import cli_runner

FREEBSD = Path(__file__).resolve().parent / "fixtures" / "freebsd"
AMD = ("dmesg-amd-ryzen-svm-14.3-guest.txt", "dmesg-amd-gx412tc-svm-16.0-current.txt")
INTEL = ("dmesg-intel-xeon-e2274g-ept-ug.txt", "dmesg-intel-n100-ept-ug-15.0-current.txt",
         "dmesg-intel-xeon-ept-ug-13.0-current.txt")
TUNABLE = 'hw.vmm.amdvi.enable="1"'
SPEC = ('version = 1\n[jails.gpu]\nvm_dir = "/vms"\npassthrough = true\n'
        '[jails.gpu.guests.g1]\npreset = "linux"\npassthru = ["1/0/0"]\n')


def cpu(fixture: str) -> Cpu:
    found = parse.cpu_info((FREEBSD / fixture).read_text())
    assert found is not None
    return found


def planned_loader_conf(facts: Facts, root: Path) -> str:
    """The loader.conf block `bhyvetpl plan` of a passthrough spec writes on this host."""
    converged = converge_spec(parse_spec(SPEC, "t.toml"), facts, demo_root(root))
    (block,) = [s.block for s in converged.plan.steps
                if isinstance(s, EditBlock) and s.path.name == "loader.conf"]
    return block


@pytest.mark.parametrize("fixture", AMD + INTEL)
def test_the_spec_plan_writes_the_tunable_on_amd_only(tmp_path: Path, fixture: str) -> None:
    facts = dataclasses.replace(recorded_facts(FACTS_FILE), cpu=cpu(fixture))
    block = planned_loader_conf(facts, tmp_path)
    assert (TUNABLE in block) == (fixture in AMD)
    assert 'pptdevs="1/0/0"' in block


def test_the_spec_plan_writes_it_with_a_reason_where_the_cpu_is_unknown(
        tmp_path: Path) -> None:
    facts = dataclasses.replace(recorded_facts(FACTS_FILE), cpu=None)
    block = planned_loader_conf(facts, tmp_path)
    assert TUNABLE in block
    assert "CPU was not read (no /var/run/dmesg.boot)" in block
    assert "Intel hosts ignore it" in block


def prepare(root: Path, *extra: str) -> str:
    result = cli_runner().invoke(app, ["host", "prepare", "--root", str(root), "--release",
                                       "14.3-RELEASE", "--jail", "gpu", *extra,
                                       "--emit", "sh"])
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("fixture", AMD + INTEL)
def test_host_prepare_reads_the_cpu_below_root(tmp_path: Path, fixture: str) -> None:
    (tmp_path / "var/run").mkdir(parents=True)
    shutil.copy(FREEBSD / fixture, tmp_path / "var/run/dmesg.boot")
    script = prepare(tmp_path, "--passthru", "1/0/0")
    assert (TUNABLE in script) == (fixture in AMD)
    assert TUNABLE not in prepare(tmp_path)   # no passthrough: never


def test_host_prepare_on_a_staging_tree_writes_it_and_says_why(tmp_path: Path) -> None:
    script = prepare(tmp_path, "--passthru", "1/0/0")
    assert TUNABLE in script and "CPU was not read" in script


def test_render_host_reads_no_host_and_says_so() -> None:
    result = cli_runner().invoke(app, ["render", "host", "--release", "14.3-RELEASE",
                                       "--passthru", "1/0/0"])
    assert result.exit_code == 0, result.stderr
    assert TUNABLE in result.stdout and "CPU was not read" in result.stdout


def doctor(found: Cpu | None, loader: str) -> tuple[str, str] | None:
    facts = Facts(cpu=found, loader_conf=readable(loader, sh=False))
    result = check_amdvi(facts, Needs(passthru=("1/0/0",)))
    return (result.status, result.detail) if result else None


def test_doctor_agrees_with_what_host_prepare_writes() -> None:
    for fixture in AMD:
        assert doctor(cpu(fixture), "")[0] == "FAIL"   # type: ignore[index]
        assert doctor(cpu(fixture), TUNABLE + "\n") == (
            "PASS", "hw.vmm.amdvi.enable=1 in /boot/loader.conf")
    for fixture in INTEL:
        assert doctor(cpu(fixture), "") is None
    unknown = doctor(None, "")
    assert unknown is not None and unknown[0] == "WARN"
    assert "CPU was not read" in unknown[1]
    assert doctor(None, TUNABLE + "\n") == ("PASS", "hw.vmm.amdvi.enable=1 in /boot/loader.conf")
