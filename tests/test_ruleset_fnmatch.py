"""The rendered ruleset against devfs's own matching: each guest reaches its nodes, no other's.

devfs(8) matches `path` patterns with fnmatch(3) and FNM_PATHNAME (sys/fs/devfs/devfs_rule.c,
devfs_rule_matchpath: `fnmatch(dr->dr_pathptrn, pname, FNM_PATHNAME)`), so `*`, `?` and a
bracket never match a `/`. The matcher below is written from fnmatch(3), independent of
bhyvetpl's own (hostfs/devfs.matches), so a mistake in one does not hide in the other.

The nodes a guest opens (sources in policy.vmm_paths): vm-bhyve's vm-run opens
/dev/nmdm-NAME.N{A,B} per com port (vm::bhyve_device_comports); libvmmapi opens /dev/vmm/NAME
and, through vm_create_devmem, /dev/vmm.io/NAME.bootrom (bootrom.c) and
/dev/vmm.io/NAME.framebuffer (pci_fbuf.c); FreeBSD 15 creates VMs through /dev/vmmctl.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bhyvetpl.hostfs.devfs import rulesets
from bhyvetpl.model.options import HostOptions, build_features
from bhyvetpl.render import render_host


def fnmatch_pathname(pattern: str, name: str) -> bool:
    """fnmatch(3) with FNM_PATHNAME (no FNM_PERIOD, no escapes beyond `\\`)."""
    if not pattern:
        return not name
    head = pattern[0]
    if head == "*":
        rest = pattern.lstrip("*")
        for cut in range(len(name) + 1):
            if "/" in name[:cut]:
                break
            if fnmatch_pathname(rest, name[cut:]):
                return True
        return False
    if not name:
        return False
    if head == "?":
        return name[0] != "/" and fnmatch_pathname(pattern[1:], name[1:])
    if head == "[" and "]" in pattern[2:]:
        close = pattern.index("]", 2)
        body, negate = pattern[1:close], pattern[1] in "!^"
        body = body[1:] if negate else body
        hit = any(lo <= name[0] <= hi for lo, hi in _ranges(body))
        return name[0] != "/" and hit != negate and fnmatch_pathname(pattern[close + 1:],
                                                                     name[1:])
    if head == "\\" and len(pattern) > 1:
        head, pattern = pattern[1], pattern[1:]
    return head == name[0] and fnmatch_pathname(pattern[1:], name[1:])


def _ranges(body: str) -> list[tuple[str, str]]:
    out, i = [], 0
    while i < len(body):
        if i + 2 < len(body) and body[i + 1] == "-":
            out.append((body[i], body[i + 2]))
            i += 3
        else:
            out.append((body[i], body[i]))
            i += 1
    return out


def test_matcher_follows_fnm_pathname() -> None:
    assert fnmatch_pathname("vmm/*", "vmm/a")
    assert not fnmatch_pathname("vmm/*", "vmm")
    assert not fnmatch_pathname("*", "vmm/a")
    assert not fnmatch_pathname("zvol/tank/*", "zvol/tank/vm/disk0")
    assert fnmatch_pathname("nmdm-a.*", "nmdm-a.b.1A")   # why console names need care
    assert fnmatch_pathname("tap[0-9]", "tap3") and not fnmatch_pathname("tap[!0-9]", "tap3")


def guest_nodes(name: str, uefi: bool, vnc: bool) -> set[str]:
    """The device nodes one guest's vm-bhyve and bhyve open (two com ports)."""
    nodes = {f"vmm/{name}", *(f"nmdm-{name}.{n}{end}" for n in (1, 2) for end in "AB")}
    if uefi:
        nodes.add(f"vmm.io/{name}.bootrom")
    if vnc:
        nodes.add(f"vmm.io/{name}.framebuffer")
    return nodes


def vmm_nodes(nodes: set[str]) -> set[str]:
    return {n for n in nodes if n.startswith(("vmm/", "vmm.io/"))}


def unhidden(declared: tuple[str, ...], uefi: tuple[str, ...], vnc: tuple[str, ...],
             release: str) -> tuple[str, ...]:
    features = build_features(HostOptions(release=release, guests=declared,
                                          uefi_guests=uefi, vnc_guests=vnc))
    text = next(f.text for f in render_host(features) if str(f.relpath) == "etc/devfs.rules")
    return rulesets(text)[0].unhidden


