"""POSIX getopts(1) as FreeBSD sh runs it: the option scanner vmrun.sh relies on.

Pure and table-driven, so an importer reads a command line exactly as the script would:
combined flags (`-iE`), arguments attached (`-c4`) or separate (`-c 4`), `--` ending the
options, and scanning stopping at the first operand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class GetoptsError(Exception):
    """The scanner stopped: an unknown option, or an option missing its argument."""

    def __init__(self, option: str, *, missing_argument: bool) -> None:
        """Keep the option letter and which of the two failures it was."""
        super().__init__(option)
        self.option = option
        self.missing_argument = missing_argument


@dataclass(frozen=True, slots=True)
class Parsed:
    """Options in command-line order (letter, argument or None) and the operands after them."""

    options: tuple[tuple[str, str | None], ...]
    operands: tuple[str, ...]


def getopts(optstring: str, args: Sequence[str]) -> Parsed:
    """Scan args the way `while getopts OPTSTRING c` followed by `shift $((OPTIND-1))` does.

    Raises:
        GetoptsError: for a letter not in optstring, or a last option with no argument
            (getopts then sets c to `?` and vmrun.sh prints its usage).
    """
    takes_arg = {ch: optstring[i + 1:i + 2] == ":" for i, ch in enumerate(optstring) if ch != ":"}
    options: list[tuple[str, str | None]] = []
    index = 0
    while index < len(args):
        word = args[index]
        if word == "--":
            index += 1
            break
        if not word.startswith("-") or word == "-":
            break
        index += 1
        pos = 1
        while pos < len(word):
            letter = word[pos]
            pos += 1
            if letter not in takes_arg:
                raise GetoptsError(letter, missing_argument=False)
            if not takes_arg[letter]:
                options.append((letter, None))
                continue
            if pos < len(word):
                options.append((letter, word[pos:]))
            elif index < len(args):
                # getopts takes the next word whatever it looks like, even `--` or `-x`.
                options.append((letter, args[index]))
                index += 1
            else:
                raise GetoptsError(letter, missing_argument=True)
            break
    return Parsed(tuple(options), tuple(args[index:]))
