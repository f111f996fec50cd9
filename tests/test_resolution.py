"""Path resolution with shared folders (tmlogic/resolution.py): inside a block, every answer is the
one `Path.resolve` gives, links and errors included; outside one, nothing is remembered."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tmlogic.resolution import remembered, resolve, resolve_folder, shared_folders


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """real/ with a file; a link to real/; a file link inside real/ leaving it; a dangling link; a loop."""
    (tmp_path / "real" / "sub").mkdir(parents=True)
    (tmp_path / "real" / "a.dl").write_text("a")
    (tmp_path / "real" / "sub" / "b.dl").write_text("b")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "secret").write_text("s")
    (tmp_path / "linked").symlink_to(tmp_path / "real")
    (tmp_path / "real" / "out.dl").symlink_to(tmp_path / "elsewhere" / "secret")
    (tmp_path / "real" / "dangling.dl").symlink_to(tmp_path / "nowhere")
    (tmp_path / "real" / "loop.dl").symlink_to(tmp_path / "real" / "loop.dl")
    (tmp_path / "real" / "up").symlink_to(tmp_path / "real" / "sub")
    return tmp_path


def _names(tree: Path) -> list[Path]:
    return [tree / "real" / "a.dl", tree / "linked" / "a.dl", tree / "linked" / "sub" / "b.dl",
            tree / "real" / "out.dl", tree / "linked" / "out.dl", tree / "real" / "missing.dl",
            tree / "missing" / "x.dl", tree / "real" / "dangling.dl", tree / "real" / "up" / ".." / "a.dl",
            tree / "linked", tree / "real" / "sub", tree]


def _outcome(call: object) -> object:
    try:
        return call()  # type: ignore[operator]
    except (OSError, RuntimeError) as exc:
        return type(exc)


@pytest.mark.parametrize("strict", [False, True])
def test_inside_a_block_every_path_resolves_as_path_resolve_does(tree: Path, strict: bool) -> None:
    expected = [_outcome(lambda p=p: p.resolve(strict=strict)) for p in _names(tree)]
    with shared_folders():
        for _ in range(2):  # the second round answers from the shared folders
            assert [_outcome(lambda p=p: resolve(p, strict)) for p in _names(tree)] == expected


def test_inside_a_block_every_folder_resolves_as_path_resolve_does(tree: Path) -> None:
    (tree / "linked" / "sub" / "deep").mkdir()
    (tree / "twice").symlink_to(tree / "linked")
    (tree / "real" / "self").symlink_to(tree / "real" / "self")
    folders = [tree / "real", tree / "linked", tree / "linked" / "sub" / "deep", tree / "twice" / "sub",
               tree / "twice" / "up" / "deep", tree / "real" / "up" / "..", tree / "missing" / "deeper",
               tree / "real" / "dangling.dl", tree / "real" / "self", tree / "real" / "self" / "x", Path("/"),
               str(tree / "real" / "sub") + "/", str(tree / "real" / "." / "sub")]
    expected = [_outcome(lambda f=f: Path(f).resolve()) for f in folders]
    with shared_folders():
        for _ in range(2):
            assert [_outcome(lambda f=f: resolve_folder(f)) for f in folders] == expected


def test_a_link_loop_fails_as_it_does_alone(tree: Path) -> None:
    loop = tree / "real" / "loop.dl"
    alone = _outcome(lambda: loop.resolve(strict=True))
    with shared_folders():
        assert _outcome(lambda: resolve(loop, True)) == alone


def test_a_file_link_is_followed_to_where_it_leads(tree: Path) -> None:
    with shared_folders():
        assert resolve(tree / "linked" / "out.dl") == (tree / "elsewhere" / "secret").resolve()


def test_a_relative_path_resolves_against_the_working_folder(tree: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tree / "linked")
    with shared_folders():
        assert resolve("a.dl") == (tree / "real" / "a.dl").resolve()
        assert resolve_folder(os.getcwd()) == (tree / "real").resolve()


def test_outside_a_block_a_folder_that_becomes_a_link_is_seen_at_once(tree: Path) -> None:
    moving = tree / "moving"
    moving.mkdir()
    (moving / "a.dl").write_text("a")
    assert resolve(moving / "a.dl") == (moving / "a.dl").resolve()
    (moving / "a.dl").unlink()
    moving.rmdir()
    moving.symlink_to(tree / "real")
    assert resolve(moving / "a.dl") == (tree / "real" / "a.dl").resolve()


def test_a_fact_is_computed_once_per_folder_inside_a_block_and_every_time_outside() -> None:
    calls: list[str] = []

    def compute() -> str:
        calls.append("x")
        return "root"

    with shared_folders():
        with shared_folders():  # nested: the outer block's table
            assert remembered("root", "/a", compute) == "root"
        assert remembered("root", "/a", compute) == "root"
        assert remembered("other", "/a", compute) == "root"
    assert len(calls) == 2
    remembered("root", "/a", compute)
    remembered("root", "/a", compute)
    assert len(calls) == 4
