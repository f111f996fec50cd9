"""Issue 9 for the readers that landed with other issues: importers, the config file, SARIF's rule
help, the program cache and the model server go through the guarded file access as the model
does (regular files inside the project, links that leave it refused, nothing quoted from them)."""

from __future__ import annotations

import json
import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from test_hostile_input import SMALL, project, run

SECRET = "TMLOGIC_TEST_SECRET_9a7e"


@contextmanager
def deadline(seconds: int = 60) -> Iterator[None]:
    """What would block or walk forever fails the test instead of hanging the suite."""
    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(f"no answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def secret_file(tmp_path: Path) -> Path:
    """A file outside the project whose every line is a secret (as /proc/self/environ would be)."""
    outside = tmp_path / "outside" / "environ"
    outside.parent.mkdir()
    outside.write_text(f"services: {SECRET}\n[{SECRET}\n", encoding="utf-8")
    return outside


@pytest.mark.parametrize("fmt", ["compose", "k8s", "otm", "threagile", "terraform", "threat-dragon"])
def test_an_imported_file_linked_out_of_the_project_is_refused_unread(tmp_path: Path, fmt: str,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path)
    (root / "input.yaml").symlink_to(secret_file(tmp_path))
    monkeypatch.chdir(root)
    code, out, err = run("import", fmt, "input.yaml")
    assert code == 2 and "outside" in err and "--allow-outside" in err
    assert SECRET not in out + err and "Traceback" not in err


@pytest.mark.parametrize("make", ["fifo", "device"])
def test_an_imported_fifo_or_device_is_refused_at_once(tmp_path: Path, make: str, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path)
    target = root / "input.yaml"
    if make == "fifo":
        os.mkfifo(target)
    else:
        target.symlink_to("/dev/zero")
    monkeypatch.chdir(root)
    with deadline():
        code, _, err = run("--allow-outside", "import", "compose", "input.yaml")
    assert code == 2 and "not a regular file" in err


def test_an_imported_file_over_the_size_limit_names_the_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path)
    (root / "compose.yaml").write_text("services:\n" + "  # padding\n" * 200, encoding="utf-8")
    monkeypatch.chdir(root)
    code, _, err = run("--limit", "import_bytes=1000", "import", "compose", "compose.yaml")
    assert code == 2 and "larger than 1,000 bytes" in err and "--limit import_bytes=N" in err


def test_an_imported_yaml_bomb_is_stopped_by_the_shared_alias_budget(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path)
    bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]\n" for i in range(1, 9))
    (root / "compose.yaml").write_text(bomb + "services: {}\n", encoding="utf-8")
    monkeypatch.chdir(root)
    code, _, err = run("import", "compose", "compose.yaml")
    assert code == 2 and "yaml_alias_nodes" in err


def test_a_config_file_linked_out_of_the_project_is_refused_unread(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path)
    (root / ".tmlogic.yaml").symlink_to(secret_file(tmp_path))
    monkeypatch.chdir(root)
    code, out, err = run("analyze", "threat_model.md")
    assert code == 2 and "config file" in err and "outside" in err
    assert SECRET not in out + err


def test_a_config_glob_does_not_walk_into_linked_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # two links to "." made glob.glob's ** walk 2^40 paths: a hang from three committed files
    root = project(tmp_path)
    (root / "a").symlink_to(".")
    (root / "b").symlink_to(".")
    (root / ".tmlogic.yaml").write_text("models:\n  - '**/*.md'\n", encoding="utf-8")
    monkeypatch.chdir(root)
    with deadline():
        code, out, err = run("analyze", "--format", "json")
    assert code == 0, err
    assert json.loads(out)["model"]["path"].endswith("threat_model.md")


def test_a_config_glob_past_the_model_file_limit_is_an_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path)
    for i in range(4):
        (root / f"m{i}.md").write_text(SMALL, encoding="utf-8")
    (root / ".tmlogic.yaml").write_text("models:\n  - '*.md'\n", encoding="utf-8")
    monkeypatch.chdir(root)
    code, _, err = run("--limit", "model_files=3", "analyze")
    assert code == 2 and "matches more than 3 files" in err and "--limit model_files=N" in err


