from __future__ import annotations

import pytest

from bhyvetpl.importers.getopts import GetoptsError, Parsed, getopts

OPTS = "ac:Ei:"


@pytest.mark.parametrize(("args", "expected"), [
    pytest.param(["-a", "-c", "4", "vm"], Parsed((("a", None), ("c", "4")), ("vm",)),
                 id="separate"),
    pytest.param(["-c4", "vm"], Parsed((("c", "4"),), ("vm",)), id="attached"),
    pytest.param(["-aEc4", "vm"], Parsed((("a", None), ("E", None), ("c", "4")), ("vm",)),
                 id="combined-with-attached-argument"),
    pytest.param(["-aEc", "4", "vm"], Parsed((("a", None), ("E", None), ("c", "4")), ("vm",)),
                 id="combined-then-separate-argument"),
    pytest.param(["-c", "-a", "vm"], Parsed((("c", "-a"),), ("vm",)),
                 id="argument-looks-like-flag"),
    pytest.param(["-c", "--", "vm"], Parsed((("c", "--"),), ("vm",)), id="argument-is-dashdash"),
    pytest.param(["-a", "--", "-c", "vm"], Parsed((("a", None),), ("-c", "vm")),
                 id="dashdash-ends"),
    pytest.param(["vm", "-a"], Parsed((), ("vm", "-a")), id="stops-at-first-operand"),
    pytest.param(["-", "vm"], Parsed((), ("-", "vm")), id="lone-dash-is-an-operand"),
    pytest.param([], Parsed((), ()), id="empty"),
])
def test_getopts(args: list[str], expected: Parsed) -> None:
    assert getopts(OPTS, args) == expected


@pytest.mark.parametrize(("args", "option", "missing"), [
    (["-x", "vm"], "x", False),
    (["-ax"], "x", False),
    (["-a", "-c"], "c", True),
    (["-ac"], "c", True),
    (["-:"], ":", False),
])
def test_getopts_errors(args: list[str], option: str, missing: bool) -> None:
    with pytest.raises(GetoptsError) as info:
        getopts(OPTS, args)
    assert info.value.option == option and info.value.missing_argument is missing
