from __future__ import annotations

from pathlib import Path

import pytest

from bhyvetpl.lint import detect_kind, lint_text

FIXTURES = Path(__file__).resolve().parent / "fixtures"

LINT = FIXTURES / "lint"
GOOD = """# a bhyve jail
ARG VM_DIR=/vms
ARG+ UPLINK
CONFIG set allow.vmm
CONFIG set devfs_ruleset 25
RESTART
PKG vm-bhyve \\
 edk2-bhyve
SYSRC vm_dir=${VM_DIR}
CMD vm switch list | grep -q "^public " || vm switch create -i ${UPLINK} public
"""


def codes(text: str) -> list[tuple[int, str, str]]:
    return [(f.line, f.severity, f.code)
            for f in lint_text(Path("Bastillefile"), text, "bastillefile")]


def test_good_bastillefile_is_clean() -> None:
    assert codes(GOOD) == []


def test_harness_example_passes_but_for_its_optional_arg() -> None:
    path = LINT / "bastille-example" / "Bastillefile"
    assert [(f.line, f.code) for f in lint_text(path, path.read_text())] == [
        (9, "arg-no-default")]


@pytest.mark.parametrize(("extra", "expected"), [
    pytest.param("FOO bar\n", (11, "error", "unknown-hook"), id="unknown-hook"),
    pytest.param("  PKG nginx\n", (11, "error", "indented"), id="indented-spaces"),
    pytest.param("\tPKG nginx\n", (11, "warning", "indented"), id="indented-tab"),
    pytest.param("PKG\tnginx\n", (11, "error", "tab-after-hook"), id="tab-after-hook"),
    pytest.param("CONFIG set securelevel=1;\nRESTART\n", (11, "error", "config-eq-form"),
                 id="config-eq-form"),
    pytest.param("CONFIG set allow.vmm_ppt\nRESTART\n", (11, "error", "config-property"),
                 id="config-vmm-ppt"),
    pytest.param("CONFIG set exec.start '/bin/sh /etc/rc'\nRESTART\n",
                 (11, "error", "config-value"), id="config-quote"),
    pytest.param("CONFIG set securelevel 1\n", (11, "warning", "config-no-restart"),
                 id="config-without-restart"),
    pytest.param("ARG X=a;touch /tmp/f\n", (11, "error", "unsafe-arg"), id="unsafe-arg"),
    pytest.param("ARG 1X=a\n", (11, "error", "arg-name"), id="arg-name"),
    pytest.param("ARG OPT\n", (11, "warning", "arg-no-default"), id="arg-no-default"),
    pytest.param("ARG VM_DIR=/other\n", (11, "warning", "duplicate-arg"), id="duplicate-arg"),
    pytest.param("SYSRC a=${LATE}\nARG LATE=x\n", (11, "error", "arg-before-declared"),
                 id="used-before-arg"),
    pytest.param("SYSRC a=${NOPE}\n", (11, "warning", "undeclared-var"), id="undeclared"),
    pytest.param("SYSRC a=1 # note\n", (11, "warning", "inline-comment"), id="inline-hash"),
    pytest.param("# note \\\nPKG nginx\n", (11, "error", "comment-continues"),
                 id="comment-swallows-next-line"),
    pytest.param("PKG nginx\r\n", (11, "error", "crlf"), id="crlf"),
])
def test_rule_flags_line(extra: str, expected: tuple[int, str, str]) -> None:
    assert expected in codes(GOOD + extra)


@pytest.mark.parametrize("extra", [
    pytest.param("sysrc lower=yes\n", id="lower-case-hook"),
    pytest.param("  # indented comment\n", id="indented-comment"),
    pytest.param("CMD echo hi # a comment inside sh -c\n", id="cmd-hash"),
    pytest.param("ARG B=${VM_DIR}/sub\n", id="arg-default-uses-earlier-arg"),
    pytest.param("SYSRC name=${JAIL_NAME}\n", id="builtin-var"),
    pytest.param("INCLUDE default/base --arg R=${bastille_template}/r\n", id="bastille-template"),
])
def test_rule_passes_line(extra: str) -> None:
    assert codes(GOOD + extra) == []


def test_parse_edges_case() -> None:
    path = LINT / "parse-edges" / "Bastillefile"
    found = {(f.line, f.code) for f in lint_text(path, path.read_text())}
    assert found == {(3, "unsafe-arg"), (4, "arg-no-default"), (9, "undeclared-var"),
                     (10, "tab-after-hook"), (14, "inline-comment"), (15, "unknown-hook")}


def test_config_eq_form_case() -> None:
    path = LINT / "config-eq-form" / "Bastillefile"
    found = [f for f in lint_text(path, path.read_text()) if f.is_error]
    # The trailing `;` is also a command separator under template.sh's eval.
    assert [(f.line, f.code) for f in found] == [(2, "config-eq-form"), (2, "eval-code"),
                                                 (3, "config-eq-form"), (3, "eval-code")]
    assert "CONFIG set allow.vmm 1" in found[0].message


