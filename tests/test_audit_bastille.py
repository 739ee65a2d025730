"""The fstab lines the audit matrix uses are the ones Bastille's own `bastille mount` writes.

Bastille's scripts (1.4.4 and the mirror's HEAD) are extracted from the mirror into a
temporary directory (nothing of Bastille is stored here), their absolute /usr/local paths
pointed into that copy; `id -u` answers 0, `jls` names the jail as running, `mount` and
`sysrc` do nothing. They run under bash (SH=bash, Bastille's own knob): FreeBSD's sh, like
bash and unlike dash, leaves the `\\ ` of a blank in a path to mount.sh's sed (the shared
harness's README). The host path lives below the temporary directory (mount.sh creates a
missing one), so the line is read back with that directory taken off.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from bhyvetpl import audit
from bhyvetpl.facts import parse
from tests.test_audit import JAIL, JAILS, base, bastille_mount, with_jail
from tests.upstream import needs_upstream, require_upstream

pytestmark = needs_upstream
GIT = shutil.which("git") or "/usr/bin/git"
BASH = shutil.which("bash") or "/bin/bash"
STUBS = {"id": '[ "$1" = -u ] && { echo 0; exit 0; }\nexec /usr/bin/id "$@"',
         "jls": f'echo {JAIL}', "mount": ":", "sysrc": ":"}


def bastille(tmp: Path, rev: str) -> Path:
    """Bastille at rev below tmp, configured with its jails under tmp/prefix/jails."""
    mirror = require_upstream() / "BastilleBSD+bastille" / "repo"
    archive = subprocess.run([GIT, "-C", str(mirror), "archive", rev, "usr/local"],
                             capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(tmp, filter="data")
    for path in (tmp / "usr/local").rglob("*.sh"):
        text = path.read_text(errors="surrogateescape")
        for p in ("/usr/local/share/bastille", "/usr/local/etc/bastille"):
            text = text.replace(p, f"{tmp}{p}")
        path.write_text(text, errors="surrogateescape")
    main = tmp / "usr/local/bin/bastille"
    main.write_text(main.read_text().replace("/usr/local/", f"{tmp}/usr/local/"))
    (tmp / "usr/local/etc/bastille").mkdir(parents=True, exist_ok=True)
    (tmp / "usr/local/etc/bastille/bastille.conf").write_text(
        f'bastille_prefix="{tmp}/prefix"\nbastille_jailsdir="{tmp}/prefix/jails"\n'
        f'bastille_sharedir="{tmp}/usr/local/share/bastille"\nbastille_zfs_enable="NO"\n')
    jail = tmp / "prefix/jails" / JAIL
    (jail / "root").mkdir(parents=True)
    (jail / "jail.conf").write_text(f"{JAIL} {{\n  path = {jail}/root;\n"
                                    f"  mount.fstab = {jail}/fstab;\n}}\n")
    (jail / "fstab").write_text("")
    bindir = tmp / "bin"
    bindir.mkdir()
    for name, body in STUBS.items():
        (bindir / name).write_text(f"#!/bin/sh\n{body}\n")
        (bindir / name).chmod(0o755)
    (bindir / "bastille").symlink_to(main)
    return tmp


def mount_line(tmp: Path, *args: str) -> str:
    """What `bastille mount JAIL ARGS...` appended to the jail's fstab, tmp taken off."""
    env = {**os.environ, "PATH": f"{tmp / 'bin'}{os.pathsep}{os.environ['PATH']}", "SH": BASH}
    fstab = tmp / "prefix/jails" / JAIL / "fstab"
    fstab.write_text("")
    proc = subprocess.run([BASH, str(tmp / "usr/local/bin/bastille"), "mount", JAIL,
                           *args], capture_output=True, env=env, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    text = fstab.read_text().replace(f"{tmp}/prefix/jails", JAILS).replace(str(tmp), "")
    (line,) = text.splitlines()
    return line


@pytest.mark.parametrize("rev", ["1.4.4", "HEAD"])
def test_bastille_mount_writes_the_lines_the_matrix_uses(tmp_path: Path, rev: str) -> None:
    tmp = bastille(tmp_path, rev)
    cases = [(("/tank/vms", "/vms", "nullfs", "rw", "0", "0"), ("/tank/vms", "/vms", "nullfs",
                                                                 "rw")),
             (("/home/admin", "/mnt/admin"), ("/home/admin", "/mnt/admin")),
             (("/tank/iso\\ images", "/vms/.iso"), ("/tank/iso images", "/vms/.iso"))]
    for args, ours in cases:
        host = f"{tmp}{args[0]}"
        line = mount_line(tmp, host, *args[1:])
        assert line == bastille_mount(*ours), (rev, args)
    # and the audit reads Bastille's own line: a host directory no guest opens is wider
    line = mount_line(tmp, f"{tmp}/home/admin", "/mnt/admin")
    facts = with_jail(base(), fstab=parse.fstab(line + "\n"))
    assert ("wider", "mount /mnt/admin") in {(f.verdict, f.what)
                                             for f in audit.audit(facts, JAIL)}
