"""Model to text: every rendered file comes from a Jinja2 template under templates/."""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path, PurePosixPath

import jinja2
import jinja2.bccache

from bhyvetpl import __version__, shquote
from bhyvetpl.errors import RenderError
from bhyvetpl.model import policy
from bhyvetpl.model.guest import GuestSpec
from bhyvetpl.model.hostconf import AdminLines
from bhyvetpl.model.jail import JailSpec
from bhyvetpl.model.lab import guest_from_preset
from bhyvetpl.model.policy import Features

TEMPLATE_NAMES = (
    "vm-bhyve/guest.conf.j2",
    "bastille/Bastillefile.j2",
    "host/devfs.rules.j2",
    "host/settings.conf.j2",
    "host/sysctl.conf.j2",
    "host/jail.conf.j2",
    "host/lines.conf.j2",
    "bastille-plugin/shim.sh.j2",
    "bastille-plugin/plugin.conf.j2",
)
PRESET_DISK_SIZE = {"windows": "64G"}
# Bastille plugin command (`bastille plugin bhyvetpl COMMAND ...`) -> the bhyvetpl words it
# runs. Bastille accepts only [A-Za-z0-9_-] in a command, so subcommands are joined by `-`;
# options and the target follow the command, which is Bastille's own argument order.
PLUGIN_COMMANDS: dict[str, tuple[str, ...]] = {
    "new-guest": ("new-guest",),
    "jail-create": ("jail", "create"),
    "jail-apply": ("jail", "apply"),
    "host-prepare": ("host", "prepare"),
    "templates-install": ("templates", "install"),
    "templates-list": ("templates", "list"),
    "render-guest": ("render", "guest"),
    "render-jail": ("render", "jail"),
    "render-host": ("render", "host"),
    "import-vmrun": ("import", "vmrun"),
    "demo": ("demo",),
    "doctor": ("doctor",),
    "lint": ("lint",),
}
PLUGIN_NAME = "bhyvetpl"
# `bastille plugin` came to Bastille's master after the 1.4.4 release (commit 5bafc11,
# 2026-08-19), and master still reports BASTILLE_VERSION=1.4.4; plugin.sh's
# check_plugin_min_version refuses a min_version above it, so 1.5.0 would refuse every
# Bastille that has plugins. The 1.4.4 release itself has no plugin command to run ours.
PLUGIN_MIN_BASTILLE = "1.4.4"


@dataclass(frozen=True, slots=True)
class RenderedFile:
    """A rendered file: where it goes (relative) and its full text."""

    relpath: PurePosixPath
    text: str


def template_dir() -> Path:
    """The templates shipped in the wheel, or the checkout's top-level templates/."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "templates", here.parent / "templates"):
        if (candidate / "vm-bhyve").is_dir():
            return candidate
    raise RenderError(f"templates not found next to {here}")


class QuietBytecodeCache(jinja2.FileSystemBytecodeCache):
    """Jinja's compiled-template cache; an unwritable cache dir only costs speed."""

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        """Store compiled code, or do nothing when the cache dir cannot be written."""
        with contextlib.suppress(OSError):
            super().dump_bytecode(bucket)


def bytecode_cache() -> jinja2.BytecodeCache | None:
    """Compiled templates under the user's cache dir (saves ~15 ms a run), if it can exist.

    $XDG_CACHE_HOME, else ~/.cache (README and bhyvetpl(8) say so). A relative one is
    ignored, as the XDG spec says, so no run writes into the working directory; no HOME,
    a missing, read-only one, or one that is a file only costs the saving.
    """
    try:
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    except RuntimeError:  # no HOME and no passwd entry
        return None
    if not base.is_absolute() or not base.parent.is_dir():  # never create a missing home
        return None
    directory = base / "bhyvetpl" / f"jinja-{__version__}"
    try:
        directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return None
    return QuietBytecodeCache(str(directory))


def _quoter(context: shquote.Context) -> Callable[[str], str]:
    """The template filter for one context of the quoting routine."""
    return lambda word: shquote.quote(word, context)


# Templates never quote by hand: every value reaching a consumer that parses it goes
# through one of these, all from bhyvetpl.shquote (`{{ x | sh }}`, `{{ n | rc_assign(v) }}`).
FILTERS: dict[str, Callable[..., str]] = {
    **{context: _quoter(context) for context in shquote.CONTEXTS},
    "rc_assign": shquote.rc_assign,
    "loader_assign": shquote.loader_assign,
    "jail_param": shquote.jail_param,
    "comment": shquote.comment_text,
}


