"""Add a guest to a spec, keeping every byte the admin wrote: comments, order, blank lines, CRLF.

The spec is the admin's file, so nothing in it is re-serialised: the new table is spliced
in as text after the jail's last table, tomlkit renders just that table (TOML's quoting),
and the result is parsed again before it may be written. tomlkit is imported only here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bhyvetpl.errors import SpecError
from bhyvetpl.hostfs import HostFile, HostFS, as_bytes
from bhyvetpl.model.options import GuestOptions
from bhyvetpl.spec.keys import GUEST_KEYS
from bhyvetpl.spec.lines import table_headers
from bhyvetpl.spec.load import SpecFile, Values, parse_spec

_DEFAULT = GuestOptions(name="")   # the flags' defaults, as the model has them


def guest_values(options: GuestOptions) -> Values:
    """The spec keys the guest's flags set (those not left at their default), in key order.

    The preset is always written: it decides the guest's shape, so its table says it.
    """
    out: Values = {}
    for key in GUEST_KEYS:
        value, default = getattr(options, key), getattr(_DEFAULT, key)
        if isinstance(value, tuple | list):
            value, default = list(value), list(default)
        if key == "preset" or value != default:
            out[key] = value
    return out


def _table(jail: str, guest: str, values: Values, newline: str) -> str:
    import tomlkit  # only an edit needs it: kept off every other command's start-up

    header = ".".join(tomlkit.key(part).as_string() for part in ("jails", jail, "guests", guest))
    body = tomlkit.dumps(values) if values else ""
    return f"[{header}]\n{body}".replace("\n", newline)


def _insert_at(text: str, jail: str) -> int:
    """After the jail's last table, before the blank lines and the comment above the next.

    A comment right above a header is that header's, so the new table goes above it; a
    comment after a key and a blank line stays with the table it follows.
    """
    headers = table_headers(text)
    mine = [i for i, (_, path) in enumerate(headers) if path[:2] == ("jails", jail)]
    if not mine or mine[-1] + 1 == len(headers):
        return len(text)
    lines = text.split("\n")
    floor = headers[mine[-1]][0]             # 0-based index of the line after its header
    at = headers[mine[-1] + 1][0] - 1        # 0-based index of the next header
    while at > floor and lines[at - 1].strip().startswith("#"):
        at -= 1
    while at > floor and not lines[at - 1].strip():
        at -= 1
    return sum(len(line) + 1 for line in lines[:at])


def add_guest(text: str, jail: str, guest: str, values: Values, source: str = "spec") -> str:
    """Text with a `[jails.JAIL.guests.GUEST]` table of values added, all else byte for byte.

    Raises:
        SpecError: The text is not a valid spec, the jail is not in it, the guest already
            is, or the jail is written so that it cannot take a guest table (inline).
    """
    spec = parse_spec(text, source)
    _refuse(spec, jail, guest)
    newline = "\r\n" if text.split("\n", 1)[0].endswith("\r") else "\n"
    at = _insert_at(text, jail)
    before, after = text[:at], text[at:]
    block = (newline if before and not before.endswith("\n") else "") + (
        newline if before else "") + _table(jail, guest, values, newline)
    if after.split("\n", 1)[0].strip():
        block += newline
    edited = before + block + after
    try:
        entries = parse_spec(edited, source).jails
    except SpecError as exc:
        raise spec.error(f"jails.{jail}", jail, "a [jails.NAME] table (an inline table "
                         "cannot take a guest table; add the guest by hand)") from exc
    added = next(g for j in entries if j.name == jail for g in j.guests if g.name == guest)
    if added.values != values:  # our splice landed in another table: a bug, never written
        raise spec.error(f"jails.{jail}.guests.{guest}", added.values, f"{values}")
    return edited


def _refuse(spec: SpecFile, jail: str, guest: str) -> None:
    entry = next((j for j in spec.jails if j.name == jail), None)
    if entry is None:
        names = ", ".join(j.name for j in spec.jails) or "none"
        raise spec.error(f"jails.{jail}", jail, f"a jail of the spec (it has: {names}); "
                         "add its [jails.NAME] table first")
    if any(g.name == guest for g in entry.guests):
        raise spec.error(f"jails.{jail}.guests.{guest}", guest,
                         "a guest not yet in the spec (edit its table instead)")


def _read(path: Path) -> HostFile:
    found = HostFS(path.parent).read(path)
    if found is None:
        raise SpecError(f"spec {path}", "missing", "an existing spec file (bhyvetpl init "
                        "writes one)")
    return found


@dataclass(frozen=True, slots=True)
class GuestEdit:
    """A guest to add to a spec file, checked against it before anything runs."""

    path: Path
    jail: str
    guest: str
    values: Values

    @property
    def table(self) -> str:
        """The table the file gains (for the note of --dry-run and --emit sh)."""
        return _table(self.jail, self.guest, self.values, "\n")

    def write(self) -> None:
        """Add the guest to the file as it is now (the run may have taken minutes).

        Atomic (temp file and rename), the file's mode kept, a symlink refused.
        """
        current = _read(self.path)
        text = add_guest(current.text, self.jail, self.guest, self.values, str(self.path))
        HostFS(self.path.parent).write(self.path, as_bytes(text), current.mode)


def guest_edit(path: Path, jail: str, options: GuestOptions) -> GuestEdit:
    """The edit that adds the guest to the spec at path; refused now, before the plan runs.

    Raises:
        SpecError: The file is missing or invalid, lacks the jail, or has the guest.
    """
    edit = GuestEdit(path, jail, options.name, guest_values(options))
    add_guest(_read(path).text, jail, options.name, edit.values, str(path))
    return edit
