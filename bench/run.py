"""Benchmark tmlogic on deterministic synthetic models, the example models and SecOpsTM's DMZ model.

    python bench/run.py [--sizes 500,2000,5000,20000] [--repeat 3] [--paths]
                        [--compare before=/path/to/other/venv/bin/tmlogic] [--secopstm /path/to/secopstm]

Every whole-process run is timed as the median of `--repeat` runs (`--repeat-large` for models
of 5,000 elements and more), with the child's peak resident memory from `wait4`. The machine is
noisy and shared, so every time is also shown as a ratio against a baseline measured in the same
run: a fixed pure-Python workload (`x base`). Each install runs with a program cache folder of its
own (TMLOGIC_CACHE_DIR), and every timed command runs once untimed first, so the times are those of
a warm cache. `--compare NAME=TMLOGIC` times a second install
(say, the previous commit in its own venv) on the same inputs, interleaved with this one, so a
before/after table comes out of one run. The report is printed and written to
bench/out/report.md; the load average before and after is part of it. `--paths` adds the
attack-path stage alone, in process, on the DMZ model and each synthetic model, also as a ratio
(CPU time) to the in-process analysis of the same model.
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

PROTOCOLS = ["HTTPS", "HTTP", "SQL", "gRPC", "SSH", "LDAPS", "AMQP", "MQTT", "FTP", "TLS"]
CLASSES = ["PUBLIC", "RESTRICTED", "SENSITIVE", "SECRET", "TOP_SECRET"]
TYPES = ["web-server", "app-server", "database", "load-balancer", "firewall", "cache", "api-gateway"]
LARGE = 5000


def synthetic_model(elements: int, seed: int = 7) -> str:
    """A layered architecture: internet actors, DMZ, app and data zones, about 2 flows per element."""
    rng = random.Random(seed)
    lines = [f"# Threat Model: Synthetic {elements}", "", "## Boundaries",
             "- **Internet**: isTrusted=False", "- **Partners**: isTrusted=False", "- **DMZ**: isTrusted=False",
             "- **Corp**: isTrusted=True", "  - **App Zone**: isTrusted=True", "  - **Data Zone**: isTrusted=True"]
    actors = max(2, elements // 10)
    servers = elements - actors
    lines += ["", "## Actors"]
    names: list[str] = []
    for i in range(actors):
        zone = rng.choice(["Internet", "Partners", "Corp"])
        names.append(f"Actor {i}")
        lines.append(f"- **Actor {i}**: boundary=\"{zone}\"")
    lines += ["", "## Servers"]
    for i in range(servers):
        zone = rng.choice(["DMZ", "App Zone", "Data Zone", "Corp"])
        names.append(f"Server {i}")
        lines.append(f"- **Server {i}**: boundary=\"{zone}\", type=\"{rng.choice(TYPES)}\"")
    data = max(3, elements // 20)
    lines += ["", "## Data"]
    for i in range(data):
        lines.append(f"- **Data {i}**: classification={rng.choice(CLASSES)}")
    lines += ["", "## Dataflows"]
    for i in range(2 * elements):
        src, dst = rng.sample(names, 2)
        extra = ", is_encrypted=True" if rng.random() < 0.3 else ""
        extra += ", is_authenticated=True" if rng.random() < 0.4 else ""
        lines.append(f"- **Flow {i}**: from=\"{src}\", to=\"{dst}\", protocol=\"{rng.choice(PROTOCOLS)}\", "
                     f"data=\"Data {rng.randrange(data)}\"{extra}")
    return "\n".join(lines) + "\n"


def baseline_seconds() -> float:
    """A fixed pure-Python workload: the unit the other timings are divided by."""
    start = time.perf_counter()
    rng = random.Random(1)
    values = [rng.random() for _ in range(300_000)]
    values.sort()
    total = sum(v * v for v in values)
    assert total > 0
    return time.perf_counter() - start


def baseline_cpu_seconds() -> float:
    start = time.process_time()
    baseline_seconds()
    return time.process_time() - start


@dataclass
class Run:
    seconds: float
    peak_mib: float
    cpu: float  # user + system seconds of the child: less disturbed than wall time on a loaded machine


def run_process(args: list[str], cwd: Path | None = None, env: dict[str, str] | None = None) -> Run:
    """Wall time, CPU time and peak resident memory of one child process (exit 0 expected)."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=err, cwd=cwd, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:  # no --fail-on is given: 1 would be a crash (Python exits 1 on an uncaught error)
            err.seek(0)
            raise RuntimeError(f"{' '.join(args)} failed ({proc.returncode}):\n{err.read().decode()[-2000:]}")
    return Run(elapsed, usage.ru_maxrss / 1024, usage.ru_utime + usage.ru_stime)  # ru_maxrss is in KiB on Linux


