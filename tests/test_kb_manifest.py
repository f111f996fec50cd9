"""The knowledge base's digest and the enrichment cache's key, found from the files' stats: a warm
run reads and hashes no knowledge-base or enrichment-code file and imports no hashlib (OpenSSL);
an edit, a replaced file, a file changed just before the read and a damaged manifest each miss."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tmlogic.kb import enrich_cache, loader
from tmlogic.kb.store import decls_text
from tmlogic.logic.program import manifest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def kb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the embedded knowledge base, with its own cache folder."""
    monkeypatch.setenv("TMLOGIC_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "kb"
    shutil.copytree(loader.embedded_dir(), folder)
    return folder


def _settled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files just written count as settled (the tests cannot wait for them to age)."""
    monkeypatch.setattr(manifest, "_SETTLED_NS", 0)


def _reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The knowledge-base folders read and hashed for a digest."""
    read: list[Path] = []
    real = loader._read_digest

    def counted(folder: Path) -> str:
        read.append(folder)
        return real(folder)

    monkeypatch.setattr(loader, "_read_digest", counted)
    return read


def _digest(folder: Path) -> str:
    loader._digest.cache_clear()  # per process: each call here is a new run's
    return loader.content_digest(folder)


def _manifests(kb: Path, kind: str) -> list[Path]:
    return list((kb.parent / "cache").glob(f"{kind}-*.json"))


def test_a_warm_digest_reads_no_file_and_is_the_same(kb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _settled(monkeypatch)
    read = _reads(monkeypatch)
    first = _digest(kb)
    assert read == [kb.resolve()] and len(_manifests(kb, "kb")) == 1
    second = _digest(kb)
    assert read == [kb.resolve()]
    assert second == first == loader._read_digest(kb.resolve())


def test_files_changed_just_before_the_read_write_no_manifest(kb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    read = _reads(monkeypatch)
    first = _digest(kb)  # the copies are seconds old: a stat could match content the hash never saw
    assert not _manifests(kb, "kb")
    assert _digest(kb) == first and len(read) == 2


def test_an_edit_that_keeps_size_and_modification_time_is_seen(kb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _settled(monkeypatch)
    first = _digest(kb)
    file = kb / "tactic.facts"
    before = os.stat(file)
    data = file.read_bytes()
    file.write_bytes(data[:-2] + (b"X" if data[-2:-1] != b"X" else b"Y") + data[-1:])
    os.utime(file, ns=(before.st_atime_ns, before.st_mtime_ns))  # as `touch -r` or an archive would
    assert os.stat(file).st_size == before.st_size
    read = _reads(monkeypatch)
    assert _digest(kb) != first and read


def test_a_replaced_file_with_the_same_content_and_times_is_a_miss(kb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _settled(monkeypatch)
    first = _digest(kb)
    file = kb / "cwe.facts"
    before = os.stat(file)
    (kb / "new").write_bytes(file.read_bytes())
    os.utime(kb / "new", ns=(before.st_atime_ns, before.st_mtime_ns))
    os.replace(kb / "new", file)
    read = _reads(monkeypatch)
    assert _digest(kb) == first and read  # another inode: read again, the same content


def test_a_missing_file_is_a_miss(kb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _settled(monkeypatch)
    first = _digest(kb)
    (kb / "artifact.facts").unlink()
    read = _reads(monkeypatch)
    assert _digest(kb) != first and read
    assert _digest(kb) != first and len(read) == 2  # and no manifest records a missing file


@pytest.mark.parametrize("content", [
    "", "not json", "[1, 2]", '{"key": 5, "files": []}', '{"key": "%KEY%", "files": 5}',
    '{"key": "%KEY%", "files": [[1, 2, 3, 4, 5]]}', '{"key": "%KEY%", "files": "%FILES-WRONG%"}',
    '{"key": "../../etc/passwd", "files": "%FILES%"}', '{"key": "%KEY%", "files": "%FILES-SHORT%"}',
], ids=["empty", "garbage", "list", "key-a-number", "files-a-number", "too-few-files", "stats-changed",
        "key-a-path", "a-stat-too-short"])
def test_a_damaged_manifest_is_a_miss_and_is_rewritten(kb: Path, monkeypatch: pytest.MonkeyPatch,
                                                       content: str) -> None:
    _settled(monkeypatch)
    first = _digest(kb)
    (path,) = _manifests(kb, "kb")
    good = json.loads(path.read_text(encoding="utf-8"))
    wrong = [[*s[:4], s[4] + 1] for s in good["files"]]
    damaged = (content.replace("%KEY%", good["key"]).replace('"%FILES%"', json.dumps(good["files"]))
               .replace('"%FILES-WRONG%"', json.dumps(wrong))
               .replace('"%FILES-SHORT%"', json.dumps([s[:4] for s in good["files"]])))
    path.write_text(damaged, encoding="utf-8")
    read = _reads(monkeypatch)
    assert _digest(kb) == first and read
    assert json.loads(path.read_text(encoding="utf-8")) == good


def test_a_manifest_records_its_own_knowledge_base_only(kb: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _settled(monkeypatch)
    first = _digest(kb)
    other = kb.parent / "other"
    shutil.copytree(kb, other)
    with (other / "d3fend_technique.facts").open("a", encoding="utf-8") as f:
        f.write("D3-X\tT1040\td3f:X\n")
    assert _digest(other) != first and _digest(kb) == first and len(_manifests(kb, "kb")) == 2


# --- the enrichment cache's key ------------------------------------------------------------------

@pytest.fixture()
def code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the enrichment code's folder, as the one file_key reads, with its own cache folder."""
    monkeypatch.setenv("TMLOGIC_CACHE_DIR", str(tmp_path / "cache"))
    folder = tmp_path / "code"
    folder.mkdir()
    for name in enrich_cache._SOURCES:
        shutil.copy(Path(enrich_cache.__file__).parent / name, folder / name)
    monkeypatch.setattr(enrich_cache, "__file__", str(folder / "enrich_cache.py"))
    return folder


def _key(decls: str = "") -> str | None:
    enrich_cache.file_key.cache_clear()  # per process: each call here is a new run's
    return enrich_cache.file_key("a" * 64, decls or decls_text())


def _key_reads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    read: list[Path] = []
    real = enrich_cache._read_key

    def counted(head: str, decls: str, here: Path) -> str | None:
        read.append(here)
        return real(head, decls, here)

    monkeypatch.setattr(enrich_cache, "_read_key", counted)
    return read


def test_a_warm_key_reads_no_code_file_and_follows_every_change(code: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _settled(monkeypatch)
    read = _key_reads(monkeypatch)
    first = _key()
    assert first is not None and len(read) == 1
    assert _key() == first and len(read) == 1
    assert _key(decls_text() + "\n") not in (None, first) and len(read) == 2  # other declarations: another key
    file = code / "enrich.dl"
    before = os.stat(file)
    text = file.read_text(encoding="utf-8")
    file.write_text(text[:-2] + ("X" if text[-2] != "X" else "Y") + text[-1], encoding="utf-8")
    os.utime(file, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert _key() not in (None, first) and len(read) == 3
    file.unlink()
    assert _key() is None and _key() is None and len(read) == 5  # unreadable code: nothing is cached


def test_a_warm_key_changed_just_before_the_read_is_read_again(code: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    read = _key_reads(monkeypatch)
    assert _key() == _key() and len(read) == 2
    assert not list((code.parent / "cache").glob("sources-*.json"))


# --- a whole warm run ----------------------------------------------------------------------------

def test_a_warm_analysis_hashes_no_file_and_imports_no_hashlib(tmp_path: Path) -> None:
    # hashlib loads OpenSSL (about 11 M instructions); threat ids and cache keys use the
    # interpreter's own SHA-256 (tmlogic/sha256.py), and file digests come from the stat manifests
    probe = ("import sys\n"
             "from tmlogic.logic.program import manifest\n"
             "manifest._SETTLED_NS = 0\n"  # the files of a fresh checkout may be seconds old
             "from tmlogic.kb import enrich_cache, loader\n"
             "from tmlogic.logic.program import cache\n"
             "read = []\n"
             "def counted(name, real):\n"
             "    def call(*args):\n"
             "        read.append(name)\n"
             "        return real(*args)\n"
             "    return call\n"
             "loader._read_digest = counted('kb', loader._read_digest)\n"
             "enrich_cache._read_key = counted('code', enrich_cache._read_key)\n"
             "cache.program_key = counted('rules', cache.program_key)\n"
             f"sys.argv = ['tmlogic', 'analyze', {str(ROOT / 'tests/data/anchors/secopstm/threat_model.md')!r},"
             f" '-f', 'json', '-o', {str(tmp_path / 'out.json')!r}]\n"
             "from tmlogic.cli import main\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             "sys.stderr.write('\\n' + ' '.join(['read:', *read, 'hashlib:', *(m for m in ('hashlib', '_hashlib')"
             " if m in sys.modules)]))\n")
    env = {**os.environ, "TMLOGIC_CACHE_DIR": str(tmp_path / "cache")}
    reports = []
    for _ in range(2):  # the first run is cold: it reads, hashes and writes the manifests
        done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True,
                              timeout=300, check=False, env=env)
        assert json.loads((tmp_path / "out.json").read_text())["threats"], done.stderr
        reports.append(done.stderr.strip().splitlines()[-1].split())
    assert {"kb", "code"} <= set(reports[0])
    # program_key is called once with no files, for the rule manifest's context: no file is hashed
    assert reports[1] == ["read:", "rules", "hashlib:"], reports
