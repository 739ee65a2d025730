from __future__ import annotations

import pytest

from bhyvetpl.errors import SpecError
from bhyvetpl.model.guest import DiskSpec, GraphicsSpec, GuestSpec, NicSpec, PassthruSpec
from bhyvetpl.model.jail import JailSpec, RulesetSpec
from bhyvetpl.model.options import GuestOptions, HostOptions, build_features, build_guest
from bhyvetpl.model.policy import Features, devfs_rules, loader_conf, securelevel

BAD_GUESTS = [
    pytest.param({"name": "x"}, "guest.name", id="one-char-name"),
    pytest.param({"name": "web;rm"}, "guest.name", id="semicolon-name"),
    pytest.param({"name": "-web"}, "guest.name", id="leading-dash"),
    pytest.param({"name": "wéb1"}, "guest.name", id="unicode-name"),
    pytest.param({"name": "a" * 232}, "guest.name", id="too-long-name"),
    pytest.param({"name": "ok1", "memory": "4X"}, "guest.memory", id="bad-size"),
    pytest.param({"name": "ok1", "memory": "16M"}, "guest.memory", id="too-small"),
    pytest.param({"name": "ok1", "memory": "64"}, "guest.memory", id="no-unit"),
    pytest.param({"name": "ok1", "disks": ("d0,size=20",)}, "disk0.size", id="disk-no-unit"),
    pytest.param({"name": "ok1", "cpu": 0}, "guest.cpu", id="zero-cpu"),
    pytest.param({"name": "ok1", "cpu": 4, "topology": "1x2x1"}, "guest.topology",
                 id="topology-product"),
    pytest.param({"name": "ok1", "topology": "2*1*1"}, "guest.topology", id="topology-form"),
    pytest.param({"name": "ok1", "loader": "lilo"}, "guest.loader", id="loader"),
    pytest.param({"name": "ok1", "disks": ('disk"0.img',)}, "disk0.name", id="quote-in-disk"),
    pytest.param({"name": "ok1", "disks": ("a#b",)}, "disk0.name", id="hash-in-disk"),
    pytest.param({"name": "ok1", "disks": ("../x",)}, "disk0.name", id="slash-in-disk"),
    pytest.param({"name": "ok1", "disks": ("d0,type=scsi",)}, "disk0.type", id="disk-type"),
    pytest.param({"name": "ok1", "disks": ("d0,size=big",)}, "disk0.size", id="disk-size"),
    pytest.param({"name": "ok1", "disks": ("d0,color=red",)}, "disk0", id="disk-key"),
    pytest.param({"name": "ok1", "disks": ("d0", "d0")}, "guest.disks", id="same-disk"),
    pytest.param({"name": "ok1", "nics": ("pub lic",)}, "nic0.switch", id="switch-space"),
    pytest.param({"name": "ok1", "nics": ("public,mac=01:00:5e:00:00:01",)}, "nic0.mac",
                 id="multicast-mac"),
    pytest.param({"name": "ok1", "nics": ("public,mac=zz:00:00:00:00:00",)}, "nic0.mac",
                 id="bad-mac"),
    pytest.param({"name": "ok1", "nics": ("public,device=tap0;id",)}, "nic0.device",
                 id="device-injection"),
    pytest.param({"name": "ok1", "passthru": ("1/0/8",)}, "passthru0", id="bsf-function"),
    pytest.param({"name": "ok1", "passthru": ("1:0:0",)}, "passthru0", id="bsf-form"),
    pytest.param({"name": "ok1", "passthru": ("1/0/0=31:0",)}, "passthru0", id="pin-lpc-slot"),
    pytest.param({"name": "ok1", "passthru": ("1/0/0", "1/0/0")}, "guest.passthru",
                 id="same-device"),
    pytest.param({"name": "ok1", "graphics": True}, "guest.graphics", id="graphics-bhyveload"),
    pytest.param({"name": "ok1", "preset": "windows", "vnc_port": 80}, "graphics.port",
                 id="vnc-port"),
    pytest.param({"name": "ok1", "preset": "windows", "vnc_listen": "localhost"},
                 "graphics.listen", id="vnc-listen"),
    pytest.param({"name": "ok1", "preset": "windows", "vnc_res": "99999x1"}, "graphics.res",
                 id="vnc-res"),
    pytest.param({"name": "ok1", "preset": "windows", "vnc_wait": "maybe"}, "graphics.wait",
                 id="vnc-wait"),
    pytest.param({"name": "ok1", "comports": ("com5",)}, "guest.comports", id="comport"),
    pytest.param({"name": "ok1", "uuid": "not-a-uuid"}, "guest.uuid", id="uuid"),
    pytest.param({"name": "ok1", "preset": "beos"}, "guest.preset", id="preset"),
]


