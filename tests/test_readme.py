"""The README's sample output is what the tool prints: each block marked
`<!-- sample: tmlogic ARGS | head -N -->` is compared with a fresh run."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest

from tmlogic.cli import app
from tmlogic.cli.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
_SAMPLE = re.compile(r"<!-- sample: tmlogic (?P<args>[^|>]+?)(?: \| head -(?P<n>\d+))? -->\n```\n(?P<text>.*?)```", re.S)


def _samples() -> list[tuple[str, int | None, str]]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return [(m["args"], int(m["n"]) if m["n"] else None, m["text"]) for m in _SAMPLE.finditer(text)]


def test_the_readme_has_samples() -> None:
    assert _samples()


@pytest.mark.parametrize("args, lines, expected", _samples(), ids=[s[0] for s in _samples()])
def test_a_readme_sample_is_what_the_tool_prints(args: str, lines: int | None, expected: str,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    result = CliRunner().invoke(app, shlex.split(args) + ["--no-config"], prog_name="tmlogic")
    out = result.stdout
    if lines is not None:
        out = "".join(out.splitlines(keepends=True)[:lines])
    assert out == expected, f"README.md's sample of `tmlogic {args}` is out of date; it should read:\n{out}"
