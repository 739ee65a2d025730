"""What vm-bhyve reads from a rendered config, via lint's re-implementation of config::load."""

from __future__ import annotations

from bhyvetpl.hostfs import vmconf


def load(text: str) -> dict[str, str]:
    """Every key with the value config::get returns (the first line wins); no key twice."""
    read: dict[str, str] = {}
    for line in vmconf.load(text):
        assert line.key not in read, f"key written twice: {line.raw}"
        read[line.key] = line.value
    return read