@pytest.mark.parametrize(("fields", "field"), BAD_GUESTS)
def test_bad_guest_input_names_the_field(fields: dict[str, object], field: str) -> None:
    with pytest.raises(SpecError) as info:
        build_guest(GuestOptions(**fields))  # type: ignore[arg-type]
    message = str(info.value)
    assert message.startswith(field + ":") and "\n" not in message and "expected" in message


BAD_JAILS = [
    pytest.param({"name": "my.jail"}, "jail.name", id="dot-name"),
    pytest.param({"name": "_jail"}, "jail.name", id="underscore-start"),
    pytest.param({"release": "11.4-RELEASE"}, "jail.release", id="release-too-old"),
    pytest.param({"release": "14.3"}, "jail.release", id="release-form"),
    pytest.param({"network": "shared", "address": "DHCP"}, "jail.address", id="dhcp-shared"),
    pytest.param({"address": "10.0.0.5"}, "jail.address", id="no-prefix"),
    pytest.param({"gateway": "10.0.0.1"}, "jail.gateway", id="gateway-with-dhcp"),
    pytest.param({"vm_dir": "vms"}, "jail.vm_dir", id="relative-vm-dir"),
    pytest.param({"vm_dir": "/vms/../etc"}, "jail.vm_dir", id="dotdot-vm-dir"),
    pytest.param({"vm_dataset": "tank"}, "jail.vm_dataset", id="pool-only"),
    pytest.param({"switch": "p"}, "jail.switch", id="short-switch"),
    pytest.param({"interface": "em0;reboot"}, "jail.interface", id="iface-injection"),
    pytest.param({"presets": ("freebsd", "freebsd")}, "jail.presets", id="preset-twice"),
]


@pytest.mark.parametrize(("fields", "field"), BAD_JAILS)
def test_bad_jail_input_names_the_field(fields: dict[str, object], field: str) -> None:
    with pytest.raises(SpecError) as info:
        JailSpec(**fields)  # type: ignore[arg-type]
    assert str(info.value).startswith(field + ":")


@pytest.mark.parametrize(("number", "name"), [(4, "x"), (13, "x"), (0, "x"), (70000, "x"),
                                              (25, "1abc"), (25, "devfsrules_jail")])
def test_bad_ruleset(number: int, name: str) -> None:
    with pytest.raises(SpecError, match=r"^ruleset\."):
        RulesetSpec(number, name)


def test_zvol_disk_needs_a_jail_dataset() -> None:
    guest = GuestSpec("zv1", disks=(DiskSpec("disk0", dev="zvol"),))
    with pytest.raises(SpecError, match=r"disk\.dev"):
        JailSpec(guests=(guest,))
    assert JailSpec(vm_dataset="tank/bhyve", guests=(guest,)).vm_dir_value == "zfs:tank/bhyve"


def test_shared_jail_needs_host_taps() -> None:
    guest = GuestSpec("g1")
    with pytest.raises(SpecError, match=r"nic0\.device"):
        JailSpec(network="shared", address="10.0.0.2/24", guests=(guest,))
    tapped = GuestSpec("g1", nics=(NicSpec(device="tap0"),))
    jail = JailSpec(network="shared", address="10.0.0.2/24", guests=(tapped,))
    assert Features.of_jail(jail).host_taps == ("tap0",)


def test_freebsd_12_guest_names_are_short() -> None:
    with pytest.raises(SpecError, match="32 characters"):
        JailSpec(release="12.2-RELEASE", guests=(GuestSpec("g" * 33),))


def paths(features: Features) -> list[str]:
    return [p for group in devfs_rules(features) for p in group.paths]


def test_least_privilege_default() -> None:
    features = build_features(HostOptions(dhcp=False))
    assert securelevel(features).value == "2"
    assert not {"pci", "mem", "io", "kmem", "zvol/*", "vmmctl", "bpf*"} & set(paths(features))
    # The default jail takes its address by SYNCDHCP: bpf is granted unless --no-dhcp.
    assert "bpf*" in paths(build_features(HostOptions()))


