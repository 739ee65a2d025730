"""Every emitted script: shellcheck-silent, parses under /bin/sh, one quoting routine."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path, PurePosixPath

import pytest

from bhyvetpl.emit import emit_sh
from bhyvetpl.model.options import (
    GuestOptions,
    HostOptions,
    JailOptions,
    build_features,
    build_guest,
    build_jail,
)
from bhyvetpl.plan.actions import EditBlock, FileProbe, Plan, RemoveFile, RunCommand, WriteFile
from bhyvetpl.plan.build import host_prepare_plan, jail_create_plan, template_apply_plan
from bhyvetpl.plan.guest import IsoSource, new_guest_plan

SHELLCHECK = str(Path(sys.executable).parent / "shellcheck")
# a --root that local_path accepts ($, backquotes, \\ and " are refused) but sh must quote
ODD = Path("/srv/it's a (root) &x;* |y")


def plans() -> dict[str, Plan]:
    guest = build_guest(GuestOptions("gpu1", preset="windows", passthru=("2/0/0",)))
    jail = build_jail(JailOptions("bhyve", vm_dataset="zroot/vms", passthrough=True),
                      guests=(guest,))
    return {
        "host-default": host_prepare_plan(build_features(HostOptions()), Path("/")),
        "host-rich": host_prepare_plan(build_features(HostOptions(
            jail="lab", ruleset=30, ruleset_name="lab_rules", host_taps=("tap0", "tap1"),
            uplink="igb0", zvol_dataset="zroot/vms", passthru=("2/0/0", "3/0/0"),
            vmm_ppt=True, dhcp=True, release="12.2-RELEASE", tap=False)), ODD),
        "jail-bridge": jail_create_plan(build_jail(JailOptions(
            "web", network="bridge", interface="bridge0", address="10.0.0.5/24",
            gateway="10.0.0.1", presets=("freebsd", "linux", "windows"))), Path("/")),
        "jail-zfs-ppt": jail_create_plan(jail, ODD, PurePosixPath("/bastille")),
        "jail-apply-own": template_apply_plan("web", ODD / "tpl", "0" * 64, ODD),
        "guest-host-iso": new_guest_plan(jail, guest, ODD, IsoSource.parse(
            "/srv/iso/Win11_24H2.iso"), start=True),
    }


@pytest.mark.parametrize("name", list(plans()))
def test_script_is_clean(name: str) -> None:
    text = emit_sh(plans()[name])
    check = subprocess.run([SHELLCHECK, "-s", "sh", "-"], input=text, capture_output=True,
                           text=True, check=False)
    assert check.returncode == 0, check.stdout
    syntax = subprocess.run(["/bin/sh", "-n"], input=text, capture_output=True, text=True,
                            check=False)
    assert syntax.returncode == 0, syntax.stderr
    assert text.startswith("#!/bin/sh\n") and "\nset -eu\n" in text
    steps = plans()[name].steps
    files = sum(isinstance(s, WriteFile | EditBlock | RemoveFile) for s in steps)
    stamps = sum(isinstance(s, RunCommand) and isinstance(s.skip_if, FileProbe) for s in steps)
    assert text.count("<<'BHYVETPL_EOF'") == files + stamps


def test_host_path_iso_is_copied_with_bastille_cp() -> None:
    text = emit_sh(plans()["guest-host-iso"])
    assert ("bastille cp bhyve /srv/iso/Win11_24H2.iso /zroot/vms/.iso/Win11_24H2.iso </dev/null"
            in text)
    assert "bastille cmd bhyve test -f /zroot/vms/.iso/Win11_24H2.iso" in text
