"""The program cache's stat manifest: a warm load finds its key from the rule files' stats, without
reading them; any change of a file, and any damage to the manifest, falls back to reading them."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from tmlogic import fileaccess
from tmlogic.logic.language.ast import Program
from tmlogic.logic.program import load, manifest
from tmlogic.resources import rules_dir


@pytest.fixture()
def pack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the built-in rules, loaded as the built-in pack, with its own cache folder."""
    monkeypatch.setenv("TMLOGIC_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "rules"
    shutil.copytree(rules_dir(), folder, ignore=shutil.ignore_patterns("tests"))
    return folder


def _load(pack: Path) -> Program:
    fileaccess.new_run()
    program, warnings = load.load_program(builtin_dir=pack)
    assert warnings == []
    return program


def _settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files just written count as settled (the tests cannot wait for them to age)."""
    monkeypatch.setattr(manifest, "_SETTLED_NS", 0)


def _reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The rule files the loader reads, as shown."""
    read: list[str] = []
    real = load.read_text

    def counted(path: object, **kwargs: object) -> str:
        read.append(str(kwargs.get("shown")))
        return real(path, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(load, "read_text", counted)
    return read


def _manifest(pack: Path) -> Path:
    (found,) = (pack.parent / "cache").glob("files-*.json")
    return found


def _a_rule(pack: Path) -> Path:
    return sorted(pack.rglob("*.dl"))[0]


def test_a_warm_load_reads_no_rule_file_and_is_the_same_program(pack: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _settled(monkeypatch)
    first = _load(pack)
    read = _reads(monkeypatch)
    second = _load(pack)
    assert read == [] and second == first
    # the files are inputs all the same: no write may replace one, and a diagnostic may quote one
    rule = _a_rule(pack)
    assert fileaccess.is_input(rule)
    shown = str(rule.relative_to(pack.parent))
    assert fileaccess.source_line(shown, 1) == rule.read_text(encoding="utf-8").splitlines()[0]


def test_files_changed_just_before_the_read_write_no_manifest(pack: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _load(pack)  # the copies are seconds old: a stat could match content the hash never saw
    assert not list((pack.parent / "cache").glob("files-*.json"))
    read = _reads(monkeypatch)
    assert _load(pack) == first and read


def test_an_edit_that_keeps_size_and_modification_time_is_seen(pack: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _settled(monkeypatch)
    _load(pack)
    rule = _a_rule(pack)
    before = os.stat(rule)
    text = rule.read_text(encoding="utf-8")
    title = next(line for line in text.splitlines() if line.startswith("/// title:"))
    edited = title[:-1] + ("X" if title[-1] != "X" else "Y")
    rule.write_text(text.replace(title, edited), encoding="utf-8")
    os.utime(rule, ns=(before.st_atime_ns, before.st_mtime_ns))  # as `touch -r` or an archive would
    assert os.stat(rule).st_size == before.st_size
    read = _reads(monkeypatch)
    program = _load(pack)
    assert read  # the change time moved: the files were read again
    titles = [r.metadata.get("title") for r in program.rules if r.metadata is not None and r.span.path.endswith(rule.name)]
    assert edited.removeprefix("/// title:").strip() in titles


def test_a_new_rule_file_is_a_miss(pack: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _settled(monkeypatch)
    first = _load(pack)
    rule = _a_rule(pack)
    shutil.copy(rule, rule.parent / "copy_helper.dl")
    (rule.parent / "copy_helper.dl").write_text(".decl copied_helper(x: symbol)\n", encoding="utf-8")
    program = _load(pack)
    assert "copied_helper" in program.decls and "copied_helper" not in first.decls


@pytest.mark.parametrize("content", [
    "", "not json", "[1, 2]", '{"key": 5, "files": []}', '{"key": "%KEY%", "files": 5}',
    '{"key": "%KEY%", "files": [[1, 2, 3, 4, 5]]}', '{"key": "%KEY%", "files": "%FILES-WRONG%"}',
    '{"key": "../../etc/passwd", "files": "%FILES%"}', '{"key": "%OTHER%", "files": "%FILES%"}',
], ids=["empty", "garbage", "list", "key-a-number", "files-a-number", "too-few-files", "stats-changed",
        "key-a-path", "key-of-no-program"])
def test_a_damaged_manifest_is_a_miss_and_is_rewritten(pack: Path, monkeypatch: pytest.MonkeyPatch,
                                                       content: str) -> None:
    _settled(monkeypatch)
    first = _load(pack)
    path = _manifest(pack)
    good = json.loads(path.read_text(encoding="utf-8"))
    wrong = [[*s[:4], s[4] + 1] for s in good["files"]]
    damaged = (content.replace("%KEY%", good["key"]).replace("%OTHER%", "0" * 64)
               .replace('"%FILES%"', json.dumps(good["files"])).replace('"%FILES-WRONG%"', json.dumps(wrong)))
    path.write_text(damaged, encoding="utf-8")
    read = _reads(monkeypatch)
    assert _load(pack) == first and read
    assert json.loads(path.read_text(encoding="utf-8")) == good


def test_a_manifest_whose_program_is_gone_falls_back_to_reading(pack: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _settled(monkeypatch)
    first = _load(pack)
    for program in (pack.parent / "cache").glob("program-*.json"):
        program.unlink()
    read = _reads(monkeypatch)
    assert _load(pack) == first and read


def test_a_lower_size_limit_is_applied_as_if_the_files_were_read(pack: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tmlogic import limits
    from tmlogic._errors import RuleError

    _settled(monkeypatch)
    _load(pack)
    smallest = min(os.stat(p).st_size for p in pack.rglob("*.dl"))
    biggest = max(os.stat(p).st_size for p in pack.rglob("*.dl"))
    assert smallest < biggest
    with limits.using(limits.Limits(file_bytes=biggest - 1)), pytest.raises(RuleError, match="larger than"):
        _load(pack)
