"""vm-bhyve's guest config reader, re-implemented line for line, and its key table.

`config::load` (lib/vm-config, 1.6-1.7.5) runs
`grep '^[a-z]' | awk -F# '{print $1}' | sed -e 's@ *$@@' | tr -d '"'` and `config::get`
returns the value of the first line whose text before the first `=` equals the key.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["ConfigLine", "Get", "get", "getter", "is_known", "load", "split_indexed",
           "suggest"]

Get = Callable[[str], "str | None"]  # config::get for one key; None when absent

# Keys vm-bhyve reads (config::get / config::yesno in lib/, and vm.8).
PLAIN_KEYS = frozenset({
    "loader", "uefi_vars", "bhyveload_loader", "bhyveload_args", "loader_timeout",
    "cpu", "cpu_sockets", "cpu_cores", "cpu_threads", "memory", "wired_memory",
    "hostbridge", "fwcfg", "comports", "utctime", "debug", "ahci_device_limit", "uuid",
    "ignore_bad_msr", "ignore_msr", "bhyve_options", "grub_run_partition",
    "grub_run_no_partition", "grub_run_dir", "grub_run_file", "virt_random",
    "graphics", "graphics_port", "graphics_listen", "graphics_res", "graphics_wait",
    "graphics_vga", "vnc_password", "xhci_mouse", "sound", "sound_play", "sound_rec",
    "zfs_dataset_opts", "zfs_zvol_opts", "prestart", "priority", "limit_pcpu",
    "limit_rbps", "limit_wbps", "limit_riops", "limit_wiops", "start_slot",
    "install_slot", "on_restart", "on_fault", "nulliso_fix", "tags",
})
# Indexed keys, written with N for the index; each family is read from 0 up to a gap.
INDEXED_KEYS = {
    "disk": ("diskN_type", "diskN_name", "diskN_dev", "diskN_opts", "diskN_size"),
    "network": ("networkN_type", "networkN_switch", "networkN_device", "networkN_mac",
                "networkN_name", "networkN_span"),
    "passthru": ("passthruN", "passthruN_options"),
    "grub_install": ("grub_installN",),
    "grub_run": ("grub_runN",),
    "virt_console": ("virt_consoleN",),
}
# The key whose absence ends each family's loop in lib/vm-run and lib/vm-guest.
LOOP_KEYS = {"disk": ("diskN_name", "diskN_type"), "network": ("networkN_type",),
             "passthru": ("passthruN",), "grub_install": ("grub_installN",),
             "grub_run": ("grub_runN",), "virt_console": ("virt_consoleN",)}
_INDEXED_RE = re.compile(r"(disk|network|passthru|grub_install|grub_run|virt_console)"
                         r"(0|[1-9][0-9]*)(_[a-z]+)?", re.ASCII)
_PATTERNS = {p for keys in INDEXED_KEYS.values() for p in keys}


@dataclass(frozen=True, slots=True)
class ConfigLine:
    """A line config::load keeps: its number in the file and key/value as vm-bhyve sees them."""

    number: int
    raw: str
    key: str
    value: str


def load(text: str) -> tuple[ConfigLine, ...]:
    """Keep the lines config::load keeps, cut and unquoted exactly as it does."""
    kept = []
    for number, raw in enumerate(text.split("\n"), start=1):
        if not ("a" <= raw[:1] <= "z"):
            continue
        line = raw.split("#", 1)[0].rstrip(" ").replace('"', "")
        key, _, value = line.partition("=")
        # ${line#*=} with no `=` leaves the whole line as the value.
        kept.append(ConfigLine(number, raw, key, value if "=" in line else line))
    return tuple(kept)


def get(lines: tuple[ConfigLine, ...], key: str) -> str | None:
    """config::get: the value of the first line with this key, None when absent."""
    for line in lines:
        if line.key == key:
            return line.value
    return None


def getter(lines: tuple[ConfigLine, ...]) -> Get:
    """config::get bound to one loaded config, as model.slots.allocate reads it."""
    return lambda key: get(lines, key)


def split_indexed(key: str) -> tuple[str, int, str] | None:
    """`network1_switch` -> ("network", 1, "networkN_switch"); None for other keys."""
    match = _INDEXED_RE.fullmatch(key)
    if not match:
        return None
    pattern = f"{match.group(1)}N{match.group(3) or ''}"
    return (match.group(1), int(match.group(2)), pattern) if pattern in _PATTERNS else None


def is_known(key: str) -> bool:
    """Whether vm-bhyve reads this key."""
    return key in PLAIN_KEYS or split_indexed(key) is not None


def suggest(key: str) -> str | None:
    """The known key closest to a misspelt one (indexes kept), or None."""
    digits = re.search(r"[0-9]+", key)
    index = digits.group(0) if digits else "0"
    candidates = sorted(PLAIN_KEYS | {p.replace("N", index) for p in _PATTERNS})
    close = difflib.get_close_matches(key, candidates, n=1, cutoff=0.75)
    return close[0] if close else None