def test_each_feature_adds_only_its_nodes() -> None:
    assert "vmmctl" in paths(build_features(HostOptions(release="15.0-RELEASE")))
    assert "bpf*" in paths(build_features(HostOptions(dhcp=True)))
    zvol = build_features(HostOptions(zvol_dataset="tank/vm"))
    assert securelevel(zvol).value == "1" and "zvol/tank/vm/*/*" in paths(zvol)
    assert "zvol/*" not in paths(zvol)
    ppt = build_features(HostOptions(passthru=("1/0/0",)))
    assert securelevel(ppt).value == "-1" and "pci" in paths(ppt)
    assert not {"io", "mem", "kmem"} & set(paths(ppt))   # 13.1+: /dev/pci alone
    old = build_features(HostOptions(release="12.2-RELEASE", passthru=("1/0/0",)))
    assert {"mem", "io", "kmem"} <= set(paths(old))
    assert "nmdm-*" not in paths(build_features(HostOptions(console=False)))
    assert paths(build_features(HostOptions(guests=("web1",))))[:3] == [
        "vmm", "vmm/web1", "nmdm-web1.[1-4][AB]"]


def test_pptdevs_split_at_128_characters() -> None:
    devices = tuple(f"{bus}/{slot}/0" for bus in range(100, 120) for slot in range(10, 12))
    features = build_features(HostOptions(passthru=devices))
    settings = {s.name: s.value or "" for s in loader_conf(features)}
    assert set(settings) >= {"pptdevs", "pptdevs2"}
    assert all(len(settings[k]) <= 128 for k in settings if k.startswith("pptdevs"))
    joined = " ".join(settings[k] for k in ("pptdevs", "pptdevs2", "pptdevs3") if k in settings)
    assert joined.split() == list(devices)


def test_vmm_ppt_needs_passthrough() -> None:
    with pytest.raises(SpecError, match="vmm_ppt"):
        build_features(HostOptions(vmm_ppt=True))


def test_passthru_parse_and_pin() -> None:
    spec = PassthruSpec.parse("2/0/1=6:0")
    assert (spec.bsf, spec.value, spec.pin) == ("2/0/1", "2/0/1=6:0", (6, 0))


def test_graphics_listen_is_loopback_by_default() -> None:
    assert GraphicsSpec().listen == "127.0.0.1"


def test_custom_disk_device_is_unhidden_exactly() -> None:
    disk = DiskSpec("/dev/zvol/tank/bhyve/vm1/disk-01", dev="custom")
    jail = JailSpec(guests=(GuestSpec("vm1", disks=(disk,)),))
    features = Features.of_jail(jail)
    assert paths(features)[-5:] == ["zvol", "zvol/tank", "zvol/tank/bhyve", "zvol/tank/bhyve/vm1",
                                    "zvol/tank/bhyve/vm1/disk-01"]
    assert securelevel(features).value == "1"
    assert securelevel(Features.of_jail(JailSpec(guests=(GuestSpec("vm1"),)))).value == "2"


@pytest.mark.parametrize("path", ["/tmp/disk.img", "/dev/", "/dev/../etc/x", "relative"])
def test_disk_device_must_be_a_device(path: str) -> None:
    with pytest.raises(SpecError, match=r"^disk_device"):
        build_features(HostOptions(disk_devices=(path,)))


def test_freebsd_12_loads_if_tap_not_if_tuntap() -> None:
    from packaging.version import Version

    from bhyvetpl.model.policy import host_modules, rc_conf

    assert host_modules(Version("12.2"))[-1] == "if_tap"
    assert host_modules(Version("13.0"))[-1] == "if_tuntap"
    old = build_features(HostOptions(release="12.2-RELEASE"))
    assert rc_conf(old)[0].value == "${kld_list} if_bridge if_tap"


def test_ipv6_address_and_gateway_use_the_ipv6_keys() -> None:
    jail = JailSpec(address="2001:db8::5/64", gateway="2001:db8::1")
    assert (jail.ifconfig_key, jail.ifconfig_value) == ("ifconfig_vnet0_ipv6",
                                                        "inet6 2001:db8::5/64")
    assert jail.gateway_key == "ipv6_defaultrouter"
    v4 = JailSpec(address="10.0.0.5/24", gateway="10.0.0.1")
    assert (v4.ifconfig_key, v4.gateway_key) == ("ifconfig_vnet0", "defaultrouter")
    with pytest.raises(SpecError, match=r"^jail\.gateway"):
        JailSpec(address="10.0.0.5/24", gateway="2001:db8::1")


@pytest.mark.parametrize("listen", ["::1", "::", "fe80::1", "::ffff:127.0.0.1"])
def test_vnc_listen_refuses_ipv6_vm_bhyve_cannot_bracket(listen: str) -> None:
    """vm-bhyve writes tcp=${listen}:${port}; bhyve reads IPv6 only as [addr]:port."""
    with pytest.raises(SpecError, match=r"graphics\.listen.*IPv4"):
        build_guest(GuestOptions(name="w1", preset="windows", vnc_listen=listen))
    assert build_guest(GuestOptions(name="w1", preset="windows", vnc_listen="10.0.0.5")
                       ).graphics is not None
