"""outputs/real_paths.py gives Path.resolve's answer, inside and outside its block."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tmlogic.outputs.real_paths import folders_resolved_once, real_path


def _tree(tmp_path: Path) -> list[str]:
    (tmp_path / "rules" / "web").mkdir(parents=True)
    (tmp_path / "rules" / "web" / "a.dl").write_text("", encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "b.dl").write_text("", encoding="utf-8")
    (tmp_path / "linked").symlink_to(tmp_path / "elsewhere")  # a linked folder
    (tmp_path / "rules" / "web" / "c.dl").symlink_to(tmp_path / "elsewhere" / "b.dl")  # a linked file
    (tmp_path / "rules" / "loop.dl").symlink_to(tmp_path / "rules" / "loop.dl")
    return [str(tmp_path / "rules" / "web" / "a.dl"), str(tmp_path / "linked" / "b.dl"),
            str(tmp_path / "rules" / "web" / "c.dl"), str(tmp_path / "linked" / ".." / "rules" / "web" / "a.dl"),
            str(tmp_path / "linked" / ".."), str(tmp_path / "missing" / "x.dl"), "rules/web/a.dl",
            "linked/b.dl", "./rules/../linked/b.dl"]


@pytest.mark.parametrize("inside", [False, True])
def test_real_path_is_path_resolve(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, inside: bool) -> None:
    monkeypatch.chdir(tmp_path)
    paths = _tree(tmp_path)
    if inside:
        with folders_resolved_once():
            got = [real_path(p) for p in paths + paths]  # the second time from the remembered folders
    else:
        got = [real_path(p) for p in paths + paths]
    assert got == [Path(p).resolve() for p in paths + paths]


def test_a_link_loop_fails_as_path_resolve_does(tmp_path: Path) -> None:
    _tree(tmp_path)
    with folders_resolved_once(), pytest.raises(RuntimeError, match="loop"):
        real_path(str(tmp_path / "rules" / "loop.dl"))


def test_nothing_is_remembered_after_the_block(tmp_path: Path) -> None:
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    (tmp_path / "current").symlink_to(tmp_path / "one")
    with folders_resolved_once():
        assert real_path(str(tmp_path / "current" / "r.dl")) == tmp_path.resolve() / "one" / "r.dl"
    os.unlink(tmp_path / "current")
    (tmp_path / "current").symlink_to(tmp_path / "two")
    assert real_path(str(tmp_path / "current" / "r.dl")) == tmp_path.resolve() / "two" / "r.dl"
