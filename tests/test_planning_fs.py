"""A spec's plan reads each host file once (PlanningFS), and the reads stay safe."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from bhyvetpl.facts.demo import demo_facts, demo_root
from bhyvetpl.hostfs import HostFile, HostFS, HostFSError, PlanningFS, SymlinkError
from bhyvetpl.plan.converge import converge_spec
from bhyvetpl.spec.load import parse_spec
from tests.bench_plan import spec_text


def test_a_file_is_read_once_and_an_absent_directory_looked_for_once(tmp_path: Path) -> None:
    conf = tmp_path / "etc/rc.conf"
    conf.parent.mkdir()
    conf.write_text('a="1"\n')
    fs = PlanningFS(tmp_path)
    assert fs.read_text(conf) == 'a="1"\n'
    conf.write_text('a="2"\n')   # planning reads the host as it was when it started
    assert fs.read_text(conf) == 'a="1"\n'
    assert fs.read(tmp_path / "no/such/dir/a.conf") is None
    (tmp_path / "no/such/dir").mkdir(parents=True)
    (tmp_path / "no/such/dir/b.conf").write_text("x")
    assert fs.read(tmp_path / "no/such/dir/b.conf") is None
    (tmp_path / "no/such/dir/sub").mkdir()
    assert fs.listdir(tmp_path / "no/such/dir/sub") == ()   # below an absent directory
    assert HostFS(tmp_path).read_text(tmp_path / "no/such/dir/b.conf") == "x"


def test_a_symlink_is_still_refused_and_nothing_is_written(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    fs = PlanningFS(tmp_path)
    for _ in range(2):   # a refusal is not remembered as "absent"
        with pytest.raises(SymlinkError):
            fs.read(tmp_path / "link/a.conf")
    with pytest.raises(HostFSError, match="planning writes nothing"):
        fs.write(tmp_path / "real/a.conf", b"x")
    with pytest.raises(HostFSError, match="planning writes nothing"):
        fs.remove(tmp_path / "real")
    assert not (tmp_path / "real/a.conf").exists()


def test_plan_reads_host_files_per_jail_not_per_guest(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """jail.conf and devfs.rules are not read again for each of a jail's new guests."""
    reads: Counter[Path] = Counter()
    real = HostFS.read

    def counted(self: HostFS, path: Path) -> HostFile | None:
        reads[path] += 1
        return real(self, path)

    monkeypatch.setattr(HostFS, "read", counted)
    root = demo_root(tmp_path / "root")
    most = []
    for guests in (5, 20):
        reads.clear()
        converged = converge_spec(parse_spec(spec_text(3, guests), "spec.toml"), demo_facts(),
                                  root)
        assert len([c for c in converged.changes if c.kind == "guest"]) == 3 * guests - 2
        most.append(reads.most_common(1)[0])
    assert most[0] == most[1]   # the most read file: as often for 20 guests a jail as for 5
