"""`bhyvetpl facts` and `bhyvetpl schema`: a recorded host, its JSON, and the README sample."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_subprocess import FakeProcess

from bhyvetpl.cli.app import app
from bhyvetpl.facts.collect import PROBES
from bhyvetpl.facts.record import loads
from bhyvetpl.spec.schema import schema_json
from tests.cli_runner import cli_runner
from tests.golden_util import GOLDEN, assert_golden
from tests.test_facts import recorded_host

RUNNER = cli_runner()
RECORDED = GOLDEN / "facts" / "recorded-host.json"
README = Path(__file__).resolve().parent.parent / "README.md"


def invoke(*args: str) -> tuple[int, str, str]:
    result = RUNNER.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_json_of_a_recorded_host_is_the_golden_record(fp: FakeProcess, tmp_path: Path) -> None:
    recorded_host(fp, tmp_path, jails=2, guests=2)
    code, out, err = invoke("facts", "--json", "--root", str(tmp_path))
    assert code == 0, err
    assert len(fp.calls) == len(PROBES)
    assert_golden("facts/recorded-host.json", out)


def test_load_round_trips_byte_for_byte(fp: FakeProcess, tmp_path: Path) -> None:
    recorded_host(fp, tmp_path / "host", jails=2, guests=2)
    code, first, _ = invoke("facts", "--json", "--root", str(tmp_path / "host"))
    assert code == 0
    saved = tmp_path / "f.json"
    saved.write_text(first, encoding="utf-8")
    code, again, _ = invoke("facts", "--load", str(saved), "--json")
    assert code == 0 and again == first
    assert len(fp.calls) == len(PROBES)  # --load starts no process


def test_summary_of_the_host_and_of_its_record_agree(fp: FakeProcess, tmp_path: Path) -> None:
    recorded_host(fp, tmp_path, jails=2, guests=2)
    code, live, _ = invoke("facts", "--root", str(tmp_path))
    assert code == 0
    assert invoke("facts", "--load", str(RECORDED)) == (0, live, "")
    assert "\ndemo  running  -1" in live and "\nj1    stopped  2" in live
    assert "bridge0: em1 em0" in live and "vtnet0" in live
    assert "g0  loader=bhyveload" in live


def test_readme_shows_what_facts_prints() -> None:
    code, out, _ = invoke("facts", "--load", str(RECORDED))
    assert code == 0
    readme = README.read_text(encoding="utf-8")
    shown = readme.split("bhyvetpl facts --load tests/golden/facts/recorded-host.json\n```\n\n"
                         "```\n", 1)[1].split("```\n", 1)[0]
    assert shown == out


@pytest.mark.parametrize(("text", "where"), [
    ("{", "line 1"), ('{"format": 1, "facts": {"jails": [{"name": 3}]}}', "jails[0].name"),
])
def test_load_refuses_a_bad_record(tmp_path: Path, text: str, where: str) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(text, encoding="utf-8")
    code, out, err = invoke("facts", "--load", str(bad))
    assert code == 2 and not out and where in err and err.count("\n") == 1


def test_load_of_a_missing_file_or_with_root_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = invoke("facts", "--load", str(tmp_path / "nope.json"))
    assert code == 2 and err.startswith("bhyvetpl: error: --load:")
    code, _, err = invoke("facts", "--load", str(RECORDED), "--root", str(tmp_path))
    assert code == 2 and "no --root with --load" in err


def test_recorded_host_loads() -> None:
    facts = loads(RECORDED.read_text(encoding="utf-8"))
    assert [j.name for j in facts.jails] == ["demo", "j1"]


def test_schema_prints_the_spec_schema() -> None:
    code, out, _ = invoke("schema")
    assert code == 0 and out == schema_json()
    assert json.loads(out)["title"] == "bhyvetpl spec"


def test_console_entry_builds_facts_alone(capsys: pytest.CaptureFixture[str]) -> None:
    from bhyvetpl.cli.entry import main

    with pytest.raises(SystemExit) as info:
        main(["facts", "--load", str(RECORDED), "--json"])
    assert info.value.code == 0
    assert capsys.readouterr().out == RECORDED.read_text(encoding="utf-8")
