"""Start-up of the command line: the root help names every command without importing any, and a
command imports its own module only."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tmlogic.cli import COMMANDS, _root, app, load_command
from tmlogic.cli.params import Annotated, Group, Option
from tmlogic.cli.spec import Command, command_of, first_sentence
from tmlogic.cli.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]


def _run_probe(args: list[str], cwd: Path, report: str, setup: str = "") -> subprocess.CompletedProcess[str]:
    """`tmlogic ARGS` run in a fresh process after `setup`; its stderr ends with a line of the words of
    `report` (a Python expression for an iterable of strings) evaluated after the run.

    The process has its own cache folder under `cwd`, warmed by running the command once before:
    what a run imports is that of a warm run (a cold one also parses the rules), whatever the
    user's cache holds and whichever test ran before."""
    probe = ("import sys\n" + setup +
             f"sys.argv = ['tmlogic', *{args!r}]\n"
             "from tmlogic.cli import main\n"
             "try:\n    main()\nexcept SystemExit:\n    pass\n"
             f"sys.stderr.write('\\n' + ' '.join({report}))\n")
    env = {**os.environ, "TMLOGIC_CACHE_DIR": str(cwd / "probe-cache")}
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", probe], cwd=cwd, capture_output=True, text=True, timeout=120,
                              check=False, env=env)
    return done


def _reported(done: subprocess.CompletedProcess[str]) -> list[str]:
    return done.stderr.strip().splitlines()[-1].split()


def _loaded_after(args: list[str], cwd: Path) -> tuple[list[str], str]:
    """The tmlogic, yaml and mistune modules a fresh process has imported after running `tmlogic ARGS`, and its stdout."""
    done = _run_probe(args, cwd, "sorted(m for m in sys.modules if m.startswith(('tmlogic', 'yaml', 'mistune')))")
    return _reported(done), done.stdout


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_the_listed_short_help_is_the_first_sentence_of_the_commands_own_help(name: str) -> None:
    command = load_command(name)
    assert command.help, f"{name} has no help"
    assert COMMANDS[name].short_help == first_sentence(command.help)


def test_the_root_help_lists_every_command_and_imports_none(tmp_path: Path) -> None:
    loaded, out = _loaded_after(["--help"], tmp_path)
    listing = out.split("Commands:")[1]
    listed = [line.split()[0] for line in listing.splitlines() if line.startswith("  ") and line[2] != " "]
    assert listed == list(COMMANDS)  # wrapped lines (a narrow terminal) are indented further
    assert " ".join(listing.split()) == " ".join(f"{n} {e.short_help}" for n, e in COMMANDS.items())
    commands = {f"tmlogic.cli.{e.module}" for e in COMMANDS.values()}
    assert not commands & set(loaded), loaded
    assert "tmlogic.analysis" not in loaded and "tmlogic.logic.language.parser" not in loaded


def test_the_command_line_imports_no_cli_framework_nor_argparse(tmp_path: Path) -> None:
    # parse.py reads a command's words itself: argparse (with gettext, locale and shutil) was
    # about 20 M instructions of a JSON analysis
    frameworks = "['imported:', *(m for m in ('typer', 'click', 'argparse', 'inspect') if m in sys.modules)]"
    help_page = _run_probe(["--help"], tmp_path, frameworks)
    assert "Commands:" in help_page.stdout and _reported(help_page) == ["imported:"]
    done = _run_probe(["kb", "info", "--json"], tmp_path, frameworks)  # a command with an option
    assert "capec" in done.stdout.lower() and _reported(done) == ["imported:"], done.stderr
    done = _run_probe(["analyze", str(ROOT / "examples" / "webshop" / "threat_model.md"), "-qf", "json"], tmp_path,
                      frameworks)
    assert '"threats"' in done.stdout and _reported(done) == ["imported:"], done.stderr


