"""The golden helper: a mismatch fails, and an update writes the file and still fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests import golden_util


@pytest.fixture
def golden_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(golden_util, "GOLDEN", tmp_path)
    (tmp_path / "case.conf").write_text('cpu=1\nmemory=1G\n', encoding="utf-8")
    return tmp_path


@pytest.mark.usefixtures("golden_dir")
def test_equal_text_passes() -> None:
    golden_util.assert_golden("case.conf", "cpu=1\nmemory=1G\n")


def test_difference_fails_with_a_diff(golden_dir: Path,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BHYVETPL_UPDATE_GOLDEN", raising=False)
    with pytest.raises(AssertionError, match=r"(?s)-memory=1G.*\+memory=2G"):
        golden_util.assert_golden("case.conf", "cpu=1\nmemory=2G\n")
    assert (golden_dir / "case.conf").read_text() == "cpu=1\nmemory=1G\n"


def test_update_writes_the_file_and_still_fails(golden_dir: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BHYVETPL_UPDATE_GOLDEN", "1")
    with pytest.raises(AssertionError, match=r"(?s)updated golden file case.conf.*\+memory=2G"):
        golden_util.assert_golden("case.conf", "cpu=1\nmemory=2G\n")
    assert (golden_dir / "case.conf").read_text() == "cpu=1\nmemory=2G\n"
    golden_util.assert_golden("case.conf", "cpu=1\nmemory=2G\n")


def test_missing_file_fails(golden_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BHYVETPL_UPDATE_GOLDEN", raising=False)
    with pytest.raises(AssertionError, match="missing golden file"):
        golden_util.assert_golden("new.conf", "x=1\n")
    assert not (golden_dir / "new.conf").exists()
