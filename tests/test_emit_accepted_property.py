"""For any accepted input, the emitted script runs exactly the direct run's commands.

Inputs are drawn from the grammars the model accepts (not only names): sizes, addresses,
MACs, UUIDs, taps, interfaces, PCI addresses, paths below an odd --root. Whatever the model
accepts, the two modes must issue the same argv list, leave the same files, and the script
must run nothing else (every stand-in call is logged; an extra one would differ).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bhyvetpl.errors import SpecError
from bhyvetpl.model.options import GuestOptions, HostOptions, build_features, build_guest
from tests.test_emit_e2e import normalised, run_both, twin_hosts

GUEST = st.from_regex(r"[a-z0-9][.a-z0-9_-]{0,10}[a-z0-9]", fullmatch=True)
SIZE = st.builds("{}{}".format, st.integers(1, 64), st.sampled_from("MG"))
MAC = st.builds("58:9c:fc:{:02x}:{:02x}:{:02x}".format, *(st.integers(0, 255),) * 3)
IPV4 = st.ip_addresses(v=4).map(str)
SWITCH = st.from_regex(r"[a-z][a-z0-9]{1,8}", fullmatch=True)
# --root takes quotes, spaces, globs and ;&|() (local_path refuses $ ` % \\ ")
ODD = st.text(alphabet=st.sampled_from(list("ab ';&|*()")), min_size=1, max_size=6)


@st.composite
def guest_flags(draw: st.DrawFn) -> tuple[str, ...]:
    flags: list[str] = ["--preset", draw(st.sampled_from(["freebsd", "linux", "windows"]))]
    if draw(st.booleans()):
        flags += ["--cpu", str(draw(st.integers(1, 8)))]
    if draw(st.booleans()):
        flags += ["--memory", draw(SIZE)]
    disk = draw(st.from_regex(r"[a-z][a-z0-9_]{0,6}\.img", fullmatch=True))
    flags += ["--disk", f"{disk},size={draw(SIZE)}"]
    nic = draw(SWITCH)
    if draw(st.booleans()):
        nic += f",mac={draw(MAC)}"
    flags += ["--nic", nic]
    if flags[1] == "windows" and draw(st.booleans()):
        flags += ["--vnc-listen", draw(IPV4), "--vnc-port", str(draw(st.integers(5900, 5999)))]
    if draw(st.booleans()):
        flags += ["--uuid", str(draw(st.uuids()))]
    return tuple(flags)


def accepted_guest(name: str, flags: tuple[str, ...]) -> bool:
    """Whether the model takes these flags (the property is about what it accepts)."""
    pairs = dict(zip(flags[::2], flags[1::2], strict=True))
    try:
        build_guest(GuestOptions(
            name=name, preset=pairs["--preset"],
            cpu=int(pairs["--cpu"]) if "--cpu" in pairs else None,
            memory=pairs.get("--memory"), disks=(pairs["--disk"],), nics=(pairs["--nic"],),
            vnc_listen=pairs.get("--vnc-listen"),
            vnc_port=int(pairs["--vnc-port"]) if "--vnc-port" in pairs else None,
            uuid=pairs.get("--uuid")))
    except SpecError:
        return False
    return True


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(guest=GUEST, flags=guest_flags(), odd=ODD)
def test_new_guest_script_runs_what_the_direct_run_runs(guest: str, flags: tuple[str, ...],
                                                        odd: str) -> None:
    assume(accepted_guest(guest, flags))
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as monkeypatch:
        direct, script = twin_hosts(Path(tmp), monkeypatch, odd=odd)
        for host in (direct, script):
            for kind in ("jails", "running"):
                (host.state / kind).mkdir(exist_ok=True)
                (host.state / kind / "bhyve").touch()
        (code, out), (scode, sout) = run_both(("new-guest", "bhyve", guest, *flags),
                                              direct, script, monkeypatch)
        assert (code, scode) == (0, 0), out + sout
        calls = direct.calls()
        assert calls == script.calls()
        assert any(c[3:5] == ("vm", "create") and c[-1] == guest for c in calls)
        assert normalised(direct) == normalised(script)


@st.composite
def host_flags(draw: st.DrawFn) -> tuple[str, ...]:
    flags: list[str] = []
    for name in draw(st.lists(GUEST, min_size=1, max_size=3, unique=True)):
        flags += ["--guest", name]
    for tap in draw(st.lists(st.integers(0, 99), max_size=2, unique=True)):
        flags += ["--host-tap", f"tap{tap}"]
    if "--host-tap" in flags:
        flags += ["--uplink", draw(st.from_regex(r"(em|igb|vtnet)[0-9]", fullmatch=True))]
    for bus in draw(st.lists(st.integers(1, 9), max_size=2, unique=True)):
        flags += ["--passthru", f"{bus}/0/0"]
    if draw(st.booleans()):
        flags += ["--zvol-dataset", draw(st.from_regex(r"z[a-z]{1,5}/vm[a-z]{0,4}",
                                                         fullmatch=True))]
    return tuple(flags)


def accepted_host(flags: tuple[str, ...]) -> bool:
    words = list(zip(flags[::2], flags[1::2], strict=True))
    try:
        build_features(HostOptions(
            guests=tuple(v for k, v in words if k == "--guest"),
            host_taps=tuple(v for k, v in words if k == "--host-tap"),
            uplink=next((v for k, v in words if k == "--uplink"), None),
            passthru=tuple(v for k, v in words if k == "--passthru"),
            zvol_dataset=next((v for k, v in words if k == "--zvol-dataset"), None)))
    except SpecError:
        return False
    return True


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(flags=host_flags(), odd=ODD)
def test_host_prepare_script_runs_what_the_direct_run_runs(flags: tuple[str, ...],
                                                           odd: str) -> None:
    assume(accepted_host(flags))
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as monkeypatch:
        direct, script = twin_hosts(Path(tmp), monkeypatch, odd=odd)
        (code, out), (scode, sout) = run_both(("host", "prepare", *flags), direct, script,
                                              monkeypatch)
        assert (code, scode) == (0, 0), out + sout
        assert direct.calls() == script.calls()
        assert normalised(direct) == normalised(script)