def median_run(args: list[str], repeat: int, cwd: Path | None = None, env: dict[str, str] | None = None,
               warm_up: bool = False) -> Run:
    """The median of `repeat` runs; with warm_up, after one untimed run (which fills the program cache)."""
    if warm_up:
        run_process(args, cwd, env)
    runs = [run_process(args, cwd, env) for _ in range(repeat)]
    return Run(statistics.median(r.seconds for r in runs), statistics.median(r.peak_mib for r in runs),
               statistics.median(r.cpu for r in runs))


def load_average() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def engine_seconds(model_path: Path, engines: list[str], repeat: int) -> dict[str, float]:
    """In-process time of `Backend.load` alone (the fixpoint) for each engine, on one compiled program."""
    from tmlogic.analysis import load_rules
    from tmlogic.logic.engines.base import get_backend
    from tmlogic.logic.program.compile import compile_program
    from tmlogic.logic.program.facts import compile_model
    from tmlogic.model.loader import load_model

    model, _ = load_model(model_path)
    program, _ = load_rules([])
    compiled = compile_program(program)
    facts = compile_model(model)
    out: dict[str, float] = {}
    for engine in engines:
        times = []
        for _ in range(repeat):
            backend = get_backend(engine)
            start = time.process_time()
            backend.load(compiled, facts)
            times.append(time.process_time() - start)
        out[engine] = statistics.median(times)
    return out


class Table:
    def __init__(self, title: str, columns: list[str]) -> None:
        self.title = title
        self.columns = columns
        self.rows: list[list[str]] = []

    def add(self, *cells: object) -> None:
        row = [c if isinstance(c, str) else f"{c:.2f}" if isinstance(c, float) else str(c) for c in cells]
        self.rows.append(row)
        print("  " + " | ".join(row), flush=True)

    def markdown(self) -> str:
        lines = [f"### {self.title}", "", "| " + " | ".join(self.columns) + " |",
                 "|" + "---|" * len(self.columns)]
        lines += ["| " + " | ".join(r) + " |" for r in self.rows]
        return "\n".join(lines) + "\n"


def paths_seconds(model_path: Path) -> tuple[dict[str, float], list[object]]:
    """Wall and CPU time of the attack-path stage alone (the analysis before it is not counted),
    without proofs (text output) and with them (every other format); and, for the ratio, the
    in-process analysis of the same model just before it."""
    from tmlogic.analysis import analyze
    from tmlogic.paths.find import PathOptions, find_paths

    a0, ac0 = time.perf_counter(), time.process_time()
    analysis = analyze(model_path)
    w0, c0 = time.perf_counter(), time.process_time()
    paths = find_paths(analysis, PathOptions(proofs=False))
    w1, c1 = time.perf_counter(), time.process_time()
    find_paths(analysis, PathOptions())
    w2, c2 = time.perf_counter(), time.process_time()
    cut = paths.all_goals
    counts: list[object] = [len(paths.goals), sum(g.reachable for g in paths.goals),
                            sum(len(g.paths) for g in paths.goals), paths.firings,
                            f"{len(cut.changes)} ({cut.status})"]
    return {"analyze wall": w0 - a0, "analyze cpu": c0 - ac0, "wall": w1 - w0, "cpu": c1 - c0, "proofs wall": w2 - w1,
            "proofs cpu": c2 - c1}, counts


