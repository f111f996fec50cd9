"""The contract every importer keeps, checked on real samples of each format: the model loads,
every item names the input line it came from, the output is deterministic, the report accounts
for what was read, and truncated or garbage input is a located error (exit 2), never a traceback."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tmlogic.cli import app
from tmlogic.cli.testing import CliRunner
from tmlogic.importers import IMPORTERS
from tmlogic.importers.located import InputError
from tmlogic.importers.pipeline import read_draft
from tmlogic.model.loader import load_model

DATA = Path(__file__).resolve().parent / "data" / "importers"
SAMPLES = {
    "otm": DATA / "otm" / "otm-0.2.0.example.json",
    "threagile": DATA / "threagile" / "threagile_example_model.yaml",
    "threat-dragon": DATA / "threat-dragon" / "v2-threat-model.json",
    "compose": DATA / "compose" / "nginx-golang-postgres-rabbitmq.compose.yaml",
    "k8s": DATA / "kubernetes" / "microservices-demo.yaml",
    "terraform": DATA / "terraform" / "shop-plan.json",
    "pytm": DATA / "pytm" / "sample.json",
    "ansible": DATA / "ansible" / "single" / "site.yml",
}
LOCATED = re.compile(r"^\S+:\d+:\d+: error: .+", re.MULTILINE)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # a traceback would reach the user: the test fails
    return result.exit_code, result.stdout, result.stderr


def test_every_registered_format_has_a_sample() -> None:
    assert set(SAMPLES) == set(IMPORTERS)


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
def test_the_import_loads_cleanly_and_every_item_names_its_input_line(fmt: str, tmp_path: Path) -> None:
    out = tmp_path / "model.md"
    code, _, err = run("import", fmt, str(SAMPLES[fmt]), "-o", str(out), "-q")
    assert code == 0, err
    model, warnings = load_model(out, strict=True)
    assert warnings == []
    lines = SAMPLES[fmt].read_text(encoding="utf-8").splitlines()
    items = [*model.boundaries, *model.elements, *model.data, *model.flows, *model.threats]
    assert items
    for item in items:
        origin = next(a.value for a in item.attrs if a.key == "imported_from")
        path, _, line = str(origin).rpartition(":")
        assert (out.parent / path).resolve() == SAMPLES[fmt].resolve()
        assert 1 <= int(line) <= len(lines)


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
@pytest.mark.parametrize("suffix", [".md", ".yaml"])
def test_the_same_input_gives_the_same_bytes(fmt: str, suffix: str, tmp_path: Path) -> None:
    texts = []
    for n in (1, 2):
        (tmp_path / str(n)).mkdir()
        out, report = tmp_path / str(n) / f"m{suffix}", tmp_path / str(n) / "r.json"
        code, _, err = run("import", fmt, str(SAMPLES[fmt]), "-o", str(out), "--report", str(report), "-q")
        assert code == 0, err
        texts.append((out.read_text(encoding="utf-8"), report.read_text(encoding="utf-8").replace(f"/{n}/", "/N/")))
    assert texts[0] == texts[1]


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
def test_the_report_maps_every_model_item_and_counts_them(fmt: str, tmp_path: Path) -> None:
    out, report = tmp_path / "model.md", tmp_path / "report.json"
    assert run("import", fmt, str(SAMPLES[fmt]), "-o", str(out), "--report", str(report), "-q")[0] == 0
    data = json.loads(report.read_text(encoding="utf-8"))
    assert data["format"] == "tmlogic-import-report" and data["importer"] == fmt
    model, _ = load_model(out)
    counts = {"boundaries": len(model.boundaries), "elements": len(model.elements), "data": len(model.data),
              "flows": len(model.flows), "threats": len(model.threats)}
    assert data["counts"] == counts
    became = {m["became"] for m in data["mapped"]}
    for e in model.elements:
        assert f"{e.kind} '{e.name}'" in became
    for f in model.flows:
        assert f"flow '{f.name}'" in became
    for item in data["unmapped"] + data["approximated"]:
        assert item["line"] >= 1 and (item.get("reason") or item.get("how"))


def _cut(text: str) -> str:
    """The input cut inside its structure: JSON mid-object, YAML mid-mapping."""
    return text[: len(text) // 2].rstrip()


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
def test_truncated_input_is_a_located_error(fmt: str, tmp_path: Path) -> None:
    sample = SAMPLES[fmt]
    bad = tmp_path / f"truncated{sample.suffix}"
    text = sample.read_text(encoding="utf-8")
    bad.write_text(_cut(text) + ("\n  - [" if sample.suffix != ".json" else ""), encoding="utf-8")
    code, out, err = run("import", fmt, str(bad), "-o", str(tmp_path / "m.md"))
    assert code == 2
    assert LOCATED.search(err), err
    assert not (tmp_path / "m.md").exists()


GARBAGE = {
    "binary": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "latin-1": "services:\n  caf\xe9: {image: nginx}\n".encode("latin-1"),
    "empty": b"",
    "prose": b"This is not a model at all, just a sentence.\n",
    "list": b"[1, 2, 3]\n",
    "brackets": b"{{{{ [[[[ ::: }}}}\n",
    "wrong shape": b'{"services": 5, "summary": [], "otmVersion": 3, "format_version": {}}\n',
}


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
@pytest.mark.parametrize("kind", sorted(GARBAGE))
def test_garbage_input_is_a_located_error(fmt: str, kind: str, tmp_path: Path) -> None:
    bad = tmp_path / f"garbage{SAMPLES[fmt].suffix}"
    bad.write_bytes(GARBAGE[kind])
    code, _, err = run("import", fmt, str(bad))
    assert code == 2, err
    assert LOCATED.search(err), err
    assert "Traceback" not in err


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
def test_every_truncation_point_is_handled(fmt: str, tmp_path: Path) -> None:
    """Cut the sample at 40 places: each either reads or is a located InputError, never a crash."""
    data = SAMPLES[fmt].read_bytes()
    bad = tmp_path / f"cut{SAMPLES[fmt].suffix}"
    errors = 0
    for i in range(1, 41):
        bad.write_bytes(data[: len(data) * i // 41])
        try:
            read_draft(IMPORTERS[fmt], [bad])
        except InputError as exc:
            errors += 1
            assert exc.span.line >= 1 and exc.message
    assert errors >= 1


def test_a_missing_file_and_a_wrong_format_name_are_errors(tmp_path: Path) -> None:
    code, _, err = run("import", "compose", str(tmp_path / "nope.yml"))
    assert code == 2 and "not found" in err
    code, _, err = run("import", "composer", str(SAMPLES["compose"]))
    assert code == 2 and 'did you mean "compose"' in err
    code, _, err = run("import", "otm", str(SAMPLES["otm"]), str(SAMPLES["otm"]))
    assert code == 2 and "one file at a time" in err
    code, _, err = run("import", "compose", str(SAMPLES["compose"]), "--inventory", "x")
    assert code == 2 and "unknown option '--inventory'" in err


def test_nothing_in_an_input_runs(tmp_path: Path) -> None:
    """YAML tags that would construct Python objects are read as plain data."""
    evil = tmp_path / "compose.yml"
    evil.write_text("services:\n  web:\n    image: !!python/object/new:os.system nginx\n"
                    "  api:\n    image: nginx\n    labels: !!python/object/apply:os.system ['touch pwned']\n",
                    encoding="utf-8")
    code, out, err = run("import", "compose", str(evil))
    assert code == 0, err
    assert 'technology="nginx"' in out
    assert not (tmp_path / "pwned").exists() and not Path("pwned").exists()


def test_an_alias_bomb_is_refused(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 9)]  # 10^9 values
    bomb = tmp_path / "compose.yml"
    bomb.write_text("\n".join(lines) + "\nservices:\n  web: {image: nginx, labels: *a8}\n", encoding="utf-8")
    code, _, err = run("import", "compose", str(bomb))
    assert code == 2 and "aliases" in err


def test_reimport_keeps_the_hand_written_part(tmp_path: Path) -> None:
    model = tmp_path / "threat_model.md"
    assert run("import", "compose", str(SAMPLES["compose"]), "-o", str(model), "-q")[0] == 0
    hand = ("\n## Threats\n- **Queue poisoning**: target=\"mq\", stride=Tampering, severity=high, "
            "description=\"A forged message reaches the backend\"\n")
    model.write_text(model.read_text(encoding="utf-8") + hand, encoding="utf-8")
    assert run("import", "compose", str(SAMPLES["compose"]), "-o", str(model), "-q")[0] == 0
    text = model.read_text(encoding="utf-8")
    assert text.endswith(hand) and text.count("tmlogic:generated begin") == 1
    loaded, _ = load_model(model)
    assert [t.name for t in loaded.threats] == ["Queue poisoning"]


def test_reimport_refuses_a_file_it_did_not_write_and_a_broken_hand_written_part(tmp_path: Path) -> None:
    model = tmp_path / "threat_model.md"
    model.write_text("# Threat Model: Mine\n## Servers\n- **Web**:\n", encoding="utf-8")
    code, _, err = run("import", "compose", str(SAMPLES["compose"]), "-o", str(model))
    assert code == 2 and "--force" in err
    assert model.read_text(encoding="utf-8").startswith("# Threat Model: Mine")
    assert run("import", "compose", str(SAMPLES["compose"]), "-o", str(model), "--force", "-q")[0] == 0
    before = model.read_text(encoding="utf-8") + "\n## Threats\n- **X**: target=\"gone\", stride=Spoofing\n"
    model.write_text(before, encoding="utf-8")
    code, _, err = run("import", "compose", str(SAMPLES["compose"]), "-o", str(model))
    assert code == 2 and "unknown element, flow, boundary or data asset 'gone'" in err and "was not changed" in err
    assert model.read_text(encoding="utf-8") == before


def test_the_model_goes_to_stdout_and_the_report_to_stderr() -> None:
    code, out, err = run("import", "compose", str(SAMPLES["compose"]), "-v")
    assert code == 0
    assert out.startswith("<!-- tmlogic:generated begin -->") and "## Servers" in out
    assert err.startswith("imported ") and "mapped:" in err
    code, out, _ = run("import", "compose", str(SAMPLES["compose"]), "-f", "yaml", "-q")
    assert out.startswith("# tmlogic:generated begin") and "\nservers:\n" in out


def _paths(value: object, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(_paths(v, prefix + (k,)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.extend(_paths(v, prefix + (i,)))
    return out


def _replace(value: object, path: tuple, new: object) -> object:
    if not path:
        return new
    head, rest = path[0], path[1:]
    if isinstance(value, dict):
        return {k: (_replace(v, rest, new) if k == head else v) for k, v in value.items()}
    assert isinstance(value, list)
    return [(_replace(v, rest, new) if i == head else v) for i, v in enumerate(value)]


@pytest.mark.parametrize("fmt", sorted(SAMPLES))
def test_values_of_the_wrong_shape_are_located_errors_not_crashes(fmt: str, tmp_path: Path) -> None:
    """A seeded structural fuzz: 40 inputs, each with one value swapped for one of another shape."""
    import random

    import yaml

    sample = SAMPLES[fmt]
    is_json = sample.suffix == ".json"
    loader, dumper = getattr(yaml, "CSafeLoader", yaml.SafeLoader), getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    docs = [json.loads(sample.read_text(encoding="utf-8"))] if is_json else \
        [d for d in yaml.load_all(sample.read_text(encoding="utf-8"), Loader=loader) if d is not None]
    rng = random.Random(f"tmlogic-{fmt}")
    bad = tmp_path / f"mutated{sample.suffix}"
    for _ in range(40):
        index = rng.randrange(len(docs))
        paths = _paths(docs[index])[1:]
        path = paths[rng.randrange(len(paths))]
        new = rng.choice([None, 7, "text", True, [], {}, ["a", 1], {"k": [None]}])
        mutated = list(docs)
        mutated[index] = _replace(docs[index], path, new)
        bad.write_text(json.dumps(mutated[0]) if is_json else yaml.dump_all(mutated, Dumper=dumper), encoding="utf-8")
        try:
            read_draft(IMPORTERS[fmt], [bad])
        except InputError:
            pass
