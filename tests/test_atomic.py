"""`atomic.write_text`: the file is the old one or the whole new one, never half of it."""

import errno
import os
from pathlib import Path

import pytest

from reading_group import atomic


@pytest.fixture
def old(tmp_path):
    path = tmp_path / "record.json"
    path.write_text("old contents\n")
    return path


def test_writes_the_text(old):
    atomic.write_text(old, "new contents é\n")
    assert old.read_text(encoding="utf-8") == "new contents é\n"
    assert [p.name for p in old.parent.iterdir()] == ["record.json"]


def test_an_interrupted_rename_keeps_the_old_file_and_no_temporary_file(old, monkeypatch):
    def killed(src, dst):
        assert Path(src).read_text() == "new contents\n"  # the new text was written in full
        raise KeyboardInterrupt  # and the rename never happens

    monkeypatch.setattr(atomic.os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        atomic.write_text(old, "new contents\n")
    monkeypatch.undo()
    assert old.read_text() == "old contents\n"
    assert [p.name for p in old.parent.iterdir()] == ["record.json"]


def test_a_full_disk_during_the_write_keeps_the_old_file(old, monkeypatch):
    def disk_full(self, data, *args, **kwargs):
        with open(self, "w", encoding="utf-8") as f:
            f.write(data[: len(data) // 2])  # part of it reaches the disk
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Path, "write_text", disk_full)
    with pytest.raises(OSError) as info:
        atomic.write_text(old, "a new text, long enough to be cut in half\n")
    monkeypatch.undo()
    assert info.value.errno == 28
    assert old.read_text() == "old contents\n"
    assert [p.name for p in old.parent.iterdir()] == ["record.json"]


def test_creates_the_parent_folders(tmp_path):
    path = tmp_path / "results" / "verdicts" / "01_x.json"
    atomic.write_text(str(path), "{}\n")  # a str path too
    assert path.read_text() == "{}\n"
    assert [p.name for p in path.parent.iterdir()] == ["01_x.json"]


def test_a_new_file_interrupted_leaves_nothing(tmp_path, monkeypatch):
    def killed(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(atomic.os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        atomic.write_text(tmp_path / "new.md", "text\n")
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []
