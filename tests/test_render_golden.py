from __future__ import annotations

from pathlib import Path

import pytest

from bhyvetpl.model.lab import sample_lab
from bhyvetpl.model.options import (
    GuestOptions,
    HostOptions,
    JailOptions,
    build_features,
    build_guest,
    build_jail,
)
from bhyvetpl.model.policy import Features
from bhyvetpl.model.preset import PRESETS
from bhyvetpl.render import TEMPLATE_NAMES, make_env, render_guest, render_host, render_jail
from tests.golden_util import assert_golden

ROOT = Path(__file__).resolve().parent.parent

# The seed (bhyve-in-bastille-jail.md, "Now we need to edit the vm configuration").
SEED_GUEST = GuestOptions(
    name="test", cpu=2, memory="4G", nics=("public14,mac=58:9c:fc:0c:fa:98",),
    uuid="a179833c-204e-11eb-97b6-90e2ba4673cc", passthru=("1/0/0",), debug=True)
SEED_TEXT = """loader="bhyveload"
cpu=2
memory=4G
wired_memory="yes"
network0_type="virtio-net"
network0_switch="public14"
disk0_type="virtio-blk"
disk0_name="disk0.img"
uuid="a179833c-204e-11eb-97b6-90e2ba4673cc"
network0_mac="58:9c:fc:0c:fa:98"
passthru0="1/0/0"
debug="yes"
"""


def test_seed_guest_config_is_reproduced_exactly() -> None:
    assert render_guest(build_guest(SEED_GUEST)) == SEED_TEXT


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_preset_guest(preset: str) -> None:
    guest = build_guest(GuestOptions(name=f"{preset}1", preset=preset))
    assert_golden(f"guest/{preset}.conf", render_guest(guest))


GUEST_CASES = {
    "full-options": GuestOptions(
        name="lab-01", preset="linux", cpu=4, topology="1x2x2", memory="8g",
        disks=("disk0,dev=sparse-zvol,size=40G", "data.img,type=nvme,size=100G"),
        nics=("public,mac=58:9c:fc:00:00:01", "lan,type=e1000,device=tap7"),
        passthru=("2/0/0=20:0", "3/0/0"), graphics=True, vnc_port=5905,
        vnc_res="1920x1080", vnc_wait="yes", comports=("com1", "com2"),
        uuid="A179833C-204E-11EB-97B6-90E2BA4673CC", debug=True),
    "no-network": GuestOptions(name="airgap", no_nic=True),
    "grub-zvol": GuestOptions(name="deb-zvol", preset="linux-grub",
                              disks=("disk0,dev=zvol,size=16G",)),
}


@pytest.mark.parametrize("case", sorted(GUEST_CASES))
def test_guest_cases(case: str) -> None:
    assert_golden(f"guest/{case}.conf", render_guest(build_guest(GUEST_CASES[case])))


JAIL_CASES = {
    "default": JailOptions(name="bhyve"),
    "static-bridge-all-presets": JailOptions(
        name="vmhost", network="bridge", interface="bridge0", address="10.0.0.5/24",
        gateway="10.0.0.1", presets=tuple(sorted(PRESETS)), switch="lan"),
    "zvol-passthrough": JailOptions(
        name="pptjail", release="14.2-RELEASE", vm_dataset="tank/bhyve",
        passthrough=True, vmm_ppt=True),
}


@pytest.mark.parametrize("case", sorted(JAIL_CASES))
def test_jail_template(case: str) -> None:
    for rendered in render_jail(build_jail(JAIL_CASES[case])):
        assert_golden(f"jail/{case}/{rendered.relpath}", rendered.text)


HOST_CASES = {
    "default": HostOptions(),
    "hardenedbsd-seed": HostOptions(jail="bhyve-01", release="12.0-RELEASE",
                                    guests=("laptop-dev-03",), host_taps=("tap0",),
                                    uplink="em0", uefi=True, vnet=False, disk_devices=(
                                        "/dev/zvol/tank/bhyve/laptop-dev-03/disk-01",)),
    "zvol-dataset": HostOptions(jail="zv", zvol_dataset="tank/bhyve", guests=("g1",)),
    "passthrough-12.2": HostOptions(jail="test-bhyve", release="12.2-RELEASE",
                                    passthru=("1/0/0",), dhcp=True),
    "passthrough-15-vmm-ppt": HostOptions(jail="gpu", release="15.0-RELEASE",
                                          passthru=("2/0/0", "2/0/1"), vmm_ppt=True),
    "per-guest-limits": HostOptions(jail="iso", release="15.0-RELEASE", guests=("web", "web.old"),
                                    uefi_guests=("web",), vnc_guests=("web",),
                                    limit_memory="6G"),
}


@pytest.mark.parametrize("case", sorted(HOST_CASES))
def test_host_fragments(case: str) -> None:
    for rendered in render_host(build_features(HOST_CASES[case])):
        assert_golden(f"host/{case}/{rendered.relpath}", rendered.text)


def test_sample_lab_guests_and_host() -> None:
    lab = sample_lab()
    for guest in lab.guests:
        assert_golden(f"lab/guests/{guest.name}.conf", render_guest(guest))
    for rendered in render_host(Features.of_jail(lab), lab.vm_dataset):
        assert_golden(f"lab/host/{rendered.relpath}", rendered.text)


def test_the_example_template_is_the_whole_default_render() -> None:
    """Issue 11: a complete template directory (its CP source included), not a lone file."""
    files = render_jail(build_jail(JailOptions(name="bhyve")))
    example = ROOT / "examples" / "bastille-template"
    shipped = {str(p.relative_to(example)): p.read_text(encoding="utf-8")
               for p in sorted(example.rglob("*")) if p.is_file()}
    assert shipped == {str(f.relpath): f.text for f in files}


def test_the_top_level_example_is_that_template() -> None:
    """The agreed layout keeps Bastillefile.example at the top: the same file, with a header
    naming the directory it applies from (its CP source is there, not beside this copy)."""
    top = (ROOT / "Bastillefile.example").read_text(encoding="utf-8")
    header, _, body = top.partition("# Bastille template for the bhyve jail")
    assert all(line.startswith("# ") for line in header.splitlines())
    assert "examples/bastille-template/" in header
    assert "# Bastille template for the bhyve jail" + body == (
        ROOT / "examples" / "bastille-template" / "Bastillefile").read_text(encoding="utf-8")


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_every_named_template_loads(name: str) -> None:
    """make_env() loads each named template from the project's templates/ directory."""
    template = make_env().get_template(name)
    assert template.filename is not None
    assert Path(template.filename).resolve() == (ROOT / "templates" / name).resolve()


def test_wheel_ships_the_templates_the_code_loads() -> None:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = config["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert shipped == {"templates": "bhyvetpl/templates", "examples": "bhyvetpl/examples"}
    for name in TEMPLATE_NAMES:
        assert (ROOT / "templates" / name).is_file()
