"""Pure argv builders for vm-bhyve; run inside the jail through `bastille cmd`."""

from __future__ import annotations


def create_argv(name: str, template: str, size: str) -> tuple[str, ...]:
    """Create a guest from `$vm_dir/.templates/TEMPLATE.conf` with disk0 of size."""
    return ("vm", "create", "-t", template, "-s", size, name)


def info_argv(name: str) -> tuple[str, ...]:
    """Exit 0 when the guest exists (vm list values hold spaces; vm info is parsable)."""
    return ("vm", "info", name)


def iso_argv(url: str) -> tuple[str, ...]:
    """Fetch an ISO into `$vm_dir/.iso`."""
    return ("vm", "iso", url)


def install_argv(name: str, iso: str) -> tuple[str, ...]:
    """Boot the installer in the background; no -f (that means foreground here)."""
    return ("vm", "install", name, iso)


def start_argv(name: str) -> tuple[str, ...]:
    """Start a guest; exit 0 means only "backgrounded", not "running"."""
    return ("vm", "start", name)


def stop_argv(name: str) -> tuple[str, ...]:
    """Ask a guest to shut down (ACPI power button); returns without waiting for it."""
    return ("vm", "stop", name)


# `vm stop` presses the guest's ACPI power button and returns at once; bhyve removes
# /dev/vmm/NAME when the guest is gone. Run inside the jail as `sh -c WAIT_GONE sh NAME SECS`:
# the name travels as "$1", never as script text.
WAIT_GONE = ('i=0; while [ -e "/dev/vmm/$1" ]; do [ "$i" -ge "$2" ] && exit 1; '
             'sleep 1; i=$((i + 1)); done')


def wait_stopped_argv(name: str, seconds: int = 120) -> tuple[str, ...]:
    """Exit 0 once the guest's /dev/vmm node is gone, 1 when it is still there after seconds."""
    return ("sh", "-c", WAIT_GONE, "sh", name, str(seconds))


def destroy_argv(name: str) -> tuple[str, ...]:
    """Remove a guest and its disks; `-f` skips vm-bhyve's y/n prompt (no stdin here).

    core::destroy (lib/vm-core) refuses a running guest itself (vm::confirm_stopped),
    then runs `zfs destroy -rf DATASET/NAME` on a ZFS datastore (its snapshots go with
    it) and `rm -R $vm_dir/NAME`: the config, every disk image and the logs.
    """
    return ("vm", "destroy", "-f", name)
