"""No accepted value can produce a config line vm-bhyve would misread."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from bhyvetpl.errors import SpecError
from bhyvetpl.model import values
from bhyvetpl.model.guest import DiskSpec, GuestSpec, NicSpec
from bhyvetpl.model.jail import JailSpec
from bhyvetpl.render import render_guest, render_jail
from tests.vmconf_reader import load

LINE = re.compile(r'[a-z][a-z0-9_]*=("[^"#\n]*"|[0-9]+[KMGT]?)')
NAME_CHARS = st.sampled_from("abcXYZ019.-_")
HOSTILE = st.text(alphabet=st.sampled_from(
    list("aZ09.-_/:#\"'\\$`;&|<>(){}*?[] \t\r\néß\u202e\x00=,@%+")), min_size=0, max_size=40)


def well_formed(text: str) -> None:
    keys = []
    for line in text.splitlines():
        assert LINE.fullmatch(line), line
        keys.append(line.split("=", 1)[0])
    assert len(keys) == len(set(keys)), "a key written twice"


@settings(max_examples=300)
@given(name=st.text(alphabet=NAME_CHARS, min_size=1, max_size=40) | HOSTILE,
       disk=HOSTILE, switch=HOSTILE, device=HOSTILE)
def test_accepted_values_round_trip(name: str, disk: str, switch: str, device: str) -> None:
    try:
        guest = GuestSpec(name, disks=(DiskSpec(disk),),
                          nics=(NicSpec(switch=switch, device=device),))
    except SpecError:
        return
    text = render_guest(guest)
    well_formed(text)
    read = load(text)
    assert (read["disk0_name"], read["network0_switch"], read["network0_device"]) == (
        disk, switch, device)


@given(value=HOSTILE)
def test_hostile_text_is_rejected_or_inert(value: str) -> None:
    for check in (values.disk_name, values.vm_name, values.jail_name, values.arg_safe,
                  values.interface, values.abs_path, values.dataset):
        try:
            accepted = check("field", value)
        except SpecError as err:
            assert "\n" not in str(err) and str(err).startswith("field: ")
            continue
        assert not set(accepted) & set("#\"'\\$`;&|<>(){}*?[] \t\r\n\x00")


@given(cpu=st.integers(1, 255), memory=st.integers(32, 4096), debug=st.booleans())
def test_numbers_round_trip(cpu: int, memory: int, debug: bool) -> None:
    guest = GuestSpec("num1", cpu=cpu, memory=f"{memory}M", debug=debug)
    read = load(render_guest(guest))
    assert read["cpu"] == str(cpu) and read["memory"] == f"{memory}M"
    assert read.get("debug") == ("yes" if debug else None)


@given(name=st.text(alphabet=NAME_CHARS, min_size=1, max_size=70) | HOSTILE,
       vm_dir=HOSTILE, switch=HOSTILE)
def test_bastillefile_lines_are_single_safe_hooks(name: str, vm_dir: str, switch: str) -> None:
    try:
        jail = JailSpec(name=name, vm_dir=vm_dir, switch=switch)
    except SpecError:
        return
    bastillefile = render_jail(jail)[0].text
    for line in bastillefile.splitlines():
        assert line == line.lstrip() and "\t" not in line
        if not line.startswith("#"):
            hook = line.split(" ", 1)[0]
            assert hook in {"CONFIG", "SYSRC", "RESTART", "PKG", "CMD", "CP"}, line
            assert "'" not in line and "$(" not in line and ";" not in line, line


ADDRESSES = st.sampled_from(["10.0.0.5", "fd00::5", "fe80::1", "::1", "::ffff:10.0.0.1"])
ADDRESS_JUNK = st.text(alphabet=st.sampled_from(list("%$()`;{}\n\r\t\x01\x7f é/:.aZ09_-")),
                       max_size=12)
ADDRESS_SAFE = set("0123456789abcdefABCDEF:./")


@given(address=ADDRESSES, junk=ADDRESS_JUNK, where=st.integers(0, 20),
       zone=st.booleans(), prefix=st.sampled_from(["", "/24", "/64"]))
def test_accepted_addresses_are_inert(address: str, junk: str, where: int, zone: bool,
                                      prefix: str) -> None:
    """Whatever is spliced into an address, what is accepted is hex, : . / and at most a
    %IFACE zone on a link-local IPv6 address (f72da7b accepted %$(id), %\\n... here)."""
    text = address[:where] + junk + address[where:] + prefix
    try:
        accepted = (values.ip_interface("f", text) if prefix else
                    values.ip_address("f", text, zone=zone))
    except SpecError as err:
        assert "\n" not in str(err)
        return
    plain, percent, scope = accepted.partition("%")
    assert set(plain) <= ADDRESS_SAFE and len(accepted) <= 64
    if percent:
        assert zone and values.IFACE_RE.fullmatch(scope) and plain.lower().startswith("fe")
