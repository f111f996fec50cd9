"""The guarded file access of tmlogic/fileaccess.py: what may be read and written, and how."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import pytest

from tmlogic import fileaccess
from tmlogic.fileaccess import FileAccessError, WriteRefused, locked, read_text, source_line, write_files, write_text
from tmlogic.limits import Limits, using


@pytest.fixture(autouse=True)
def _fresh_run() -> None:
    fileaccess.new_run()
    fileaccess.allow_outside(False)


def _project(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / ".git").mkdir(parents=True)
    return root


def test_a_regular_file_in_the_project_is_read_and_quotable(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "docs").mkdir()
    f = root / "docs" / "m.md"
    f.write_text("line one\nline two\n", encoding="utf-8")
    assert read_text(f, shown="m.md") == "line one\nline two\n"
    assert source_line("m.md", 2) == "line two"
    assert fileaccess.project_root(f) == root.resolve()


def test_a_link_out_of_the_project_is_refused_and_nothing_is_quoted(tmp_path: Path) -> None:
    root = _project(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("TOKEN=hunter2\n", encoding="utf-8")
    (root / "m.risks.yaml").symlink_to(secret)
    with pytest.raises(FileAccessError) as info:
        read_text(root / "m.risks.yaml", what="risk file", shown="m.risks.yaml")
    d = info.value.diagnostics[0]
    assert d.code == "outside-project" and "hunter2" not in d.headline()
    assert source_line("m.risks.yaml", 1) is None


def test_allow_outside_reads_through_the_link_but_never_quotes_it(tmp_path: Path) -> None:
    root = _project(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text("TOKEN=hunter2\n", encoding="utf-8")
    (root / "link.yaml").symlink_to(secret)
    fileaccess.allow_outside(True)
    assert read_text(root / "link.yaml", shown="link.yaml") == "TOKEN=hunter2\n"
    assert source_line("link.yaml", 1) is None


def test_proc_environ_is_refused(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "env.yaml").symlink_to("/proc/self/environ")
    with pytest.raises(FileAccessError, match="outside the project"):
        read_text(root / "env.yaml")


@pytest.mark.parametrize("make", ["fifo", "folder", "device", "loop", "dangling"])
def test_only_regular_files_are_read_without_blocking(tmp_path: Path, make: str) -> None:
    root = _project(tmp_path)
    target = root / "m.md"
    if make == "fifo":
        os.mkfifo(target)
    elif make == "folder":
        target.mkdir()
    elif make == "device":
        fileaccess.allow_outside(True)
        target.symlink_to("/dev/zero")
    elif make == "loop":
        (root / "b.md").symlink_to(target)
        target.symlink_to(root / "b.md")
    else:
        target.symlink_to(root / "missing.md")
    started = time.monotonic()
    with pytest.raises(FileAccessError) as info:
        read_text(target, what="model")
    assert time.monotonic() - started < 5
    assert info.value.diagnostics[0].code in {"not-a-file", "symlink-loop", "io"}


def test_the_size_cap_holds_even_when_the_size_lies(tmp_path: Path) -> None:
    root = _project(tmp_path)
    big = root / "big.md"
    big.write_bytes(b"x" * 2000)
    with using(Limits(file_bytes=1000)):
        with pytest.raises(FileAccessError, match="larger than 1,000 bytes"):
            read_text(big)
    assert read_text(big) == "x" * 2000


def test_binary_and_bad_utf8_are_located_errors(tmp_path: Path) -> None:
    root = _project(tmp_path)
    (root / "a.md").write_bytes(b"ok\n\0")
    (root / "b.md").write_bytes(b"ok\nbad \xff here\n")
    with pytest.raises(FileAccessError, match="binary"):
        read_text(root / "a.md")
    with pytest.raises(FileAccessError) as info:
        read_text(root / "b.md")
    span = info.value.diagnostics[0].span
    assert (span.line, span.col) == (2, 5)


def test_writes_are_atomic_and_keep_the_mode(tmp_path: Path) -> None:
    root = _project(tmp_path)
    out = root / "out" / "summary.md"
    write_text(out, "one\n")
    os.chmod(out, 0o640)
    write_text(out, "two\n")
    assert out.read_text(encoding="utf-8") == "two\n"
    assert oct(out.stat().st_mode & 0o777) == oct(0o640)
    assert [p.name for p in out.parent.iterdir()] == ["summary.md"]  # no temporary file left


def test_a_temporary_name_already_taken_is_skipped_and_never_followed(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _project(tmp_path)
    out = root / "summary.md"
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("keep\n", encoding="utf-8")
    draws = iter([b"\x00" * 6, b"\x00" * 6, b"\x01" * 6])
    monkeypatch.setattr(os, "urandom", lambda n: next(draws))
    taken = root / ".summary.md.000000000000.tmp"
    taken.symlink_to(elsewhere)  # a link planted under the first name drawn
    write_text(out, "new\n")
    assert out.read_text(encoding="utf-8") == "new\n"
    assert elsewhere.read_text(encoding="utf-8") == "keep\n"
    assert taken.is_symlink()
    assert sorted(p.name for p in root.iterdir() if p.name != ".git") == [taken.name, "summary.md"]


def test_a_destination_link_is_never_followed(tmp_path: Path) -> None:
    root = _project(tmp_path)
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n", encoding="utf-8")
    (root / "out").mkdir()
    (root / "out" / "summary.md").symlink_to(victim)
    (root / "out" / "report.html").symlink_to(tmp_path / "created-by-link.html")  # dangling
    for name in ("summary.md", "report.html"):
        with pytest.raises(WriteRefused, match="symbolic link"):
            write_text(root / "out" / name, "x", within=root / "out")
    assert victim.read_text(encoding="utf-8") == "keep me\n"
    assert not (tmp_path / "created-by-link.html").exists()


def test_an_output_folder_linked_out_of_the_project_is_refused(tmp_path: Path) -> None:
    root = _project(tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / "out").symlink_to(elsewhere)
    with pytest.raises(WriteRefused, match="leads outside"):
        write_text(root / "out" / "summary.md", "x", within=root / "out")
    assert list(elsewhere.iterdir()) == []


def test_a_path_outside_the_output_folder_is_refused(tmp_path: Path) -> None:
    root = _project(tmp_path)
    with pytest.raises(WriteRefused, match="outside the output folder"):
        write_text(root / "out" / ".." / "evil.md", "x", within=root / "out")


def test_an_input_is_never_overwritten_unless_asked(tmp_path: Path) -> None:
    root = _project(tmp_path)
    model = root / "m.md"
    model.write_text("model\n", encoding="utf-8")
    read_text(model)
    with pytest.raises(WriteRefused, match="input of this run"):
        write_text(model, "output")
    assert model.read_text(encoding="utf-8") == "model\n"
    write_text(model, "edited\n", replace_input=True)
    assert model.read_text(encoding="utf-8") == "edited\n"


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _project(tmp_path)
    target = root / "r.yaml"
    target.write_text("old\n", encoding="utf-8")

    def full(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(WriteRefused, match="No space left"):
        write_text(target, "new\n")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in root.iterdir() if p.name != ".git"] == ["r.yaml"]


def test_write_files_writes_every_file_and_keeps_modes(tmp_path: Path) -> None:
    out = _project(tmp_path) / "out"
    write_text(out / "a.txt", "old a\n")
    os.chmod(out / "a.txt", 0o640)
    written = write_files([(out / "a.txt", b"new a\n"), (out / "b.txt", b"new b\n")], within=out)
    assert written == [out.resolve() / "a.txt", out.resolve() / "b.txt"]
    assert (out / "a.txt").read_bytes() == b"new a\n" and (out / "b.txt").read_bytes() == b"new b\n"
    assert oct((out / "a.txt").stat().st_mode & 0o777) == oct(0o640)
    assert sorted(p.name for p in out.iterdir()) == ["a.txt", "b.txt"]  # no temporary file left


def test_write_files_replaces_none_when_one_cannot_be_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = _project(tmp_path) / "out"
    for name in ("a.txt", "b.txt", "c.txt"):
        write_text(out / name, f"old {name}\n")
    real_fsync = os.fsync
    fail_on = {len(b"new b.txt, and longer\n")}

    def full_for_b(fd: int) -> None:
        if os.fstat(fd).st_size in fail_on:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", full_for_b)
    with pytest.raises(WriteRefused, match="b.txt: No space left"):
        write_files([(out / "a.txt", b"new a\n"), (out / "b.txt", b"new b.txt, and longer\n"),
                     (out / "c.txt", b"new c\n")], within=out)
    assert {p.name: p.read_text(encoding="utf-8") for p in out.iterdir()} == {
        "a.txt": "old a.txt\n", "b.txt": "old b.txt\n", "c.txt": "old c.txt\n"}


def test_write_files_checks_every_destination_before_writing(tmp_path: Path) -> None:
    root = _project(tmp_path)
    out = root / "out"
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n", encoding="utf-8")
    out.mkdir()
    (out / "b.txt").symlink_to(victim)
    with pytest.raises(WriteRefused, match="symbolic link"):
        write_files([(out / "a.txt", b"a\n"), (out / "b.txt", b"b\n")], within=out)
    assert victim.read_text(encoding="utf-8") == "keep me\n"
    assert sorted(p.name for p in out.iterdir()) == ["b.txt"]


def test_locked_folders_take_turns(tmp_path: Path) -> None:
    root = _project(tmp_path)
    order: list[str] = []

    def writer(name: str) -> None:
        with locked(root / "out"):
            order.append(name + "-start")
            time.sleep(0.2)
            order.append(name + "-end")

    threads = [threading.Thread(target=writer, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
        time.sleep(0.05)
    for t in threads:
        t.join()
    assert order in (["a-start", "a-end", "b-start", "b-end"], ["b-start", "b-end", "a-start", "a-end"])