def test_a_markdown_model_without_config_or_risk_file_is_analyzed_without_the_yaml_parser(tmp_path: Path) -> None:
    model = tmp_path / "threat_model.md"
    model.write_text((ROOT / "tests" / "data" / "anchors" / "secopstm" / "threat_model.md").read_text())
    loaded, _ = _loaded_after(["analyze", str(model), "--format", "json", "-o", str(tmp_path / "out.json")], tmp_path)
    assert json.loads((tmp_path / "out.json").read_text())["threats"]
    assert not [m for m in loaded if m == "yaml" or m.startswith("yaml.")], loaded
    assert "tmlogic.config.loader" not in loaded and "tmlogic.tracking.risks.parse" not in loaded
    # Its Markdown is plain: the reader's own block scanner reads it, markdown-it is not imported.
    assert "tmlogic.model.markdown_blocks" in loaded
    assert not [m for m in loaded if m == "markdown_it" or m.startswith("markdown_it.")], loaded
    # Every key of it is known: the typo finder for unknown keys is not imported.
    assert "tmlogic.model.build.typos" not in loaded
    # With a risk file and a .tmlogic.yaml there is YAML to read, and both are read.
    (tmp_path / "threat_model.risks.yaml").write_text("version: 1\nrisks: []\n")
    (tmp_path / ".tmlogic.yaml").write_text("fail_on: none\n")
    loaded, _ = _loaded_after(["analyze", str(model), "--format", "json", "-o", str(tmp_path / "out.json")], tmp_path)
    assert {"yaml", "tmlogic.config.loader", "tmlogic.tracking.risks.parse"} <= set(loaded)
    assert json.loads((tmp_path / "out.json").read_text())["tracking"]["risk_file"] == "threat_model.risks.yaml"


def test_every_output_of_a_model_without_config_or_risk_file_imports_neither_yaml_nor_mistune(tmp_path: Path) -> None:
    # the text report on stdout (its tracking summary) and the HTML report of a model whose
    # description is one plain line need neither; both are loaded only when a run has a use for them
    model = tmp_path / "threat_model.md"
    model.write_text((ROOT / "tests" / "data" / "anchors" / "secopstm" / "threat_model.md").read_text())
    loaded, out = _loaded_after(["analyze", str(model), "--output-dir", str(tmp_path / "out")], tmp_path)
    assert "HIGH" in out and (tmp_path / "out" / "report.html").is_file()
    assert not [m for m in loaded if m == "yaml" or m.startswith("yaml.")], loaded
    assert "tmlogic.tracking.risks.write" not in loaded
    assert not [m for m in loaded if m == "mistune" or m.startswith("mistune.")], loaded


def test_the_text_output_and_every_output_need_no_yaml_parser_when_nothing_fails(tmp_path: Path) -> None:
    # the text output's tracking summary reads no risk-file writer (which imports PyYAML); only a
    # failing gate's message, which prints the line that accepts each threat, does
    model = tmp_path / "threat_model.md"
    model.write_text((ROOT / "tests" / "data" / "anchors" / "secopstm" / "threat_model.md").read_text())
    for args in (["analyze", str(model)], ["analyze", str(model), "--output-dir", str(tmp_path / "out")]):
        loaded, out = _loaded_after(args, tmp_path)
        assert "threats" in out, out  # the text report, also printed with --output-dir
        assert not [m for m in loaded if m == "yaml" or m.startswith("yaml.")], (args, loaded)
        assert "tmlogic.tracking.risks.write" not in loaded, (args, loaded)
    loaded, _ = _loaded_after(["analyze", str(model), "--fail-on", "high"], tmp_path)
    assert "tmlogic.tracking.risks.write" in loaded  # the failures name the risk-file line that accepts them


def test_the_command_process_ends_without_a_last_collection_over_its_objects(tmp_path: Path) -> None:
    probe = ("import atexit, gc, sys\n"
             "atexit.register(lambda: sys.stderr.write(f'\\nfrozen {gc.get_freeze_count()}'))\n"
             "sys.argv = ['tmlogic', 'kb', 'info']\n"
             "from tmlogic.cli import main\n"
             "main()\n")
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr
    frozen = int(done.stderr.strip().splitlines()[-1].split()[1])
    assert frozen > 10_000  # the modules and everything else alive at the end: not walked at shutdown


