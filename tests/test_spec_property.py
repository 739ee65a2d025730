"""Any valid spec converges: apply, then plan finds nothing, and the admin's bytes stay put.

Random specs (1-3 jails, vnet or shared, 0-3 guests each) on a fresh stand-in host whose
rc.conf, loader.conf and devfs.rules hold admin lines of their own (CRLF sometimes).
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bhyvetpl.errors import SpecError
from bhyvetpl.facts.source import host_facts
from bhyvetpl.spec.load import parse_spec
from bhyvetpl.spec.resolve import resolve
from tests.standin_env import Host, make_host
from tests.test_emit_e2e import seed, use
from tests.test_spec_plan import probe_argvs

HOST_FILES = ("etc/rc.conf", "boot/loader.conf", "etc/devfs.rules")
# Admin lines that name nothing bhyvetpl sets: each file's own, in chunks that keep it valid.
ADMIN = {
    "etc/rc.conf": ('hostname="lab"', 'ifconfig_em0="DHCP"', 'sshd_enable="YES"',
                    "# local settings", "", 'zfs_enable="YES"'),
    "boot/loader.conf": ('autoboot_delay="3"', 'zfs_load="YES"', "# loader tweaks", "",
                         'kern.geom.label.disk_ident.enable="0"'),
    "etc/devfs.rules": ("[localrules=10]\nadd path 'usb/*' unhide", "# local rules",
                        "[camrules=11]\nadd path 'da*' unhide\nadd path 'pass*' unhide", ""),
}
BEGIN_RE = re.compile(r"# BEGIN bhyvetpl \S+\r?\n?$")
END_RE = re.compile(r"# END bhyvetpl \S+\r?\n?$")

JAIL_NAME = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_-]{0,8}", fullmatch=True)
GUEST_NAME = st.from_regex(r"[a-z0-9][.a-z0-9_-]{0,8}[a-z0-9]", fullmatch=True)
MEMORY = st.sampled_from(["512M", "1G", "2G", "4096M"])
SIZE = st.sampled_from(["8G", "20G", "40G", "512M"])


@dataclass(frozen=True)
class AdminFile:
    """One host file as the admin left it: chunks, line ending, final newline or not."""

    chunks: tuple[str, ...]
    crlf: bool
    final_newline: bool

    def text(self) -> str:
        body = "\n".join(self.chunks)
        if self.final_newline or not body:
            body += "\n"
        return body.replace("\n", "\r\n") if self.crlf else body


def admin_file(rel: str) -> st.SearchStrategy[AdminFile]:
    return st.builds(AdminFile, st.lists(st.sampled_from(ADMIN[rel]), min_size=1,
                                         max_size=4).map(tuple),
                     st.booleans(), st.booleans())


def quoted(name: str) -> str:
    return f'"{name}"'   # the grammars hold no quote or backslash


@st.composite
def guest_table(draw: st.DrawFn, jail: str, name: str) -> str:
    lines = [f"[jails.{quoted(jail)}.guests.{quoted(name)}]",
             f'preset = "{draw(st.sampled_from(["freebsd", "linux", "windows"]))}"']
    if draw(st.booleans()):
        lines.append(f'memory = "{draw(MEMORY)}"')
    if draw(st.booleans()):
        lines.append(f"cpu = {draw(st.integers(1, 4))}")
    if draw(st.booleans()):
        lines.append(f'disks = ["disk0.img,size={draw(SIZE)}"]')
    nics = draw(st.lists(st.sampled_from(["public", "lan"]), max_size=2))
    if nics:
        lines.append("nics = [" + ", ".join(quoted(n) for n in nics) + "]")
    return "\n".join(lines) + "\n"


@st.composite
def spec_text(draw: st.DrawFn) -> str:
    jails = draw(st.lists(JAIL_NAME, min_size=1, max_size=3, unique_by=str.lower))
    parts = ['version = 1\n\n[host]\nrelease = "auto"\nuplink = "auto"\n']
    for index, jail in enumerate(jails):
        if draw(st.booleans()):
            network = 'network = "vnet"\naddress = "' + draw(
                st.sampled_from(["SYNCDHCP", "DHCP"])) + '"'
        else:
            network = f'network = "shared"\naddress = "10.0.{index}.{draw(st.integers(2, 250))}/24"'
        parts.append(f"[jails.{quoted(jail)}]\n{network}\n")
        guests = draw(st.lists(GUEST_NAME, max_size=3, unique_by=str.lower))
        parts += [draw(guest_table(jail, guest)) for guest in guests]
    return "\n".join(parts)


def outside_blocks(raw: bytes) -> bytes:
    """The file's bytes with every bhyvetpl block (markers included) left out."""
    kept, inside = [], False
    for line in raw.decode().splitlines(keepends=True):
        if BEGIN_RE.fullmatch(line):
            inside = True
        elif inside and END_RE.fullmatch(line):
            inside = False
        elif not inside:
            kept.append(line)
    return "".join(kept).encode()


def fresh_host(base: Path, monkeypatch: pytest.MonkeyPatch, files: dict[str, AdminFile]) -> Host:
    host = make_host(base, monkeypatch)
    seed(host)
    use(host, monkeypatch)
    for rel, admin in files.items():
        path = host.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(admin.text().encode())
    return host


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                 HealthCheck.filter_too_much])
@given(text=spec_text(), files=st.fixed_dictionaries({rel: admin_file(rel)
                                                      for rel in HOST_FILES}))
def test_any_valid_spec_converges(text: str, files: dict[str, AdminFile]) -> None:
    with tempfile.TemporaryDirectory() as tmp, pytest.MonkeyPatch.context() as monkeypatch:
        host = fresh_host(Path(tmp) / "host", monkeypatch, files)
        spec = Path(tmp) / "bhyvetpl.toml"
        spec.write_text(text)
        try:
            resolve(parse_spec(text, str(spec)), host_facts(host.root))
        except SpecError:
            assume(False)
        before = {rel: (host.root / rel).read_bytes() for rel in HOST_FILES}
        host.calls()
        args = ("-f", str(spec), "--root", str(host.root))

        code, out, err = host.cli("apply", *args)
        assert code == 0, text + out + err
        for rel in HOST_FILES:
            after = outside_blocks((host.root / rel).read_bytes())
            # A block after an unended last line needs a line end first: awk's LF, even in a
            # CRLF file (the one byte bhyvetpl may add outside its blocks).
            ended = before[rel] if before[rel].endswith(b"\n") else before[rel] + b"\n"
            assert after in (before[rel], ended), (rel, before[rel], after)

        code, out, err = host.cli("plan", *args)
        assert code == 0, text + out + err
        host.calls()
        snapshot = host.snapshot()
        code, out, err = host.cli("apply", *args)
        assert code == 0, text + out + err
        assert host.snapshot() == snapshot   # no file written (not even a backup)
        second = host.calls()
        probes = probe_argvs(host, spec)
        assert set(second) <= probes, set(second) - probes