def _supports_engine(tmlogic: str, engine: str) -> bool:
    proc = subprocess.run([tmlogic, "analyze", "--help"], capture_output=True, text=True)
    return engine in proc.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="500,2000,5000,20000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--repeat-large", type=int, default=3, help=f"repeats for models of {LARGE}+ elements")
    parser.add_argument("--model", action="append", default=[], help="extra model files to time")
    parser.add_argument("--compare", action="append", default=[], metavar="NAME=TMLOGIC",
                        help="also time another tmlogic executable (e.g. before=../base/.venv/bin/tmlogic)")
    parser.add_argument("--secopstm", help="a secopstm executable (in its own venv) to time on the DMZ model")
    parser.add_argument("--clingo-max", type=int, default=LARGE,
                        help="time --engine clingo on synthetic models up to this many elements")
    parser.add_argument("--no-engines", action="store_true", help="skip the in-process engine comparison")
    parser.add_argument("--paths", action="store_true",
                        help="also time the attack-path stage in process (this tree) on the DMZ and synthetic models")
    opts = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    installs = {"this": str(Path(sys.executable).with_name("tmlogic"))}
    for item in opts.compare:
        name, _, path = item.partition("=")
        installs[name] = path
    sizes = [int(s) for s in opts.sizes.split(",") if s]
    report: list[str] = [f"load average before: {load_average()}"]
    print(report[0], flush=True)

    base = statistics.median(baseline_seconds() for _ in range(5))
    base_cpu = statistics.median(baseline_cpu_seconds() for _ in range(5))
    startup = median_run([sys.executable, "-c", "pass"], 5).seconds
    report.append(f"baseline workload: {base * 1000:.1f} ms wall, {base_cpu * 1000:.1f} ms cpu; "
                  f"python start-up: {startup * 1000:.1f} ms")
    print(report[-1], flush=True)
    tables: list[Table] = []
    names = list(installs)
    # Each install keeps its built-in program cache in a folder of its own, filled by an untimed
    # first run: the state a user's second run finds, whatever else shares ~/.cache on this machine.
    caches = Path(tempfile.mkdtemp(prefix="tmlogic-bench-cache-"))
    envs = {n: {**os.environ, "TMLOGIC_CACHE_DIR": str(caches / n)} for n in names}

    def cells(run: Run) -> list[object]:
        return [run.seconds, f"{run.seconds / base:.1f}", run.cpu, f"{run.cpu / base_cpu:.1f}", f"{run.peak_mib:.0f}"]

    columns = ["what"] + [f"{n} {c}" for n in names for c in ("s", "x base", "cpu s", "cpu x base", "MiB")]
    if len(names) > 1:
        columns += [f"{names[0]} / {names[1]} (wall)", f"{names[0]} / {names[1]} (cpu)"]

    def row(table: Table, label: str, argv_of: dict[str, list[str]], repeat: int, cwd: Path | None = None) -> None:
        runs = {n: median_run(argv_of[n], repeat, cwd, envs[n], warm_up=True) for n in names if n in argv_of}
        out: list[object] = [label]
        for n in names:
            out += cells(runs[n]) if n in runs else ["-"] * 5
        if len(names) > 1:
            a, b = runs.get(names[0]), runs.get(names[1])
            out += [f"{a.seconds / b.seconds:.2f}", f"{a.cpu / b.cpu:.2f}"] if a and b else ["-", "-"]
        table.add(*out)

    start_table = Table("Start-up", columns)
    tables.append(start_table)
    row(start_table, "tmlogic --help", {n: [t, "--help"] for n, t in installs.items()}, opts.repeat)

    dmz = ROOT.parent / "shared" / "anchors" / "secopstm" / "threat_model.md"
    models = [ROOT / "examples" / "webshop" / "threat_model.md"] + [Path(m) for m in opts.model]
    if dmz.is_file():
        models.insert(0, dmz)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model_table = Table("Models (whole process, native engine)", columns)
        tables.append(model_table)
        for path in models:
            label = f"{path.parent.name}/{path.name}"
            json_out = str(work / "out.json")
            row(model_table, f"{label} JSON", {n: [t, "analyze", str(path), "-f", "json", "-o", json_out]
                                               for n, t in installs.items()}, opts.repeat)
            if path == dmz:
                row(model_table, f"{label} every output",
                    {n: [t, "analyze", str(path), "--output-dir", str(work / n)] for n, t in installs.items()},
                    opts.repeat)
        if opts.secopstm and dmz.is_file():
            secops = work / "secopstm"
            secops.mkdir()
            shutil.copy(dmz, secops / "threat_model.md")
            for what, fmt in (("JSON", "json"), ("every output", "all")):
                run = median_run([opts.secopstm, "--model-file", "threat_model.md", "--no-rag", "--output-format",
                                  fmt, "--output-file", "out.json"], opts.repeat, cwd=secops)
                model_table.add(f"SecOpsTM DMZ {what}", *cells(run),
                                *(["-"] * 5 * (len(names) - 1)), *(["-", "-"] if len(names) > 1 else []))

        size_table = Table("Synthetic models (whole process, JSON output)", columns)
        tables.append(size_table)
        for size in sizes:
            path = OUT / f"synthetic-{size}.md"
            path.write_text(synthetic_model(size), encoding="utf-8")
            repeat = opts.repeat_large if size >= LARGE else opts.repeat
            argv = {n: [t, "analyze", str(path), "-f", "json", "-o", str(work / "out.json")]
                    for n, t in installs.items()}
            row(size_table, f"{size} elements, native", {n: a + ["--engine", "native"] for n, a in argv.items()},
                repeat)
            clingo = {n: a + ["--engine", "clingo"] for n, a in argv.items() if _supports_engine(installs[n], "clingo")}
            if clingo and size <= opts.clingo_max:
                row(size_table, f"{size} elements, clingo", clingo, repeat)

    if not opts.no_engines:
        engines = ["native", "clingo"]
        engine_table = Table("Engines on the same compiled program (in process, fixpoint only, CPU seconds, this tree)",
                             ["model"] + [f"{e} s" for e in engines] + ["native / clingo"])
        tables.append(engine_table)
        for size in [s for s in sizes if s <= opts.clingo_max]:
            times = engine_seconds(OUT / f"synthetic-{size}.md", engines,
                                   opts.repeat_large if size >= LARGE else opts.repeat)
            engine_table.add(f"{size} elements", *[times[e] for e in engines], f"{times['native'] / times['clingo']:.2f}")
        if dmz.is_file():
            times = engine_seconds(dmz, engines, opts.repeat)
            engine_table.add("DMZ", *[times[e] for e in engines], f"{times['native'] / times['clingo']:.2f}")

    if opts.paths:
        paths_table = Table("Attack-path stage (in process, after the analysis, this tree)",
                            ["model", "goals", "reachable", "paths", "steps", "all-goal cut (changes)", "s", "x base", "cpu s",
                             "cpu x base", "with proofs s", "x base", "analyze cpu s", "paths / analyze (cpu)",
                             "with proofs / analyze (cpu)"])
        tables.append(paths_table)
        targets = ([("DMZ", dmz)] if dmz.is_file() else []) + [
            (f"{size} elements", OUT / f"synthetic-{size}.md") for size in sizes if size < LARGE]
        for label, path in targets:
            t, counts = paths_seconds(path)
            paths_table.add(label, *counts, t["wall"], f"{t['wall'] / base:.1f}", t["cpu"], f"{t['cpu'] / base_cpu:.1f}",
                            t["proofs wall"], f"{t['proofs wall'] / base:.1f}", t["analyze cpu"],
                            f"{t['cpu'] / t['analyze cpu']:.2f}", f"{t['proofs cpu'] / t['analyze cpu']:.2f}")

    shutil.rmtree(caches, ignore_errors=True)
    report.append(f"load average after: {load_average()}")
    print(report[-1], flush=True)
    text = "\n".join(report) + "\n\n" + "\n".join(t.markdown() for t in tables)
    (OUT / "report.md").write_text(text, encoding="utf-8")
    print("\n" + text)


if __name__ == "__main__":
    main()