def test_unknown_hook_suggests() -> None:
    (finding,) = list(lint_text(Path("Bastillefile"), GOOD + "SYRSC a=b\n"))
    assert "did you mean SYSRC?" in finding.message


@pytest.mark.parametrize(("name", "text", "kind"), [
    ("Bastillefile", "loader=x\n", "bastillefile"),
    ("template", "# c\nPKG nginx\n", "bastillefile"),
    ("guest.conf", 'loader="uefi"\n', "vmconf"),
    ("guest", "# c\n\ncpu=1\n", "vmconf"),
])
def test_detect_kind(name: str, text: str, kind: str) -> None:
    assert detect_kind(Path(name), text) == kind


# What the model refuses, seen in an existing Bastillefile: each flagged on line 11. On
# f72da7b lint passed every one of these (no eval-code or bad-address rule existed).
@pytest.mark.parametrize(("extra", "code"), [
    pytest.param('SYSRC ifconfig_vnet0_ipv6="inet6 fe80::1%$(id)/64"\n', "eval-code",
                 id="zone-subst"),
    pytest.param('SYSRC ifconfig_vnet0_ipv6="inet6 fe80::1%vnet0/64"\n', "bad-address",
                 id="zone-on-jail-address"),
    pytest.param('SYSRC ipv6_defaultrouter="fe80::1%a b"\n', "bad-address", id="zone-space"),
    pytest.param('SYSRC defaultrouter="10.0.0.1%vnet0"\n', "bad-address", id="zone-on-ipv4"),
    pytest.param('SYSRC ifconfig_vnet0="inet 10.0.0.5/24;id"\n', "bad-address",
                 id="semicolon-in-address"),
    pytest.param("SYSRC foo=`id`\n", "eval-code", id="backtick"),
    pytest.param("SYSRC foo=a;id\n", "eval-code", id="semicolon"),
    pytest.param('SYSRC foo="${IFS:-x}"\n', "eval-code", id="dollar-brace-expansion"),
    pytest.param("SYSRC foo=$(id)\n", "eval-code", id="subst"),
    pytest.param("SYSRC foo=a\x01b\n", "eval-code", id="control"),
    pytest.param("SYSRC foo='a\n", "eval-code", id="open-quote"),
    pytest.param("CONFIG set host.hostname a$(id)\nRESTART\n", "eval-code", id="config-subst"),
    pytest.param("CONFIG set host.hostname a|b\nRESTART\n", "eval-code", id="config-pipe"),
    pytest.param("CONFIG set ip6.addr vnet0|fe80::1%$(id)/64\nRESTART\n", "bad-address",
                 id="config-address-zone"),
    pytest.param("PKG nginx;reboot\n", "eval-code", id="pkg-semicolon"),
    pytest.param("SERVICE nginx `id`\n", "eval-code", id="service-backtick"),
])
def test_eval_and_address_rules_flag_line(extra: str, code: str) -> None:
    assert (11, "error", code) in codes(GOOD + extra)


@pytest.mark.parametrize("extra", [
    pytest.param('SYSRC ipv6_defaultrouter="fe80::1%vnet0"\n', id="link-local-router-zone"),
    pytest.param('SYSRC ifconfig_vnet0_ipv6="inet6 fd00::5/64"\n', id="ipv6-address"),
    pytest.param('SYSRC ifconfig_vnet0="SYNCDHCP"\n', id="dhcp"),
    pytest.param("SYSRC sshd_flags='-o A=$B;c'\n", id="single-quoted-is-literal"),
    pytest.param('SERVICE "nginx" start\n', id="double-quoted-word"),
    pytest.param("CMD echo $(hostname); id\n", id="cmd-is-shell-on-purpose"),
])
def test_eval_and_address_rules_pass_line(extra: str) -> None:
    assert codes(GOOD + extra) == []


@pytest.mark.parametrize("line", ["CP vm-templates/ /vms/.templates", "COPY etc /",
                                  "OVERLAY usr", 'CP "etc/rc.conf.local" /etc'])
def test_a_missing_cp_or_overlay_source_is_reported(tmp_path: Path, line: str) -> None:
    """Issue 11: template.sh prefixes ${bastille_template}/ to relative CP and all OVERLAY
    sources (Bastille 1.4.4 template.sh `cp|copy)` and `overlay)`); bastille cp fails later."""
    path = tmp_path / "Bastillefile"
    found = [(f.line, f.code) for f in lint_text(path, f"PKG vm-bhyve\n{line}\n", "bastillefile")]
    assert found == [(2, "missing-source")]
    source = line.split()[1].strip('"')
    (tmp_path / source).parent.mkdir(parents=True, exist_ok=True)
    if source.endswith("/") or "." not in source:
        (tmp_path / source).mkdir(exist_ok=True)
    else:
        (tmp_path / source).write_text("x\n")
    assert lint_text(path, f"PKG vm-bhyve\n{line}\n", "bastillefile") == []


def test_an_absolute_cp_source_is_the_hosts_and_not_checked(tmp_path: Path) -> None:
    assert lint_text(tmp_path / "Bastillefile", "CP /nonexistent/x /etc\n",
                     "bastillefile") == []