def test_a_command_imports_its_own_module_and_no_other_command(tmp_path: Path) -> None:
    loaded, out = _loaded_after(["rules", "--help"], tmp_path)
    assert "lint" in out
    commands = {f"tmlogic.cli.{e.module}" for e in COMMANDS.values()}
    assert sorted(commands & set(loaded)) == ["tmlogic.cli.rules"]


def test_commands_run_through_the_lazy_group() -> None:
    runner = CliRunner()
    done = runner.invoke(app, ["kb", "info"])
    assert done.exit_code == 0, done.output
    assert "CAPEC" in done.output
    wrong = runner.invoke(app, ["analyz"])
    assert wrong.exit_code == 2
    assert wrong.stderr.count("Did you mean 'analyze'?") == 1 and wrong.stdout == ""


def test_a_built_command_keeps_its_options_and_settings() -> None:
    command = load_command("import")
    assert isinstance(command, Command)
    assert command.own_options is True
    assert "Formats:" in (command.help or "")  # the help the registry computes, not only the short help
    analyze = load_command("analyze")
    assert isinstance(analyze, Command)
    assert {p.name for p in analyze.params} >= {"models", "output_format", "output_dir", "fail_on"}


def _analyze_secopstm(tmp_path: Path, report: str, setup: str = "") -> list[str]:
    """What `report` says after a JSON analysis of the SecOpsTM anchor (a DMZ-like model)."""
    args = ["analyze", str(ROOT / "tests/data/anchors/secopstm/threat_model.md"), "-f", "json", "-o",
            str(tmp_path / "out.json")]
    done = _run_probe(args, tmp_path, report, setup)
    assert json.loads((tmp_path / "out.json").read_text())["threats"], done.stderr
    return _reported(done)


def test_an_analysis_creates_no_dataclass(tmp_path: Path) -> None:
    # Every class on the path is a record (docs/engines.md, "Records instead of dataclasses"): a
    # dataclass `exec`s its generated methods when its module is imported.
    setup = ("import dataclasses\n"
             "made = []\n"
             "process = dataclasses._process_class\n"
             "def counted(cls, *args):\n"
             "    made.append(f'{cls.__module__}.{cls.__qualname__}')\n"
             "    return process(cls, *args)\n"
             "dataclasses._process_class = counted\n")
    assert _analyze_secopstm(tmp_path, "['made:', *(m for m in made if m.startswith('tmlogic.'))]", setup) == ["made:"]


def test_an_analysis_imports_neither_dataclasses_nor_inspect(tmp_path: Path) -> None:
    # dataclasses imports inspect, some 40 M instructions of a JSON run; records need neither
    report = "['imported:', *(m for m in ('dataclasses', 'inspect') if m in sys.modules)]"
    assert _analyze_secopstm(tmp_path, report) == ["imported:"]


def test_an_analysis_imports_no_typing(tmp_path: Path) -> None:
    # typing (with its module-level classes) was some 10 M instructions of a JSON run: tmlogic's
    # modules take its names from tmlogic/typing_runtime.py, typing's own to type checkers only
    report = "['imported:', *(m for m in ('typing', 'typing_extensions') if m in sys.modules)]"
    assert _analyze_secopstm(tmp_path, report) == ["imported:"]


def test_an_analysis_without_risk_file_imports_no_argparse_traceback_datetime_nor_threading(tmp_path: Path) -> None:
    # argparse (with gettext, locale, shutil), traceback (linecache, tokenize) and datetime were
    # some 40 M instructions of a JSON run: the command line reads its words itself, a traceback
    # is printed only with --debug, and today's date is looked up only for a risk entry's expiry;
    # threading (some 6.5 M) for a lock, which _thread has
    report = ("['imported:', *(m for m in ('argparse', 'traceback', 'datetime', 'shutil', 'threading') "
              "if m in sys.modules)]")
    assert _analyze_secopstm(tmp_path, report) == ["imported:"]