def test_a_config_path_out_of_the_project_lists_no_outside_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path)
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "private-name.md").write_text(SMALL, encoding="utf-8")
    (root / ".tmlogic.yaml").write_text("models:\n  - ../outside/private-nam.md\n", encoding="utf-8")
    monkeypatch.chdir(root)
    code, _, err = run("analyze")
    assert code == 2 and "not found" in err and "private-name" not in err


def test_a_rule_help_file_linked_out_of_the_project_stays_out_of_sarif(tmp_path: Path,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    root = project(tmp_path)
    rules = root / "rules"
    rules.mkdir()
    (rules / "TM-HELP-001.dl").write_text(
        "/// id: TM-HELP-001\n/// title: Help test\n/// stride: Tampering\n/// severity: low\n"
        "/// message: '{E}' matched.\n/// mitigation: None.\nthreat(E) :- element(E, \"server\").\n", encoding="utf-8")
    (rules / "TM-HELP-001.md").symlink_to(secret_file(tmp_path))
    monkeypatch.chdir(root)
    code, out, err = run("analyze", "threat_model.md", "--no-builtin-rules", "-r", "rules", "--format", "sarif")
    assert code in (0, 1)
    assert SECRET not in out + err and "rule help file" in err
    (rule,) = [r for r in json.loads(out)["runs"][0]["tool"]["driver"]["rules"] if r["id"] == "TM-HELP-001"]
    assert rule["help"]["markdown"].startswith("## TM-HELP-001: Help test")  # the generated help instead


def test_a_planted_program_cache_is_neither_code_nor_trusted(tmp_path: Path) -> None:
    from tmlogic.logic.program import cache

    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    key = "0" * 64
    target = cache_dir / f"program-{key[:32]}.json"
    env = {"TMLOGIC_CACHE_DIR": str(cache_dir)}
    old = os.environ.get("TMLOGIC_CACHE_DIR")
    os.environ.update(env)
    try:
        # a pickle is not JSON: a miss, and nothing of it runs
        target.write_bytes(b"\x80\x04\x95cos\nsystem\n(S'touch pwned'\ntR.")
        assert cache.read_program(key) is None
        # JSON naming a class the AST does not have is a miss too
        target.write_text(json.dumps({"key": key}) + "\n" + json.dumps({"@": "Popen", "v": ["id"]}), encoding="utf-8")
        assert cache.read_program(key) is None
        # a FIFO planted as the cache file does not block
        target.unlink()
        os.mkfifo(target)
        with deadline():
            assert cache.read_program(key) is None
    finally:
        if old is None:
            os.environ.pop("TMLOGIC_CACHE_DIR")
        else:
            os.environ["TMLOGIC_CACHE_DIR"] = old
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()


def test_the_model_server_refuses_a_fifo_and_a_link_out_of_its_folder(tmp_path: Path) -> None:
    from tmlogic.serve.files import FileRefused, ServedFolder

    root = project(tmp_path)
    os.mkfifo(root / "pipe.md")
    (root / "leak.md").symlink_to(secret_file(tmp_path))
    folder = ServedFolder(root)
    with deadline():
        with pytest.raises(FileRefused) as fifo:
            folder.read("pipe.md")
    assert fifo.value.status == 400 and "not a regular file" in str(fifo.value)
    with pytest.raises(FileRefused) as leak:
        folder.read("leak.md")
    assert SECRET not in str(leak.value)
    assert folder.read("threat_model.md")[0] == SMALL


@pytest.mark.parametrize(("name", "text"), [
    ("input.json", '{"otmVersion": "0.2.0", "project": {"name": "x", "id": "x"}, "\u200bpackage": "p"}\n'),
    ("input.yaml", "services:\n  web\u2069:\n    image: nginx\n"),
])
def test_a_format_character_in_an_imported_file_is_bad_input_at_its_line(tmp_path: Path, name: str, text: str,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    # found by tests/fuzz_inputs.py: the importer copied U+200B into the model, which the model
    # language refuses, so the run ended as "the importer has a bug" (exit 3) instead of exit 2
    root = project(tmp_path)
    (root / name).write_text(text, encoding="utf-8")
    monkeypatch.chdir(root)
    code, _, err = run("import", "otm" if name.endswith(".json") else "compose", name, "-o", "model.md")
    assert code == 2, err
    assert f"{name}:" in err and "invisible format character U+" in err and "internal error" not in err
    assert not (root / "model.md").exists()
