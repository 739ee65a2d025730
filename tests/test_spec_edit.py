"""Adding a guest to a spec keeps every byte the admin wrote, and the result reads back."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bhyvetpl.errors import SpecError
from bhyvetpl.facts.model import Facts, Release
from bhyvetpl.hostfs import SymlinkError
from bhyvetpl.model.options import GuestOptions
from bhyvetpl.spec.edit import add_guest, guest_edit, guest_values
from bhyvetpl.spec.keys import GUEST_KEYS
from bhyvetpl.spec.load import GuestEntry, SpecFile, parse_spec
from bhyvetpl.spec.resolve import resolve
from tests.standin_env import Host
from tests.test_emit_e2e import normalised, seed, twin_hosts, use
from tests.test_spec_plan import SPEC as SPEC_PLAN

SPEC = """# the lab
version = 1

[host]
release = "auto"   # the host's

[jails.bhyve]
network = "vnet"
address = "SYNCDHCP"

[jails.bhyve.guests.fbsd1]
cpu = 2
# memory = "4G"   (later)

# the web jail, kept shared
[jails.web]
network = "shared"
"""
FACTS = Facts(release=Release("14.3-RELEASE", "14.3-RELEASE", "14.3-RELEASE"),
              default_interface="em0")
VALUES = {"preset": "linux", "cpu": 2, "memory": "4G", "disks": ["disk0.img,size=30G"]}


def insertions(before: str, after: str) -> set[str]:
    """Every X with after == before[:p] + X + before[p:]: empty unless before is all there.

    (An insertion next to equal characters can be read at several p, hence a set.)
    """
    added = len(after) - len(before)
    assert added > 0
    top = next((i for i, (a, b) in enumerate(zip(before, after, strict=False)) if a != b),
               len(before))
    return {after[p:p + added] for p in range(top + 1)
            if after[:p] == before[:p] and after[p + added:] == before[p:]}


def with_guest(spec: SpecFile, jail: str, guest: str, values: dict[str, object]) -> list[object]:
    return [dataclasses.replace(j, guests=(*j.guests, GuestEntry(guest, values)))
            if j.name == jail else j for j in spec.jails]


def test_the_table_goes_after_the_jail_and_above_the_next_tables_comment() -> None:
    edited = add_guest(SPEC, "bhyve", "deb1", VALUES)
    assert edited == SPEC.replace(
        '# memory = "4G"   (later)\n\n',
        '# memory = "4G"   (later)\n\n[jails.bhyve.guests.deb1]\npreset = "linux"\ncpu = 2\n'
        'memory = "4G"\ndisks = ["disk0.img,size=30G"]\n\n')
    spec = parse_spec(edited, "x")
    assert list(spec.jails) == with_guest(parse_spec(SPEC, "x"), "bhyve", "deb1", VALUES)


def test_crlf_stays_crlf_and_the_table_follows_it() -> None:
    text = SPEC.replace("\n", "\r\n")
    edited = add_guest(text, "web", "w1", {"preset": "freebsd"})
    assert '\r\n[jails.web.guests.w1]\r\npreset = "freebsd"\r\n' in insertions(text, edited)


@pytest.mark.parametrize(("text", "added"), [
    pytest.param('version = 1\n[jails.a]\nnetwork = "vnet"', '\n\n[jails.a.guests.g]\n',
                 id="no-final-newline"),
    pytest.param('version = 1\njails.a.network = "vnet"\n', '\n[jails.a.guests.g]\n',
                 id="dotted-keys"),
    pytest.param('version = 1\n[jails.a]\nnetwork = "vnet"\n[jails.b]\n',
                 '\n[jails.a.guests.g]\n\n', id="next-header-glued"),
    pytest.param('version = 1\n[jails.a]\n[jails.b]\n[jails.a.guests.x]\n',
                 '\n[jails.a.guests.g]\n', id="jail-split-up"),
])
def test_odd_but_valid_layouts(text: str, added: str) -> None:
    edited = add_guest(text, "a", "g", {})
    assert added in insertions(text, edited)
    assert [g.name for j in parse_spec(edited, "x").jails if j.name == "a"
            for g in j.guests][-1] == "g"


@pytest.mark.parametrize(("text", "jail", "guest", "message"), [
    pytest.param(SPEC, "nope", "g", "s.toml:1: jails.nope: 'nope' is not accepted; expected "
                 "a jail of the spec (it has: bhyve, web)", id="no-jail"),
    pytest.param(SPEC, "bhyve", "fbsd1", "s.toml:11: jails.bhyve.guests.fbsd1: 'fbsd1'",
                 id="guest-there"),
    pytest.param('version = 1\njails.a = { network = "vnet" }\n', "a", "g",
                 "s.toml:2: jails.a: 'a' is not accepted; expected a [jails.NAME] table",
                 id="inline-jail"),
    pytest.param("version = 1\n[jails.a\n", "a", "g", "s.toml:2: toml", id="broken"),
])
def test_refusals_name_the_file_and_line(text: str, jail: str, guest: str,
                                         message: str) -> None:
    with pytest.raises(SpecError) as caught:
        add_guest(text, jail, guest, {}, "s.toml")
    assert str(caught.value).startswith(message)
    assert "\n" not in str(caught.value)


def test_guest_values_are_the_flags_given_in_key_order() -> None:
    assert set(GUEST_KEYS) <= {f.name for f in dataclasses.fields(GuestOptions)}
    options = GuestOptions(name="g", memory="4G", cpu=2, nics=("br0",), graphics=False)
    assert list(guest_values(options).items()) == [
        ("preset", "freebsd"), ("cpu", 2), ("memory", "4G"), ("nics", ["br0"]),
        ("graphics", False)]


def test_the_file_is_edited_in_place_keeping_its_mode(tmp_path: Path) -> None:
    path = tmp_path / "spec.toml"
    path.write_text(SPEC)
    path.chmod(0o600)
    edit = guest_edit(path, "bhyve", GuestOptions(name="deb1", preset="linux"))
    assert path.read_text() == SPEC   # checked, not yet written
    edit.write()
    assert "\n" + edit.table in insertions(SPEC, path.read_text())
    assert path.stat().st_mode & 0o777 == 0o600
    with pytest.raises(SpecError, match="fbsd1"):
        guest_edit(path, "bhyve", GuestOptions(name="fbsd1"))


def test_a_symlinked_spec_is_refused(tmp_path: Path) -> None:
    (tmp_path / "real.toml").write_text(SPEC)
    (tmp_path / "spec.toml").symlink_to(tmp_path / "real.toml")
    with pytest.raises(SymlinkError):
        guest_edit(tmp_path / "spec.toml", "bhyve", GuestOptions(name="deb1"))


# Comments anywhere: any character TOML allows in one (line separators included).
COMMENT = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12)
FILLER = st.lists(st.one_of(st.just(""), st.just("   "), COMMENT.map(lambda c: "#" + c),
                            COMMENT.map(lambda c: "  # [jails.x] " + c)), max_size=3)
LINES = ("version = 1", "[host]", 'release = "auto"', "[jails.a]", 'network = "vnet"',
         "[jails.a.guests.g1]", "cpu = 2", "[jails.b]", 'network = "vnet"',
         'address = "SYNCDHCP"', "[jails.b.guests.h1]", 'memory = "2G"',
         'disks = [\n  "d0.img",\n]')


@settings(max_examples=150, deadline=None)
@given(fillers=st.lists(FILLER, min_size=len(LINES) + 1, max_size=len(LINES) + 1),
       tails=st.lists(st.one_of(st.just(""), COMMENT.map(lambda c: "  #" + c)),
                      min_size=len(LINES), max_size=len(LINES)),
       newline=st.sampled_from(["\n", "\r\n"]), final=st.booleans(),
       jail=st.sampled_from(["a", "b"]),
       keys=st.lists(st.sampled_from(list(VALUES)), unique=True))
def test_any_commented_spec_keeps_every_byte(fillers: list[list[str]], tails: list[str],
                                             newline: str, final: bool, jail: str,
                                             keys: list[str]) -> None:
    lines: list[str] = []
    for filler, line, tail in zip(fillers, LINES, tails, strict=False):
        lines += [*filler, line + ("" if line.startswith("[") or "\n" in line else tail)]
    lines += fillers[-1]
    text = newline.join(lines).replace("\n", newline).replace("\r\r\n", "\r\n") + (
        newline if final else "")
    original = parse_spec(text, "x")
    values = {key: VALUES[key] for key in GUEST_KEYS if key in keys}
    edited = add_guest(text, jail, "new1", values)
    table = [f"[jails.{jail}.guests.new1]",
             *(f"{k} = {json.dumps(v)}" for k, v in values.items())]
    found = [x for x in insertions(text, edited)
             if [line for line in x.split(newline) if line] == table]
    assert found   # ("\n[T]\n" and "[T]\n\n" may both read right)
    assert "\r" not in found[0] if newline == "\n" else "\n" not in found[0].replace(
        "\r\n", "")
    spec = parse_spec(edited, "x")
    assert list(spec.jails) == with_guest(original, jail, "new1", values)
    desired = resolve(spec, FACTS)
    before = resolve(original, FACTS)
    assert [[g.name for g in j.guests] for j in desired.jails] == [
        [g.name for g in j.guests] + (["new1"] if j.name == jail else [])
        for j in before.jails]


# On the stand-in host: `new-guest -f` run directly edits the spec, its --emit sh does not.
LAB = SPEC_PLAN.replace('[jails.bhyve.guests.deb1]\npreset = "linux"\nmemory = "4G"\n', "")
NEW_GUEST = ("new-guest", "bhyve", "deb1", "--preset", "linux", "--memory", "4G")


def test_new_guest_adds_the_guest_the_plan_then_finds(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    direct, script = twin_hosts(tmp_path, monkeypatch)
    for host in (direct, script):
        use(host, monkeypatch)
        (host.base / "lab.toml").write_text("# the admin's lab\n" + LAB)
        code, out, err = host.cli("apply", "-f", str(host.base / "lab.toml"),
                                  "--root", str(host.root))
        assert code == 0, out + err
        host.calls()
    before = (direct.base / "lab.toml").read_text()

    use(direct, monkeypatch)
    code, out, err = direct.cli(*NEW_GUEST, "-f", str(direct.base / "lab.toml"),
                                "--root", str(direct.root))
    assert code == 0, out + err
    table = '[jails.bhyve.guests.deb1]\npreset = "linux"\nmemory = "4G"\n'
    assert insertions(before, (direct.base / "lab.toml").read_text()) >= {"\n" + table}
    assert f"added [jails.bhyve.guests.deb1] to {direct.base / 'lab.toml'}" in out

    use(script, monkeypatch)
    code, text, err = script.cli(*NEW_GUEST, "-f", str(script.base / "lab.toml"),
                                 "--root", str(script.root), "--emit", "sh")
    assert code == 0, err
    assert (script.base / "lab.toml").read_text() == before   # the admin's to edit
    assert err.endswith("once the guest exists, add:\n" + table)
    scode, sout, serr = script.sh(text)
    assert scode == 0, sout + serr
    assert direct.calls() == script.calls()
    assert normalised(direct) == normalised(script)

    use(direct, monkeypatch)
    code, out, err = direct.cli("plan", "-f", str(direct.base / "lab.toml"),
                                "--root", str(direct.root))
    # Nothing to do at all: the guest exists, its firmware was installed by new-guest, and
    # the jail's Bastille template (the jail's alone, not its guests') stays as applied.
    assert code == 0, out + err
    assert "nothing to do" in out


@pytest.mark.parametrize(("extra", "exit_code"), [
    pytest.param(("--dry-run",), 0, id="dry-run"), pytest.param(("--cpu", "0"), 2, id="bad"),
    pytest.param((), 1, id="jail-stopped")])
def test_new_guest_leaves_the_spec_when_it_does_not_run(
        fake_host: Host, monkeypatch: pytest.MonkeyPatch, extra: tuple[str, ...],
        exit_code: int) -> None:
    seed(fake_host)
    use(fake_host, monkeypatch)
    spec = fake_host.base / "lab.toml"
    spec.write_text(LAB)
    code, out, err = fake_host.cli(*NEW_GUEST, *extra, "-f", str(spec),
                                   "--root", str(fake_host.root))
    assert code == exit_code, out + err
    assert spec.read_text() == LAB


def test_new_guest_refuses_before_running_when_the_spec_cannot_take_it(
        fake_host: Host, monkeypatch: pytest.MonkeyPatch) -> None:
    seed(fake_host)
    use(fake_host, monkeypatch)
    spec = fake_host.base / "lab.toml"
    spec.write_text(SPEC_PLAN)
    code, out, err = fake_host.cli(*NEW_GUEST, "-f", str(spec), "--root", str(fake_host.root))
    assert code == 2 and f"{spec}:" in err and "jails.bhyve.guests.deb1" in err, out + err
    assert fake_host.calls() == [] and spec.read_text() == SPEC_PLAN