def _functions() -> Iterator[Callable[..., Any]]:
    """The functions the command line reads parameters from: the root's, every command's."""
    yield _root
    for name in COMMANDS:
        target = load_command(name)
        if isinstance(target, Group):
            yield from target.commands.values()
        else:
            yield target.function


def test_the_commands_annotations_are_objects_that_need_no_evaluation() -> None:
    # The command layer reads each command's parameters from its annotations when the command
    # runs; as text (`from __future__ import annotations`) every one would have to be compiled
    # and evaluated first.
    functions = list(_functions())
    assert len(functions) > len(COMMANDS)
    for function in functions:
        text = {name: hint for name, hint in function.__annotations__.items() if isinstance(hint, str)}
        assert not text, (function.__module__, function.__qualname__, text)
        # and the command layer's own Annotated (params.py), not typing's, which costs some 140 k
        # instructions an annotation to make
        foreign = {name: hint for name, hint in function.__annotations__.items()
                   if name != "return" and type(hint) is not Annotated}
        assert not foreign, (function.__module__, function.__qualname__, foreign)


def test_an_annotation_reads_the_same_with_typings_annotated() -> None:
    import typing

    read = []
    for annotated in (Annotated, typing.Annotated):
        def command(fmt: object = None) -> None:
            pass

        # set as objects: this file's annotations are text (from __future__ import annotations)
        command.__annotations__ = {"fmt": annotated[list[str] | None, Option("--format", "-f", help="Formats.")],
                                   "return": None}
        read.append(command_of("x", command).params[0])
    assert [(p.name, p.base, p.many, p.optional, p.default, p.flags) for p in read] == [
        ("fmt", str, True, True, None, ("--format", "-f"))] * 2


def _console_probe(args: list[str], cwd: Path, entry: str = "console") -> subprocess.CompletedProcess[str]:
    """`tmlogic ARGS` through `entry` in a fresh process with an atexit function, and a report of
    the interpreter's shutdown (whose first step, with threading imported, is threading's own)."""
    probe = ("import atexit, os, sys, threading\n"
             "down = threading._shutdown\n"
             "def shutdown():\n"
             "    os.write(2, b'\\ntorn down')\n"
             "    down()\n"
             "threading._shutdown = shutdown\n"
             "atexit.register(lambda: sys.stderr.write('\\natexit ran'))\n"
             f"sys.argv = ['tmlogic', *{args!r}]\n"
             f"from tmlogic.cli import {entry}\n"
             f"{entry}()\n")
    env = {**os.environ, "TMLOGIC_CACHE_DIR": str(cwd / "probe-cache")}
    return subprocess.run([sys.executable, "-c", probe], cwd=cwd, capture_output=True, text=True, timeout=120,
                          check=False, env=env)


def test_the_console_script_ends_its_process_without_the_shutdown_after_atexit_and_flushing(tmp_path: Path) -> None:
    model = str(ROOT / "tests" / "data" / "anchors" / "secopstm" / "threat_model.md")
    done = _console_probe(["analyze", model, "-f", "json"], tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["threats"]  # the whole document, flushed to the pipe
    assert done.stderr.split() == ["atexit", "ran"], done.stderr
    # the exit codes stay: 1 for the gate, 2 for bad input (with its message)
    gate = _console_probe(["analyze", model, "-q", "--fail-on", "low"], tmp_path)
    assert gate.returncode == 1 and "torn down" not in gate.stderr, gate.stderr
    (tmp_path / "bad.md").write_text("# Threat Model: bad\n## Dataflows\n- **F**: from=\"Nobody\", to=\"None\"\n")
    bad = _console_probe(["analyze", str(tmp_path / "bad.md")], tmp_path)
    assert bad.returncode == 2 and "error" in bad.stderr and "torn down" not in bad.stderr, bad.stderr
    # main(), which host programs and tests call, still ends through SystemExit and the shutdown
    hosted = _console_probe(["analyze", model, "-f", "json"], tmp_path, entry="main")
    assert hosted.returncode == 0 and json.loads(hosted.stdout)["threats"]
    assert hosted.stderr.split() == ["torn", "down", "atexit", "ran"], hosted.stderr
