"""Differential testing of the engines: random stratified programs, every engine, same answers.

    python -m tmlogic.logic.engines.fuzz [--seed 1] [--count 200] [--engines native,clingo,pydatalog]

Each program has a few input relations (some left without facts), derived relations in layers
with recursion inside a layer, negation of lower layers and of inputs (with `_` as well as named
variables), comparisons, constants and repeated variables. Every derived relation and every
firing relation is compared across engines; clingo is asked to materialise its firing relations
too, so none of its answers come from another engine. The test suite runs it with a fixed seed
and a bounded count (tests/test_engine_fuzz.py).
"""

from __future__ import annotations

import argparse
import random
import signal
import sys
import time
from dataclasses import dataclass

from ..._errors import SourceSpan
from ..language.ast import Program
from ..language.checks import check_modules
from ..language.parser import parse_module
from ..program.compile import compile_program
from ..program.facts import FactBase, InputFact
from .base import Backend, Row, get_backend

__all__ = ["Case", "random_case", "answers", "compare", "main"]

CONSTANTS = ("a", "b", "c", "d", "e")


@dataclass(frozen=True)
class Case:
    """One random program (rule-language text) and its input facts."""

    seed: int
    text: str
    facts: dict[str, list[Row]]


def _atom(rng: random.Random, predicate: str, arity: int, variables: list[str], fresh: bool) -> str:
    args: list[str] = []
    for _ in range(arity):
        roll = rng.random()
        if roll < 0.12:
            args.append(f'"{rng.choice(CONSTANTS)}"')
        elif fresh and roll < 0.45:
            name = f"V{len(variables)}"
            variables.append(name)
            args.append(name)
        else:
            if not variables:
                variables.append("V0")
            args.append(rng.choice(variables))
    return f"{predicate}({', '.join(args)})"


def random_case(seed: int) -> Case:
    rng = random.Random(seed)
    arity = {f"e{i}": rng.randint(1, 2) for i in range(rng.randint(2, 4))}
    facts: dict[str, list[Row]] = {}
    for name, n in arity.items():
        if rng.random() < 0.12:
            continue  # an input relation with no facts at all
        rows = {tuple(rng.choice(CONSTANTS) for _ in range(n)) for _ in range(rng.randint(3, 15))}
        facts[name] = sorted(rows)
    layers = [[f"p{layer}{j}" for j in range(rng.randint(1, 2))] for layer in range(rng.randint(1, 4))]
    for layer in layers:
        for name in layer:
            arity[name] = rng.randint(1, 2)
    lines = [f".decl {p}({', '.join(f'x{i}: symbol' for i in range(n))})" for p, n in arity.items()]
    inputs = [p for p in arity if p.startswith("e")]
    for depth, layer in enumerate(layers):
        lower = inputs + [p for below in layers[:depth] for p in below]
        same = lower + layer  # positive atoms may recurse within the layer
        for head in layer:
            for _ in range(rng.randint(1, 3)):
                variables: list[str] = []
                body = [_atom(rng, p, arity[p], variables, True)
                        for p in (rng.choice(same if rng.random() < 0.5 else lower) for _ in range(rng.randint(1, 3)))]
                if rng.random() < 0.5:
                    negated = rng.choice(lower)
                    atom = _atom(rng, negated, arity[negated], variables, False)
                    if rng.random() < 0.3:  # "any value" in a negation
                        inner = atom[atom.index("(") + 1:-1].split(", ")
                        inner[rng.randrange(len(inner))] = "_"
                        atom = f"{negated}({', '.join(inner)})"
                    body.append("!" + atom)
                if rng.random() < 0.3 and variables:
                    left = rng.choice(variables)
                    right = rng.choice(variables + [f'"{c}"' for c in CONSTANTS])
                    body.append(f"{left} {rng.choice(['=', '!=', '<', '<=', '>', '>='])} {right}")
                head_args = ", ".join(rng.choice(variables) if variables else '"a"' for _ in range(arity[head]))
                lines.append(f"{head}({head_args}) :- {', '.join(body)}.")
    return Case(seed, "\n".join(lines) + "\n", facts)


def _program(case: Case) -> Program | None:
    """The checked program, or None if the checker rejects it (an unsafe variable, say)."""
    from ..._errors import RuleError

    try:
        program, _ = check_modules([parse_module(case.text, f"fuzz-{case.seed}.dl")])
    except RuleError:
        return None
    return program


def _backend(engine: str) -> Backend:
    if engine == "clingo":
        from .clingo import ClingoBackend

        return ClingoBackend(all_firings=True)
    return get_backend(engine)


def answers(case: Case, engine: str) -> dict[str, list[Row]] | None:
    """Every derived and firing relation of the case under `engine`, or None if the case is not a valid program."""
    program = _program(case)
    if program is None:
        return None
    compiled = compile_program(program)
    span = SourceSpan("fuzz", 1)
    facts = FactBase(InputFact(p, row, span) for p, rows in case.facts.items() for row in rows)
    session = _backend(engine).load(compiled, facts)
    return {c.head.predicate: session.query(c.head.predicate, (None,) * c.head.arity) for c in compiled.clauses}


def compare(case: Case, engines: list[str]) -> list[str]:
    """Relations on which the engines disagree, as messages (empty: they agree)."""
    results = {e: answers(case, e) for e in engines}
    reference = results[engines[0]]
    if reference is None:
        return []
    problems: list[str] = []
    for engine in engines[1:]:
        other = results[engine]
        assert other is not None
        for predicate in sorted(reference):
            if reference[predicate] != other[predicate]:
                problems.append(f"seed {case.seed}: {predicate} differs between {engines[0]} and {engine}: "
                                f"{reference[predicate]} != {other[predicate]}")
    return problems


class _Hang(Exception):
    pass


def _on_alarm(signum: int, frame: object) -> None:
    raise _Hang


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=200)
    parser.add_argument("--engines", default="native,clingo,pydatalog")
    parser.add_argument("--timeout", type=int, default=10, help="seconds per program before it counts as a hang")
    opts = parser.parse_args(argv)
    engines = opts.engines.split(",")
    signal.signal(signal.SIGALRM, _on_alarm)
    checked = failed = 0
    slowest = (0.0, -1)
    for seed in range(opts.seed, opts.seed + opts.count):
        case = random_case(seed)
        if _program(case) is None:
            continue
        checked += 1
        start = time.perf_counter()
        signal.alarm(opts.timeout)
        try:
            problems = compare(case, engines)
        except _Hang:
            problems = [f"seed {case.seed}: no answer within {opts.timeout} s"]
        finally:
            signal.alarm(0)
        slowest = max(slowest, (time.perf_counter() - start, seed))
        if problems:
            failed += 1
            print("\n".join(problems), "\n" + case.text, case.facts, sep="\n")
    print(f"{checked} valid programs of {opts.count}, {failed} with disagreements; "
          f"slowest seed {slowest[1]} ({slowest[0]:.2f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
