"""Benchmark `tmlogic analyze` on deterministic synthetic models, plus the example models.

    python bench/run.py [--sizes 50,500,2000] [--repeat 3]

The machine is noisy, so every timing is also shown as a ratio against a baseline measured
in the same run: a fixed pure-Python workload (`baseline`), and for whole-process timings
the start-up of a bare `python -c pass`.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
sys.path.insert(0, str(ROOT))

PROTOCOLS = ["HTTPS", "HTTP", "SQL", "gRPC", "SSH", "LDAPS", "AMQP", "MQTT", "FTP", "TLS"]
CLASSES = ["PUBLIC", "RESTRICTED", "SENSITIVE", "SECRET", "TOP_SECRET"]
TYPES = ["web-server", "app-server", "database", "load-balancer", "firewall", "cache", "api-gateway"]


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


def process_seconds(args: list[str]) -> float:
    start = time.perf_counter()
    proc = subprocess.run(args, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(args)} failed ({proc.returncode}):\n{proc.stderr}")
    return elapsed


def stage_seconds(model_path: Path) -> dict[str, float]:
    """In-process timings of each stage of one analysis."""
    from tmlogic.analysis import analyze_model, load_rules
    from tmlogic.model.loader import load_model

    t0 = time.perf_counter()
    model, warnings = load_model(model_path)
    t1 = time.perf_counter()
    program, _ = load_rules([])
    t2 = time.perf_counter()
    analysis = analyze_model(model, program, list(warnings), engine="native")
    t3 = time.perf_counter()
    return {"parse": t1 - t0, "rules": t2 - t1, "engine+proofs": t3 - t2, "threats": float(len(analysis.result.threats)),
            "facts": float(analysis.result.fact_count)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="50,500,2000")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--model", action="append", default=[], help="extra model files to time")
    parser.add_argument("--pydatalog-max", type=int, default=100,
                        help="time the pydatalog engine only on models up to this many elements (it is far slower)")
    opts = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    tmlogic = str(Path(sys.executable).with_name("tmlogic"))

    base = statistics.median(baseline_seconds() for _ in range(5))
    startup = statistics.median(process_seconds([sys.executable, "-c", "pass"]) for _ in range(5))
    print(f"baseline workload: {base * 1000:.1f} ms; python start-up: {startup * 1000:.1f} ms", flush=True)
    print(f"{'model':<22} {'native s':>8} {'x base':>7} {'x start':>8} {'pyDatalog s':>11} {'x base':>7}  in-process stages, native (s)",
          flush=True)

    models = [ROOT / "examples" / "webshop" / "threat_model.md"] + [Path(m) for m in opts.model]
    dmz = ROOT.parent / "shared" / "anchors" / "secopstm" / "threat_model.md"  # SecOpsTM's DMZ example, if beside us
    if dmz.is_file():
        models.insert(1, dmz)
    for size in [int(s) for s in opts.sizes.split(",") if s]:
        path = OUT / f"synthetic-{size}.md"
        path.write_text(synthetic_model(size), encoding="utf-8")
        models.append(path)
    sizes = {OUT / f"synthetic-{n}.md": n for n in [int(s) for s in opts.sizes.split(",") if s]}
    for path in models:
        command = [tmlogic, "analyze", str(path), "--format", "json", "-o", str(OUT / "last.json")]
        wall = statistics.median(process_seconds(command + ["--engine", "native"]) for _ in range(opts.repeat))
        slow: float | None = None
        if sizes.get(path, 0) <= opts.pydatalog_max:
            slow = statistics.median(process_seconds(command + ["--engine", "pydatalog"]) for _ in range(opts.repeat))
        stages = stage_seconds(path)
        shown = ", ".join(f"{k} {v:.2f}" if k not in ("threats", "facts") else f"{k} {int(v)}" for k, v in stages.items())
        label = path.stem if path.parent == OUT else f"{path.parent.name}/{path.name}"
        slow_text = f"{slow:>11.2f} {slow / base:>7.1f}" if slow is not None else f"{'-':>11} {'-':>7}"
        print(f"{label[:22]:<22} {wall:>8.2f} {wall / base:>7.1f} {wall / startup:>8.1f} {slow_text}  {shown}",
              flush=True)


if __name__ == "__main__":
    main()
