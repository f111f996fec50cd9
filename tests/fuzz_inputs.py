"""A mutation fuzzer over every input a pull request controls besides the model (that one is
fuzz_anchors.py): risk files, rule packs, the files `tmlogic import` reads, and `.tmlogic.yaml`.

Each case mutates one seed input (real ones: the example model's seeded risk file, the built-in
rule files, the importer samples in tests/data/importers, the config `tmlogic init` writes) with
the same operators as the model fuzzer plus hostile text for its language, runs the command that
reads it in this process, and fails on an escaped exception, a traceback, an exit code outside
{0, 1, 2} or a hang (fuzz_anchors.run_case).

    python tests/fuzz_inputs.py --cases 2000 --seed 7        # every target in turn, a summary
    python tests/fuzz_inputs.py --cases 2000 --models 1000   # and 1,000 model cases as well
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
from pathlib import Path

from fuzz_anchors import HOSTILE, YAML_HOSTILE, Outcome, _alarm, _mutate, run_case, run_fuzz

from tmlogic.cli.testing import CliRunner

ROOT = Path(__file__).resolve().parents[1]
WEBSHOP = ROOT / "examples" / "webshop"
SAMPLES = ROOT / "tests" / "data" / "importers"
IMPORTS = {"compose": "compose", "kubernetes": "k8s", "otm": "otm", "terraform": "terraform",
           "threagile": "threagile", "threat-dragon": "threat-dragon"}
# Bounded limits, so a runaway rule costs a second, not a minute: hitting one is exit 2, as it should be.
LIMITS = ["--limit", "engine_seconds=2", "--limit", "derived_tuples=200000"]

DL_HOSTILE = [
    "threat(E) :- element(E, _), element(_, _), element(_, _), element(_, _).",
    ".decl hop(a: symbol, b: symbol)\nhop(A, B) :- element(A, _), element(B, _).\nhop(A, C) :- hop(A, B), hop(B, C).",
    'encrypted_protocol("HTTP").', 'trusted("internet").', ".decl element(a: symbol, b: symbol)",
    "threat(E) :- !element(E, _).", "threat(E) :- threat(E).", "p(X) :- !p(X).", "x(" * 300, "/// id: " + "A" * 5000,
    "threat(E) :- element(E, " + "9" * 5000 + ").", '"unterminated', "/// severity: catastrophic",
    "/// message: {" * 50, "threat(E) :- element(E, \"\u2028\").", ".decl threat(e: symbol)", "#script (python)",
    "/// capec: CAPEC-999999", "threat(X) :- X = X.", "threat(E) :- element(E, T), T < 3, T > \"a\".",
]
RISK_HOSTILE = [
    "  - rule: \"TM-*\"\n    status: accepted\n    justification: x", "    expires: 9999-99-99", "    expires: 0",
    "    status: \u2028accepted", "    justification: \"\\e[2J\\a\"", "    id: " + "T" * 5000, "risks: *nope",
    "  - &a {rule: TM-NET-001}\n  - *a", "    owner: !!python/object/apply:os.system [id]", "- " * 200,
]
CONFIG_HOSTILE = [
    "models:\n  - '**/*.md'", "models:\n  - /etc/passwd", "models:\n  - ../../../*", "engine: pydatalog",
    "packs:\n  - /proc/self", "packs:\n  - ../..", "fail_on: catastrophic", "severity:\n  TM-*: " + "9" * 5000,
    "models: &m [*m]", "rules:\n  disable: [\"\u2028\"]", "sarif: {" * 100,
]


def _seed_risks(tmp: Path, runner: CliRunner) -> str:
    """A real risk file: `risks seed` on a copy of the example model."""
    from tmlogic.cli import app

    folder = tmp / "seed-risks"
    shutil.copytree(WEBSHOP, folder)
    (folder / ".git").mkdir()
    runner.invoke(app, ["risks", "seed", str(folder / "threat_model.md")])
    text = (folder / "threat_model.risks.yaml").read_text(encoding="utf-8")
    return text + "\n".join(["  - rule: TM-NET-001", "    status: accepted", "    justification: fine",
                             "    expires: 2031-01-01", ""])


def _seed_config(tmp: Path, runner: CliRunner) -> str:
    from tmlogic.cli import app

    folder = tmp / "seed-config"
    shutil.copytree(WEBSHOP, folder)
    (folder / ".git").mkdir()
    here = Path.cwd()
    os.chdir(folder)
    try:
        runner.invoke(app, ["init"])
    finally:
        os.chdir(here)
    return (folder / ".tmlogic.yaml").read_text(encoding="utf-8")


def _insert(text: str, rng: random.Random, hostile: list[str], yaml_file: bool) -> str:
    mutated = _mutate(text, rng, yaml_file)
    if rng.random() < 0.5:
        lines = mutated.split("\n")
        lines.insert(rng.randrange(len(lines) + 1), rng.choice(hostile))
        mutated = "\n".join(lines)
    return mutated


def _project(tmp: Path, n: int) -> tuple[Path, Path]:
    case = tmp / f"case{n}"
    shutil.copytree(WEBSHOP, case)
    (case / ".git").mkdir()
    return case, case / "threat_model.md"


def run_inputs(count: int, seed: int, *, per_case_seconds: int = 60, verbose: bool = False,
               targets: tuple[str, ...] = ("risks", "pack", "import", "config")) -> tuple[Outcome, dict[str, int]]:
    outcome = Outcome()
    per_target: dict[str, int] = collections.Counter()
    started = time.monotonic()
    runner = CliRunner()
    rng = random.Random(seed)
    rule_files = sorted((ROOT / "rules").rglob("*.dl"))
    samples = sorted(p for p in SAMPLES.rglob("*") if p.suffix in (".json", ".yaml", ".yml")
                     and "schema" not in p.name and p.parent.name in IMPORTS)  # one-file formats only
    previous = signal.signal(signal.SIGALRM, _alarm)
    with tempfile.TemporaryDirectory(prefix="tmlogic-fuzz-inputs-") as tmp_name:
        tmp = Path(tmp_name)
        risk_seed = _seed_risks(tmp, runner)
        config_seed = _seed_config(tmp, runner)

        def risks(n: int, r: random.Random) -> tuple[Path, list[str], Path | None]:
            case, model = _project(tmp, n)
            (case / "threat_model.risks.yaml").write_text(_insert(risk_seed, r, RISK_HOSTILE, True), encoding="utf-8",
                                                         errors="surrogatepass")
            command = r.choice([["analyze", str(model), "--fail-on", "high"], ["risks", "check", str(model)],
                                ["validate", str(model)], ["analyze", str(model), "--format", "markdown"]])
            return case, command, None

        def pack(n: int, r: random.Random) -> tuple[Path, list[str], Path | None]:
            case, model = _project(tmp, n)
            folder = case / "pack"
            folder.mkdir()
            for source in r.sample(rule_files, r.randint(1, 3)):
                text = source.read_text(encoding="utf-8")
                (folder / source.name).write_text(_insert(text, r, DL_HOSTILE, False), encoding="utf-8",
                                                 errors="surrogatepass")
            command = r.choice([[*LIMITS, "analyze", str(model), "-r", str(folder)],
                                [*LIMITS, "analyze", str(model), "--no-builtin-rules", "-r", str(folder)],
                                ["rules", "lint", str(folder)], [*LIMITS, "rules", "test", str(folder)]])
            return case, command, None

        def imported(n: int, r: random.Random) -> tuple[Path, list[str], Path | None]:
            case = tmp / f"case{n}"
            case.mkdir()
            (case / ".git").mkdir()
            source = r.choice(samples)
            target = case / source.name
            text = source.read_text(encoding="utf-8")
            target.write_text(_insert(text, r, YAML_HOSTILE + HOSTILE, True), encoding="utf-8", errors="surrogatepass")
            fmt = IMPORTS[source.parent.name]
            return case, ["import", fmt, str(target), "-o", str(case / "model.md")], None

        def config(n: int, r: random.Random) -> tuple[Path, list[str], Path | None]:
            case, model = _project(tmp, n)
            (case / ".tmlogic.yaml").write_text(_insert(config_seed, r, CONFIG_HOSTILE, True), encoding="utf-8",
                                               errors="surrogatepass")
            if r.random() < 0.2:
                (case / "loop").symlink_to(".")
            command = r.choice([[*LIMITS, "analyze"], [*LIMITS, "analyze", str(model)], ["validate", str(model)]])
            return case, command, case

        makers = {"risks": risks, "pack": pack, "import": imported, "config": config}
        for n in range(count):
            name = targets[n % len(targets)]
            case, args, cwd = makers[name](n, random.Random(rng.getrandbits(64)))
            per_target[name] += 1
            label = f"case {n} (seed {seed}, {name}): {' '.join(args)}"
            run_case(runner, args, label, outcome, case, per_case_seconds=per_case_seconds,
                     keep_as=f"tmlogic-fuzz-inputs-failure-{seed}-{n}", cwd=cwd)
            shutil.rmtree(case, ignore_errors=True)
            if verbose and (n + 1) % 100 == 0:
                print(f"{n + 1} cases, {time.monotonic() - started:.0f} s", file=sys.stderr)
    signal.signal(signal.SIGALRM, previous)
    outcome.seconds = time.monotonic() - started
    return outcome, dict(per_target)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=2000, help="cases over risk files, packs, imports and config")
    parser.add_argument("--models", type=int, default=0, help="model cases as well (fuzz_anchors.py)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--per-case-seconds", type=int, default=60)
    args = parser.parse_args()
    outcome, per_target = run_inputs(args.cases, args.seed, per_case_seconds=args.per_case_seconds, verbose=True)
    failures = list(outcome.failures)
    print(f"inputs ({', '.join(f'{k}: {v}' for k, v in sorted(per_target.items()))}): {outcome.summary()}")
    if args.models:
        models = run_fuzz(args.models, args.seed, per_case_seconds=args.per_case_seconds, verbose=True)
        failures += models.failures
        print(f"models: {models.summary()}")
    for failure in failures:
        print(failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
