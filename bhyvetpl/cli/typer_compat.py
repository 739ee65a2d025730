"""Typer across versions: click's error classes, plain help, and coercion without pydantic.

typer 0.29 coerces every non-bool parameter through a pydantic TypeAdapter it builds on first
use; importing pydantic and building one adapter per parameter doubles the start-up of
`bhyvetpl render guest`. bhyvetpl declares only str, int, bool and Path parameters (and lists of
them), which need none of that: prepare() hands each a coercer of its own before parsing,
so pydantic is never imported. Older typer parses with click's types and is left as it is.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from pathlib import Path
from typing import Any, get_args, get_origin

import typer


def _base(name: str) -> type[Exception]:
    """A base class of typer.BadParameter: click's or typer's own copy of click's."""
    return next(c for c in typer.BadParameter.__mro__ if c.__name__ == name)


# typer re-exports BadParameter but not its bases, and newer typer carries its own click.
USAGE_ERROR = _base("UsageError")
CLICK_ERROR = _base("ClickException")


def _to_bool(value: Any) -> bool:
    if isinstance(value, bool):  # flags parse to bools; only a tri-state's None gets here
        return value
    raise ValueError(f"{value!r} is not a valid boolean.")


def _to_int(value: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{value!r} is not a valid integer.") from None


class _Coercer:
    """typer's RuntimeParam contract (coerce) for one str, int, bool or Path parameter."""

    def __init__(self, leaf: Callable[[Any, Any, Any], Any], many: bool) -> None:
        self.leaf = leaf
        self.many = many

    def coerce(self, value: Any, param: Any, ctx: Any) -> Any:
        """Turn the parsed value (or the default) into what the command function takes."""
        if value is None:
            return () if param.multiple or param.nargs == -1 else None
        try:
            if not self.many:
                return self.leaf(value, param, ctx)
            if isinstance(value, str):
                raise ValueError("Value must be an iterable.")
            return [self.leaf(v, param, ctx) for v in value]
        except ValueError as err:
            raise typer.BadParameter(str(err), ctx=ctx, param=param) from None


def _leaf(annotation: Any, info: Any) -> Callable[[Any, Any, Any], Any] | None:
    """The coercion of one value of annotation, or None to leave it to typer."""
    if any(getattr(info, name, None) is not None for name in ("parser", "min", "max")):
        return None
    if annotation is str:
        return lambda value, _param, _ctx: str(value)
    if annotation is int:
        return lambda value, _param, _ctx: _to_int(value)
    if annotation is bool:
        return lambda value, _param, _ctx: _to_bool(value)
    if annotation is Path and getattr(info, "path_type", None) is None:
        check = getattr(import_module("typer._param_types"), "coerce_cli_path", None)
        if check is None:
            return None
        # typer's own checks (exists, readable, ...) without its pydantic detour for str.
        return lambda value, param, ctx: check(Path(value), info, path_type=Path,
                                               param=param, ctx=ctx)
    return None


def _coercer(param: Any) -> _Coercer | None:
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None:
        return None
    annotation, info = descriptor.annotation, descriptor.parameter_info
    many = get_origin(annotation) is list
    leaf = _leaf(get_args(annotation)[0] if many else annotation, info)
    return None if leaf is None else _Coercer(leaf, many)


def _seed(param: Any) -> None:
    """Give a typer 0.29+ parameter our coercer before typer builds its pydantic one."""
    if getattr(param, "_runtime_param", False) is None:
        coercer = _coercer(param)
        if coercer is not None:
            param._runtime_param = coercer


def _plain_param(param: Any) -> None:
    """`--disk DISK`, `FILES...` and `[required]` as the base tools write them, on every typer.

    typer 0.29 shows the Python type instead (`--disk <list[str]>`, `NAME <str>`); typer
    0.20 with rich installed escapes brackets for rich even in plain help (a backslash
    before `[required]`).
    """
    if param.metavar is None and not getattr(param, "is_flag", False) and param.name:
        param.metavar = param.name.upper()
    built = param.get_help_record

    def help_record(ctx: Any) -> Any:
        record = built(ctx)
        if record is None:
            return None
        name = record[0].split(" <", 1)[0]  # typer 0.29's `NAME <str>`
        return name, record[1].replace("\\[", "[")

    param.get_help_record = help_record


def prepare(command: Any) -> None:
    """Make command and its subcommands print plain help and coerce without pydantic."""
    if getattr(command, "_bhyvetpl_prepared", False):
        return
    command._bhyvetpl_prepared = True
    command.rich_markup_mode = None
    for param in command.params:
        _seed(param)
        _plain_param(param)
    built = command.get_help_option  # --help is built at parse time, and coerced too

    def help_option(ctx: Any) -> Any:
        option = built(ctx)
        if option is not None:
            _seed(option)
        return option

    command.get_help_option = help_option
    for sub in getattr(command, "commands", {}).values():
        prepare(sub)


def is_path(param: Any) -> bool:
    """Whether a parameter takes a path (typer 0.29 describes it; older typer gives a type)."""
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is not None:
        annotation = descriptor.annotation
        if get_origin(annotation) is list:  # `FILES...`
            annotation = get_args(annotation)[0]
        return annotation is Path or bool(getattr(descriptor, "is_path", False))
    return getattr(getattr(param, "type", None), "name", "") == "path"
