"""The served folder (tmlogic/serve/files.py): what can be read or written, and how it is written."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tmlogic.serve.files import FileRefused, ServedFolder


@pytest.fixture
def folder(tmp_path: Path) -> ServedFolder:
    root = tmp_path / "served"
    (root / "sub").mkdir(parents=True)
    (root / "main.md").write_text("# Threat Model: main\n", encoding="utf-8")
    (root / "sub" / "model.yaml").write_text("title: sub\n", encoding="utf-8")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD.md").write_text("x", encoding="utf-8")
    (root / "node_modules").mkdir()
    (root / "node_modules" / "readme.md").write_text("x", encoding="utf-8")
    outside = tmp_path / "outside.md"
    outside.write_text("# secret\n", encoding="utf-8")
    (root / "leak.md").symlink_to(outside)
    (root / "linkdir").symlink_to(tmp_path, target_is_directory=True)
    (root / "alias.md").symlink_to(root / "main.md")
    (root / "notes.txt.md").symlink_to(root / "notes.txt")
    (root / "notes.txt").write_text("not a model", encoding="utf-8")
    return ServedFolder.at(root)


@pytest.mark.parametrize("key", ["", "/etc/passwd.md", "../outside.md", "sub/../../outside.md", "sub/../main.md",
                                 "./main.md", "C:/x.md", "c:x.md", "\\\\server\\share\\x.md", "sub\\model.yaml",
                                 ".git/HEAD.md", "main.md\x00", "main\n.md", "leak.md", "linkdir/outside.md",
                                 "main.py", "sub", "notes.txt.md"])
def test_refused(folder: ServedFolder, key: str) -> None:
    with pytest.raises(FileRefused):
        folder.resolve(key)
    with pytest.raises(FileRefused):
        folder.write(key, "# Threat Model: x\n")
    assert (folder.root.parent / "outside.md").read_text(encoding="utf-8") == "# secret\n"


def test_reads_models_and_links_that_stay_inside(folder: ServedFolder) -> None:
    text, digest = folder.read("main.md")
    assert text == "# Threat Model: main\n" and len(digest) == 16
    assert folder.read("alias.md") == (text, digest)
    assert folder.read("sub/model.yaml")[0] == "title: sub\n"
    with pytest.raises(FileRefused) as missing:
        folder.read("absent.md")
    assert missing.value.status == 404


def test_lists_model_files_without_hidden_tool_or_escaping_ones(folder: ServedFolder) -> None:
    assert folder.model_files() == ["alias.md", "main.md", "sub/model.yaml"]


def test_writes_atomically_and_keeps_the_mode(folder: ServedFolder) -> None:
    target = folder.root / "main.md"
    os.chmod(target, 0o640)
    inode = target.stat().st_ino
    digest = folder.write("main.md", "# Threat Model: saved\n")
    assert target.read_text(encoding="utf-8") == "# Threat Model: saved\n"
    assert digest == folder.disk_hash("main.md")
    assert target.stat().st_mode & 0o777 == 0o640
    assert target.stat().st_ino != inode  # a new file renamed over the old one, never a partial write
    assert sorted(p.name for p in folder.root.iterdir() if p.name.endswith(".tmp")) == []
    folder.write("sub/new.md", "# Threat Model: new\n")
    assert (folder.root / "sub" / "new.md").is_file()


def test_a_failed_write_leaves_the_file_and_no_temporary(folder: ServedFolder, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(src: object, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(FileRefused, match="No space left"):
        folder.write("main.md", "# Threat Model: lost\n")
    assert (folder.root / "main.md").read_text(encoding="utf-8") == "# Threat Model: main\n"
    assert not [p for p in folder.root.iterdir() if p.name.endswith(".tmp")]


def test_size_limit(folder: ServedFolder) -> None:
    with pytest.raises(FileRefused) as big:
        folder.write("main.md", "x" * (2 * 1024 * 1024 + 1))
    assert big.value.status == 413
