"""The spec file: structure and types, errors at FILE:LINE: KEY, "auto" from facts."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bhyvetpl.errors import ExitCode, SpecError
from bhyvetpl.facts.model import Facts, Release
from bhyvetpl.spec.keys import GUEST_KEYS, HOST_KEYS, JAIL_KEYS
from bhyvetpl.spec.lines import key_lines
from bhyvetpl.spec.load import SpecFileError, parse_spec, read_spec
from bhyvetpl.spec.resolve import resolve
from bhyvetpl.spec.schema import schema_json, spec_schema

ROOT = Path(__file__).resolve().parent.parent
LAB = ROOT / "examples" / "lab.toml"
HOST = Facts(release=Release("14.3-RELEASE-p5", "14.3-RELEASE-p5", "14.3-RELEASE-p6"),
             default_interface="igb0")


def error(text: str, facts: Facts = HOST) -> SpecFileError:
    with pytest.raises(SpecFileError) as caught:
        resolve(parse_spec(text, "s.toml"), facts)
    assert caught.value.exit_code == ExitCode.USAGE
    assert "\n" not in str(caught.value)
    return caught.value


def test_example_lab_resolves_from_facts() -> None:
    desired = resolve(read_spec(LAB), HOST)
    assert (desired.release, desired.uplink) == ("14.3-RELEASE-p6", "igb0")
    (jail,) = desired.jails
    assert (jail.release, jail.interface, jail.ruleset.number) == ("14.3-RELEASE", "igb0", 25)
    assert [g.name for g in jail.guests] == ["fbsd1", "deb1"]
    assert jail.guests[0].cpu == 2 and jail.guests[0].memory == "2G"


def test_explicit_values_win_over_facts() -> None:
    text = ('version = 1\n[host]\nrelease = "15.0-RELEASE"\nuplink = "em1"\n'
            '[jails.j1]\ninterface = "ix0"\n')
    desired = resolve(parse_spec(text, "s.toml"), HOST)
    assert (desired.release, desired.uplink) == ("15.0-RELEASE", "em1")
    assert desired.jails[0].release == "15.0-RELEASE" and desired.jails[0].interface == "ix0"


def test_auto_without_the_fact_names_the_key() -> None:
    err = error("version = 1\n[host]\nuplink = \"auto\"\n", Facts(release=HOST.release))
    assert str(err).startswith("s.toml:3: host.uplink:")
    err = error("version = 1\n", Facts())
    assert str(err).startswith("s.toml:1: host.release:")


def test_each_jail_gets_its_own_ruleset() -> None:
    text = ("version = 1\n[jails.a]\n[jails.b]\nnetwork = \"shared\"\naddress = \"10.0.0.2/24\"\n"
            "[jails.c-1]\nnetwork = \"shared\"\naddress = \"10.0.0.3/24\"\n")
    jails = resolve(parse_spec(text, "s.toml"), HOST).jails
    assert [(j.ruleset.number, j.ruleset.name) for j in jails] == [
        (25, "devfs_rules_bhyve_jail"), (26, "devfs_rules_bhyve_jail_b"),
        (27, "devfs_rules_bhyve_jail_c_1")]


@pytest.mark.parametrize(("text", "where"), [
    ("version = 2\n", "s.toml:1: version:"),
    ("version = 1\ncolour = 1\n", "s.toml:2: colour:"),
    ("version = 1\n[host]\nruleset = \"25\"\n", "s.toml:3: host.ruleset:"),
    ("version = 1\n[jails.j]\nvm_dirr = \"/vms\"\n", "s.toml:3: jails.j.vm_dirr:"),
    ("version = 1\n[jails.j]\n\n[jails.j.guests.g1]\ncpu = true\n",
     "s.toml:5: jails.j.guests.g1.cpu:"),
    ("version = 1\n[jails.j.guests.g1]\ndisks = [\n  \"a.img\",\n  3,\n]\n",
     "s.toml:3: jails.j.guests.g1.disks:"),
    ("version = 1\n[jails.j]\nnetwork = \"vnet\"\n[jails.j.guests.g1]\nmemory = \"4\"\n",
     "s.toml:5: jails.j.guests.g1.memory:"),
    ("version = 1\n[jails.j]\nvm_dir = \"zfs:bad pool\"\n", "s.toml:3: jails.j.vm_dir:"),
    ("version = 1\n[jails.j]\naddress = \"fe80::1%$(id)/64\"\n", "s.toml:3: jails.j.address:"),
    ("version = 1\n[jails.j]\n[jails.j.guests.g1]\nnics = [\"public\", \"x,mac=zz\"]\n",
     "s.toml:4: jails.j.guests.g1.nics:"),
    ("version = 1\n[jails.j]\n[jails.j.guests.x]\n", "s.toml:3: jails.j.guests.x:"),
    ("version = 1\n[host\n", "s.toml:2: toml:"),
])
def test_errors_name_file_line_and_key(text: str, where: str) -> None:
    assert str(error(text)).startswith(where)


def test_unreadable_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match=r"missing\.toml"):
        read_spec(tmp_path / "missing.toml")


keys = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)


@given(st.lists(st.tuples(keys, st.lists(keys, min_size=1, max_size=4, unique=True)),
                min_size=1, max_size=4, unique_by=lambda t: t[0]),
       st.integers(0, 3))
def test_every_key_is_found_at_its_line(tables: list[tuple[str, list[str]]],
                                        blank: int) -> None:
    lines: list[str] = ["version = 1"]
    expect: dict[str, int] = {"version": 1}
    for table, names in tables:
        lines += [""] * blank + [f"[t.{table}]"]
        expect[f"t.{table}"] = len(lines)
        for name in names:
            lines += [f"{name} = [", '  "a # not a comment ]",', "]"]
            expect[f"t.{table}.{name}"] = len(lines) - 2
    found = key_lines("\n".join(lines) + "\n")
    assert {k: v for k, v in found.items() if k in expect} == expect
    assert set(found) == set(expect) | {"t"} - {"t"}


def test_schema_lists_the_same_keys_as_the_loader() -> None:
    schema = spec_schema()
    host = schema["properties"]["host"]["properties"]
    jail = schema["properties"]["jails"]["additionalProperties"]
    guest = jail["properties"]["guests"]["additionalProperties"]["properties"]
    assert set(host) == set(HOST_KEYS)
    assert set(jail["properties"]) == set(JAIL_KEYS) | {"guests"}
    assert set(guest) == set(GUEST_KEYS)
    assert json.loads(schema_json()) == schema