@cache
def make_env() -> jinja2.Environment:
    """One environment for every template: strict, and no HTML escaping (config files)."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(template_dir()),
        bytecode_cache=bytecode_cache(),
        # The templates do not change while bhyvetpl runs: no stat(2) of the template file
        # before each render (a spec's plan renders a guest config per guest).
        auto_reload=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # noqa: S701 - these are config files, not HTML
    )
    env.filters.update(FILTERS)
    return env


def render_template(name: str, **context: object) -> str:
    """Render one template, turning Jinja errors into RenderError naming it."""
    try:
        return make_env().get_template(name).render(version=__version__, **context)
    except jinja2.TemplateError as exc:
        raise RenderError(f"template {name}: {exc}") from exc


def render_guest(guest: GuestSpec) -> str:
    """The vm-bhyve config (or template) of one guest."""
    return render_template("vm-bhyve/guest.conf.j2", g=guest)


def preset_template(preset: str, switch: str, host_tap: str | None = None) -> GuestSpec:
    """The guest behind `bhyvetpl-<preset>.conf`, the template `vm create -t` copies.

    host_tap: the NIC's host-made tap (networkN_device), as new-guest's `--nic
    SWITCH,device=TAP` writes it: a shared-IP jail cannot create vm-bhyve switches.
    """
    nics = {"nics": (f"{switch},device={host_tap}",)} if host_tap is not None else {}
    return guest_from_preset(f"bhyvetpl-{preset}", preset, switch,
                             PRESET_DISK_SIZE.get(preset, "20G"), **nics)


def jail_packages(jail: JailSpec) -> tuple[str, ...]:
    """vm-bhyve plus what the jail's preset templates boot with.

    Not the guests': each guest's plan installs its own (new-guest does, probed first), so
    the template stays the jail's alone and adding a guest never changes it.
    """
    boots = [preset_template(p, jail.switch) for p in jail.presets]
    return tuple(dict.fromkeys(["vm-bhyve", *(pkg for g in boots for pkg in g.packages)]))


def render_jail(jail: JailSpec) -> tuple[RenderedFile, ...]:
    """The Bastille template directory: Bastillefile and the vm-bhyve guest templates.

    Rendered from the jail without its guests: what a guest needs of the jail (its
    packages, a lower securelevel) comes from the guest's plan and the jail.conf block,
    so a guest added later (new-guest) leaves the template, and its applied stamp, as
    they are; re-applying it would restart the jail.
    """
    features = Features.of_jail(dataclasses.replace(jail, guests=()))
    bastillefile = render_template(
        "bastille/Bastillefile.j2", j=jail,
        config=policy.jail_config(features, jail.vm_dataset),
        jail_rc=policy.jail_rc_conf(features),
        packages=() if jail.no_address else jail_packages(jail), mkdir=jail.vm_dataset is None,
        templates=jail.vnet,
        switch_pattern=f"^{jail.switch} ",  # a `vm switch list` row for the switch
        # its row as a standard switch with vnet0 among its ports (grep -E)
        standard_pattern=f"^{jail.switch.replace('.', '[.]')} +standard .* "
                         f"{jail.inner_interface}( |$)")
    files = [RenderedFile(PurePosixPath("Bastillefile"), bastillefile)]
    # A shared-IP jail has no switch for the templates' NIC: each needs a host tap, which
    # `templates install --host-tap` gives (the jail's guests name theirs).
    files += [RenderedFile("vm-templates" / f.relpath, f.text)
              for f in render_preset_templates(jail.presets if jail.vnet else (), jail.switch)]
    return tuple(files)


def render_preset_templates(presets: Sequence[str], switch: str,
                            host_tap: str | None = None) -> tuple[RenderedFile, ...]:
    """`bhyvetpl-<preset>.conf` for each preset: what `vm create -t bhyvetpl-<preset>` copies."""
    return tuple(RenderedFile(PurePosixPath(f"bhyvetpl-{preset}.conf"),
                              render_guest(preset_template(preset, switch, host_tap)))
                 for preset in presets)


def render_bastille_plugin(kmods: tuple[str, ...]) -> tuple[RenderedFile, ...]:
    """The plugin directory: plugin.conf and one shim per command that execs bhyvetpl.

    Args:
        kmods: The kernel modules the host must load (plugin.conf's depends_kmods).
    """
    files = [RenderedFile(PurePosixPath("plugin.conf"), render_template(
        "bastille-plugin/plugin.conf.j2", plugin=PLUGIN_NAME, min_version=PLUGIN_MIN_BASTILLE,
        kmods=kmods))]
    for command, words in PLUGIN_COMMANDS.items():
        files.append(RenderedFile(PurePosixPath(f"{command}.sh"), render_template(
            "bastille-plugin/shim.sh.j2", command=command, runs=(PLUGIN_NAME, *words))))
    return tuple(files)


def render_host(features: Features, vm_dataset: str | None = None,
                admin: AdminLines = policy.NO_ADMIN) -> tuple[RenderedFile, ...]:
    """Host fragments as marked blocks, named after the file each belongs in.

    admin: the host's own lines outside bhyvetpl's blocks, which ours must not cancel.
    """
    blocks = [
        ("etc/devfs.rules", render_template("host/devfs.rules.j2", f=features,
                                            rules=policy.devfs_rules(features))),
        ("boot/loader.conf", render_template(
            "host/settings.conf.j2", f=features, title="loader.conf: kernel modules and ppt(4)",
            settings=policy.loader_conf(features, admin), loader=True)),
        ("etc/rc.conf", render_template(
            "host/settings.conf.j2", f=features, title="rc.conf: drivers and host taps at boot",
            settings=policy.rc_conf(features, admin), loader=False)),
    ]
    sysctl = policy.sysctl_conf(features)
    if sysctl:
        blocks.append(("etc/sysctl.conf", render_template(
            "host/sysctl.conf.j2", f=features, title="sysctl.conf: what a jail cannot set",
            settings=sysctl)))
    rctl = policy.rctl_rules(features)
    if rctl:
        blocks.append(("etc/rctl.conf", render_template(
            "host/sysctl.conf.j2", f=features, title="rctl.conf: the jail's resource limits",
            settings=rctl)))
    jail_lines = policy.jail_conf_lines(features, vm_dataset)
    if jail_lines:
        blocks.append((f"jail.conf.d/{features.jail}.conf", render_template(
            "host/jail.conf.j2", f=features, settings=jail_lines)))
    return tuple(RenderedFile(PurePosixPath(path), text) for path, text in blocks)
