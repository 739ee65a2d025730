"""Issue 11.12: an IPv6 VNC address is refused, because vm-bhyve cannot write it.

Already the case before issue 11 (values.vnc_listen, IPv4 only); this pins why, from
vm-bhyve's own vm::bhyve_device_fbuf (`tcp=${_listen:-0.0.0.0}:${_port}`, unbracketed):
bhyve's fbuf wants an IPv6 address bracketed (`tcp=[::1]:5901`) and reads the
unbracketed form with the wrong port (issue 11 saw port 0); vm-bhyve never brackets.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from bhyvetpl.cli.app import app
from tests.cli_runner import cli_runner
from tests.upstream import VMB_TOOLS


def test_vm_bhyve_writes_the_address_unbracketed(upstream: Path, tmp_path: Path) -> None:
    del upstream
    conf = tmp_path / "w1.conf"
    conf.write_text('loader="uefi"\ncpu=1\nmemory=1G\ndisk0_type="virtio-blk"\n'
                    'disk0_name="d.img"\ngraphics="yes"\ngraphics_port="5901"\n'
                    'graphics_listen="::1"\n')
    argv = subprocess.run([str(VMB_TOOLS / "vmb-bhyve-argv"), str(conf)], capture_output=True,
                          text=True, check=False, timeout=300).stdout
    assert "fbuf,tcp=::1:5901" in argv and "[::1]" not in argv


def test_bhyvetpl_refuses_an_ipv6_vnc_address() -> None:
    for address in ("::1", "[::1]", "fe80::1%em0"):
        result = cli_runner().invoke(app, ["render", "guest", "w1", "--preset", "windows",
                                           "--vnc-listen", address])
        assert result.exit_code == 2 and "error: graphics.listen" in result.stderr, (
            address, result.stderr)