def reached(rules: tuple[str, ...], nodes: set[str]) -> set[str]:
    return {n for n in nodes if any(fnmatch_pathname(r, n) for r in rules)}


# vm-bhyve names are 2+ characters: `aa` stands for the guest `a`.
NAMES = ("aa", "aab", "aa.b", "aa-b", "aa_b", "b.aa", "aaa")
COMBOS = [(declared, uefi, vnc, release)
          for declared in (("aa",), ("aa", "aab"), ("aa.b",), ("aab", "aa.b", "aa"))
          for uefi, vnc in ((False, False), (True, False), (True, True))
          for release in ("14.3-RELEASE", "15.0-RELEASE")]


@pytest.mark.parametrize(("declared", "uefi", "vnc", "release"), COMBOS,
                         ids=["-".join((*d, "uefi" if u else "", "vnc" if v else "", r[:4]))
                              for d, u, v, r in COMBOS])
def test_each_guest_reaches_its_nodes_and_no_other_guests(
        declared: tuple[str, ...], uefi: bool, vnc: bool, release: str) -> None:
    rules = unhidden(declared, declared if uefi else (), declared if vnc else (), release)
    for name in NAMES:
        own = guest_nodes(name, uefi, vnc)
        got = reached(rules, own)
        if name in declared:
            assert got == own, f"{name}: hidden {sorted(own - got)}"
        else:
            # vmm(4) nodes: exact names, never another guest's (`aa` vs `aab`, `aa.b`).
            assert not vmm_nodes(got), f"{name} reached through {rules}"
    fifteen = release.startswith("15.")
    assert reached(rules, {"vmm", "vmmctl"}) == {"vmm", *(("vmmctl",) if fifteen else ())}
    assert ("vmm.io" in rules) == uefi


def test_a_segment_is_granted_only_to_the_guest_that_maps_it() -> None:
    rules = unhidden(("aa", "bb"), ("bb",), ("bb",), "14.3-RELEASE")
    assert not reached(rules, {"vmm.io/aa.bootrom", "vmm.io/aa.framebuffer"})
    assert reached(rules, {"vmm.io/bb.bootrom", "vmm.io/bb.framebuffer"}) == {
        "vmm.io/bb.bootrom", "vmm.io/bb.framebuffer"}


def test_no_declared_guest_keeps_the_wildcards_and_says_so() -> None:
    features = build_features(HostOptions())
    text = next(f.text for f in render_host(features) if str(f.relpath) == "etc/devfs.rules")
    assert "declare guests to narrow this" in text
    assert {"vmm/*", "vmm.io/*"} <= set(rulesets(text)[0].unhidden)


name_st = st.from_regex(r"[a-z0-9][.a-z0-9_-]{0,6}[a-z0-9]", fullmatch=True)


@given(st.lists(name_st, min_size=1, max_size=4, unique=True), name_st)
def test_a_guest_outside_the_ruleset_reaches_no_vmm_node(declared: list[str],
                                                         other: str) -> None:
    if other in declared:
        return
    rules = unhidden(tuple(declared), tuple(declared), tuple(declared), "15.0-RELEASE")
    assert not vmm_nodes(reached(rules, guest_nodes(other, True, True)))
    for name in declared:
        assert reached(rules, guest_nodes(name, True, True)) == guest_nodes(name, True, True)


def test_the_readme_comparison_lists_every_node_shared_mode_grants() -> None:
    """README's table (web: UEFI+VNC, db: bhyveload, zvols, 15.0) names every rendered path."""
    from pathlib import Path

    readme = (Path(__file__).resolve().parent.parent / "README.md").read_text()
    table = readme.split("**Compared with the peer.**", 1)[1].split("\n\n", 2)[1]
    features = build_features(HostOptions(release="15.0-RELEASE", guests=("web", "db"),
                                          uefi_guests=("web",), vnc_guests=("web",),
                                          zvol_dataset="tank/vm"))
    text = next(f.text for f in render_host(features) if str(f.relpath) == "etc/devfs.rules")
    granted = rulesets(text)[0].unhidden
    assert len(granted) > 10
    missing = [p for p in granted if f"`{p}`" not in table]
    assert not missing, f"README comparison lacks {missing}"
