"""bastille.conf's directories, read as the sourced sh file it is, with Bastille's defaults.

The defaults are the `## default:` notes of Bastille 1.4.4's bastille.conf.sample
(tests/fixtures/freebsd/bastille.conf.sample-bastille-1.4.4-2280556.txt).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from bhyvetpl.hostfs.assign import assignments

PATH = PurePosixPath("/usr/local/etc/bastille/bastille.conf")
PREFIX = "/usr/local/bastille"
SHAREDIR = "/usr/local/share/bastille"


@dataclass(frozen=True, slots=True)
class BastilleConf:
    """The directories Bastille uses; None where the file sets one only sh could compute."""

    prefix: str | None = PREFIX
    jailsdir: str | None = f"{PREFIX}/jails"
    releasesdir: str | None = f"{PREFIX}/releases"
    sharedir: str | None = SHAREDIR


def bastille_conf(text: str | None) -> BastilleConf:
    """Read bastille.conf (None: no file, every default)."""
    found = assignments(text or "", expand=True)
    prefix = found.get("bastille_prefix", PREFIX)

    def under(key: str, leaf: str) -> str | None:
        if key in found:
            return found[key]
        return f"{prefix}/{leaf}" if prefix else None

    return BastilleConf(prefix, under("bastille_jailsdir", "jails"),
                        under("bastille_releasesdir", "releases"),
                        found.get("bastille_sharedir", SHAREDIR))
