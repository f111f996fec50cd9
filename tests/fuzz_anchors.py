"""A mutation fuzzer over real models: the SecOpsTM anchors beside the checkout and the examples.

Each case copies one model's folder, mutates the model (bytes flipped, lines deleted, duplicated
or swapped, hostile text inserted: control characters, separators, deep nesting, huge numbers,
YAML aliases, paths out of the project, links to /proc and /dev), then runs `tmlogic analyze`
(or `validate`, `facts`, `diagram`) in this process. A case fails when an exception escapes the
command, the exit code is outside {0, 1, 2}, or it runs past the per-case alarm (a hang).

    python tests/fuzz_anchors.py --cases 5000 --seed 7       # a long local run, with a summary
    tests/test_fuzz.py                                        # CI: a fixed seed, a bounded count
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tmlogic.cli.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
ANCHORS = ROOT.parent / "shared" / "anchors" / "secopstm"

HOSTILE = [
    "\x1b[31mred\x1b[0m", "\x07", "\x00", "\u2028", "\u2029", "\x85", "\u202e", "\u200b", "\ufeff", "\r",
    "- **Evil\u2028x**: boundary=Internet", "- **A**: submodel=../../../../etc/passwd",
    "- **B**: submodel=/proc/self/environ", "- **C**: submodel=.", "- **D**: submodel=sub.md",
    "  " * 120 + "- **Deep**: isTrusted=True", " " * 9 + "- **Nested**:", "- **N**: port=" + "9" * 5000,
    "- **M**: 1e999", "- **F**: from=\"A\", to=\"A\", protocol=\"HTTP\"", "## Boundaries", "## Dataflows",
    "## Severity Multipliers", "## Custom Mitre Mapping", "- **X**: {" * 50, "[" * 400, "\"unterminated",
    "x=" + "[" * 300 + "]" * 300, "- **Y**: tags=&a [*a]", "a: &a [*a, *a]", "<script>alert(1)</script>",
    "@octocat #1 GH-2", "::error::forged", "- **Z**: accepts={\"TM-NET-001\": \"\"}", "- " * 100,
    "# Threat Model: " + "T" * 10000, "key=value, " * 500, "\t\t- **Tab**:", "***", "---", "```",
]

YAML_HOSTILE = [
    "bomb: &b0 [x, x, x, x, x, x, x, x]\n" + "".join(
        f"b{i}: &b{i} [{', '.join([f'*b{i - 1}'] * 8)}]\n" for i in range(1, 8)),
    "rec: &r [*r]", "{" * 300 + "}" * 300, "servers: !!python/object:os.system x", "servers: *nope",
    "port: " + "9" * 5000, "- name: \u2028", "servers:\n  - name: A\n    submodel: /dev/zero",
]

COMMANDS = [("analyze",), ("analyze", "--format", "json"), ("analyze", "--format", "markdown"),
            ("analyze", "--format", "sarif"), ("validate",), ("facts",), ("diagram", "--no-threats")]


@dataclass
class Outcome:
    codes: collections.Counter[int] = field(default_factory=collections.Counter)
    failures: list[str] = field(default_factory=list)
    hangs: int = 0
    tracebacks: int = 0
    cases: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        codes = ", ".join(f"exit {c}: {n}" for c, n in sorted(self.codes.items()))
        return (f"{self.cases} cases in {self.seconds:.0f} s: {codes}; tracebacks: {self.tracebacks}, "
                f"hangs: {self.hangs}, other failures: {len(self.failures) - self.tracebacks - self.hangs}")


def seeds() -> list[Path]:
    """The model files to mutate (each with its folder): anchors if present, and the examples."""
    found = sorted(p for p in ANCHORS.rglob("*") if p.suffix in (".md", ".yml", ".yaml")) if ANCHORS.is_dir() else []
    found = [p for p in found if p.name != "SOURCE.txt"]
    return found + sorted((ROOT / "examples").rglob("*.md"))


class _Hang(Exception):
    pass


def _alarm(signum: int, frame: object) -> None:
    raise _Hang


def _mutate(text: str, rng: random.Random, yaml_file: bool) -> str:
    lines = text.split("\n")
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(7)
        i = rng.randrange(len(lines)) if lines else 0
        if op == 0 and lines:
            del lines[i:i + rng.randint(1, 5)]
        elif op == 1 and lines:
            lines.insert(i, lines[rng.randrange(len(lines))])
        elif op == 2 and len(lines) > 1:
            j = rng.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == 3:
            lines.insert(i, rng.choice(YAML_HOSTILE if yaml_file and rng.random() < 0.6 else HOSTILE))
        elif op == 4 and lines:
            line = lines[i]
            k = rng.randrange(len(line) + 1)
            lines[i] = line[:k] + rng.choice(HOSTILE) + line[k:]
        elif op == 5 and lines:
            line = lines[i]
            k = rng.randrange(len(line) + 1)
            lines[i] = line[:k] + chr(rng.choice([rng.randrange(0x20), rng.randrange(0x80, 0xA0),
                                                  rng.randrange(0x2000, 0x2070), rng.randrange(0x20, 0x7F)])) + line[k + 1:]
        elif lines:
            lines[i] = lines[i].replace("=", rng.choice(["==", "=\"", "=[", "={", "=\x1b"]), 1)
    return "\n".join(lines)


def _plant_links(folder: Path, model: Path, rng: random.Random) -> None:
    """Links a pull request could commit: a risk file to /proc, a submodel loop, a link to /dev/zero."""
    choice = rng.randrange(6)
    risks = model.with_name(model.stem + ".risks.yaml")
    if choice == 0:
        risks.unlink(missing_ok=True)
        risks.symlink_to("/proc/self/environ")
    elif choice == 1:
        (folder / "sub.md").symlink_to(folder / "sub2.md")
        (folder / "sub2.md").symlink_to(folder / "sub.md")
    elif choice == 2:
        (folder / "sub.md").symlink_to("/dev/zero")
    elif choice == 3:
        risks.write_text("risks:\n  - rule: \"TM-*\"\n    status: accepted\n    justification: \"\\e[2J owned\"\n",
                         encoding="utf-8")


def cases(count: int, seed: int) -> Iterator[tuple[Path, bool, random.Random]]:
    rng = random.Random(seed)
    pool = seeds()
    for n in range(count):
        yield pool[n % len(pool)], rng.random() < 0.3, random.Random(rng.getrandbits(64))


def run_case(runner: CliRunner, args: list[str], label: str, outcome: Outcome, case: Path, *,
             per_case_seconds: int, keep_as: str, cwd: Path | None = None) -> None:
    """One command in this process, judged: an escaped exception, a traceback, an exit code
    outside {0, 1, 2} or no answer within the alarm is a failure (its folder is kept)."""
    from tmlogic.cli import app

    here = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    signal.alarm(per_case_seconds)
    try:
        result = runner.invoke(app, args, catch_exceptions=True)
        signal.alarm(0)
    except _Hang:
        outcome.hangs += 1
        outcome.failures.append(f"{label}: no answer within {per_case_seconds} s")
        _keep(case, keep_as)
        return
    finally:
        signal.alarm(0)
        os.chdir(here)
    outcome.cases += 1
    code = result.exit_code
    outcome.codes[code] += 1
    escaped = result.exception is not None and not isinstance(result.exception, SystemExit)
    if escaped or "Traceback" in (result.stderr or "") or code not in (0, 1, 2):
        outcome.tracebacks += escaped or "Traceback" in (result.stderr or "")
        detail = repr(result.exception) if escaped else (result.stderr or "").strip().splitlines()[-1:]
        outcome.failures.append(f"{label}: exit {code}: {detail}")
        _keep(case, keep_as)


def _keep(case: Path, name: str) -> None:
    keep = Path(tempfile.gettempdir()) / name
    shutil.rmtree(keep, ignore_errors=True)
    shutil.copytree(case, keep, symlinks=True)


def run_fuzz(count: int, seed: int, *, per_case_seconds: int = 60, verbose: bool = False) -> Outcome:
    outcome = Outcome()
    started = time.monotonic()
    runner = CliRunner()
    previous = signal.signal(signal.SIGALRM, _alarm)
    with tempfile.TemporaryDirectory(prefix="tmlogic-fuzz-") as tmp:
        for n, (source, links, rng) in enumerate(cases(count, seed)):
            case = Path(tmp) / f"case{n}"
            shutil.copytree(source.parent, case, symlinks=True)
            (case / ".git").mkdir(exist_ok=True)  # the case folder is the project root
            model = case / source.name
            text = source.read_text(encoding="utf-8", errors="replace")
            model.write_text(_mutate(text, rng, source.suffix != ".md"), encoding="utf-8", errors="surrogatepass")
            if links:
                _plant_links(case, model, rng)
            command = rng.choice(COMMANDS)
            args = [command[0], str(model), *command[1:]]
            label = f"case {n} (seed {seed}): {source.name} {' '.join(command)}"
            run_case(runner, args, label, outcome, case, per_case_seconds=per_case_seconds,
                     keep_as=f"tmlogic-fuzz-failure-{seed}-{n}")
            shutil.rmtree(case, ignore_errors=True)
            if verbose and (n + 1) % 100 == 0:
                print(f"{n + 1} cases, {time.monotonic() - started:.0f} s", file=sys.stderr)
    signal.signal(signal.SIGALRM, previous)
    outcome.seconds = time.monotonic() - started
    return outcome


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--per-case-seconds", type=int, default=60)
    args = parser.parse_args()
    outcome = run_fuzz(args.cases, args.seed, per_case_seconds=args.per_case_seconds, verbose=True)
    for failure in outcome.failures:
        print(failure)
    print(outcome.summary())
    return 1 if outcome.failures else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
