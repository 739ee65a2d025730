"""The guests a jail holds, and the features they need from the host and the jail."""

from __future__ import annotations

from dataclasses import dataclass, replace

from bhyvetpl.facts.model import Guest as FactGuest
from bhyvetpl.hostfs import vmconf
from bhyvetpl.model import slots

DHCP_WORDS = {"DHCP", "SYNCDHCP", "NOSYNCDHCP"}


@dataclass(frozen=True, slots=True)
class Guest:
    """One guest the facts found below vm_dir, with what the checks ask of its config."""

    fact: FactGuest

    @property
    def name(self) -> str:
        """The guest's name (its directory below vm_dir)."""
        return self.fact.name

    @property
    def path(self) -> str:
        """Where its config is on the host (what `bhyvetpl lint` is given)."""
        return self.fact.path

    @property
    def text(self) -> str:
        """The config's text, as the facts pass read it."""
        return self.fact.text

    def get(self, key: str) -> str | None:
        """config::get on this guest: the facts keep each key's first value, as it reads."""
        return self.fact.config.get(key)

    def indexed(self, pattern: str) -> tuple[str, ...]:
        """One value per entry of an indexed family as vm-bhyve loops over it ("" if unset).

        `diskN_dev` yields one value per disk, read while disk N has a name and a type.
        """
        family = pattern.split("N", 1)[0]
        found, index = [], 0
        while all(self.get(k.replace("N", str(index))) for k in vmconf.LOOP_KEYS[family]):
            found.append(self.get(pattern.replace("N", str(index))) or "")
            index += 1
        return tuple(found)

    @property
    def uefi(self) -> bool:
        """Whether the guest boots from UEFI firmware."""
        return slots.is_uefi(self.get("loader"))

    @property
    def graphics(self) -> bool:
        """Whether bhyve gets a framebuffer (vm-bhyve adds fbuf only for UEFI guests)."""
        return self.uefi and slots.yesno(self.get("graphics"))

    @property
    def passthru(self) -> tuple[str, ...]:
        """Host PCI addresses (BUS/SLOT/FUNCTION) passed through."""
        return tuple(v.split("=", 1)[0] for v in self.indexed("passthruN") if v)

    @property
    def zvol(self) -> bool:
        """Whether any disk is a ZFS volume (needs securelevel <= 1)."""
        return any(d in ("zvol", "sparse-zvol") for d in self.indexed("diskN_dev"))

    @property
    def switches(self) -> tuple[str, ...]:
        """Switches the NICs attach to."""
        return tuple(s for s in self.indexed("networkN_switch") if s)

    @property
    def nic_devices(self) -> tuple[str, ...]:
        """networkN_device of each NIC: a host-made tap, or "" when vm-bhyve makes one."""
        return self.indexed("networkN_device")

    def disk_nodes(self, dataset: str | None) -> tuple[str, ...]:
        """The devfs paths of the disks that are device nodes, as vm-bhyve opens them.

        A zvol is /dev/zvol/DATASET/GUEST/DISK (DATASET from `vm_dir="zfs:..."`), a
        custom disk its own path; file disks are not device nodes.
        """
        nodes = []
        for dev, name in zip(self.indexed("diskN_dev"), self.indexed("diskN_name"),
                             strict=True):
            if dev in ("zvol", "sparse-zvol") and dataset:
                nodes.append(f"zvol/{dataset}/{self.name}/{name}")
            elif dev == "custom" and name.startswith("/dev/"):
                nodes.append(name.removeprefix("/dev/"))
        return tuple(nodes)


@dataclass(frozen=True, slots=True)
class Needs:
    """What the guests need; with no jail given, the doctor assumes consoles and taps.

    `guests` and the fields after it name the device nodes; they stay empty when no
    guest is known, and the devfs check then probes generic nodes.
    """

    tap: bool = True
    uefi: bool = False
    zvol: bool = False
    passthru: tuple[str, ...] = ()
    switches: tuple[str, ...] = ()
    made_switches: tuple[str, ...] = ()
    guests: tuple[str, ...] = ()
    host_taps: tuple[str, ...] = ()
    made_taps: bool = False
    zvol_dataset: str | None = None
    disk_nodes: tuple[str, ...] = ()
    uefi_guests: tuple[str, ...] = ()
    fbuf_guests: tuple[str, ...] = ()
    dhcp: bool = False
    host_checks: bool = True

    @classmethod
    def of(cls, guests: tuple[Guest, ...], vm_dir: str | None = None) -> Needs:
        """Collect the needs of every guest; vm_dir (`zfs:DATASET`) places their zvols."""
        if not guests:
            return cls()
        dataset = vm_dir.removeprefix("zfs:") if vm_dir and vm_dir.startswith("zfs:") else None
        nics = [nic for g in guests for nic in zip(g.nic_devices, g.indexed("networkN_switch"),
                                                    strict=True)]
        return cls(
            tap=any(g.switches for g in guests),
            uefi=any(g.uefi for g in guests),
            zvol=any(g.zvol for g in guests),
            passthru=tuple(dict.fromkeys(p for g in guests for p in g.passthru)),
            switches=tuple(dict.fromkeys(s for g in guests for s in g.switches)),
            made_switches=tuple(dict.fromkeys(switch for device, switch in nics
                                              if switch and not device)),
            guests=tuple(g.name for g in guests),
            host_taps=tuple(dict.fromkeys(device for device, _ in nics if device)),
            made_taps=any(switch and not device for device, switch in nics),
            zvol_dataset=dataset if any(g.zvol for g in guests) else None,
            disk_nodes=tuple(dict.fromkeys(n for g in guests for n in g.disk_nodes(dataset))),
            uefi_guests=tuple(g.name for g in guests if g.uefi),
            fbuf_guests=tuple(g.name for g in guests if g.graphics),
        )

    def with_jail_rc(self, rc_conf: dict[str, str]) -> Needs:
        """Add what the jail's own rc.conf asks for: dhclient (bpf), vm-bhyve's host checks.

        rc.d's network.subr (dhcpif) starts dhclient for an ifconfig_IF holding the word
        DHCP, SYNCDHCP or NOSYNCDHCP in any case; Bastille writes ifconfig_vnet0="SYNCDHCP"
        (create.sh). dhclient opens bpf(4) (sbin/dhclient/bpf.c; the Handbook's DHCP
        section: "both the DHCP server and DHCP client require the bpf(4) device").
        """
        dhcp = any(key.startswith("ifconfig_") and DHCP_WORDS & {w.upper() for w in
                                                                 value.split()}
                   for key, value in rc_conf.items())
        # vm-bhyve's util::yesno: YES, TRUE, ON or 1 in any case turn its host checks off.
        off = rc_conf.get("vm_disable_host_checks", "").upper() in ("YES", "TRUE", "ON", "1")
        return replace(self, dhcp=dhcp, host_checks=not off)

    @property
    def securelevel(self) -> int:
        """The highest securelevel the guests still work under (reference.md §4)."""
        if self.passthru:
            return 0
        # Any disk device (a zvol, or a custom disk under /dev such as a host-made zvol):
        # bhyve opens it for writing, which securelevel 2 forbids (policy.securelevel_for).
        return 1 if self.zvol or self.disk_nodes else 2
