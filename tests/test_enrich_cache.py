"""The on-disk cache of each rule's MITRE enrichment and chain (tmlogic/kb/enrich_cache.py): JSON
only, keyed by content, a broken or foreign file or line is a miss and nothing in it is executed."""

from __future__ import annotations

import json
import os
import pickle
import shutil
from pathlib import Path

import pytest

import tmlogic.analysis as analysis_module
from tmlogic.analysis import analyze, load_rules
from tmlogic.kb import enrich_cache, loader
from tmlogic.kb.enrich import RuleMeta, enrich_rules, mitre_chain
from tmlogic.kb.loader import content_digest, load_kb
from tmlogic.kb.store import decls_text

MODEL = Path(__file__).resolve().parents[1] / "examples" / "webshop" / "threat_model.md"


@pytest.fixture()
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("TMLOGIC_CACHE_DIR", str(folder))
    monkeypatch.setattr(analysis_module, "_MITRE", {})  # nothing remembered from other tests in this process
    return folder


def _mitre(path: Path = MODEL) -> list[tuple[str, object, object]]:
    return [(t.id, t.mitre, t.chain) for t in analyze(path).result.threats]


def _no_enrichment(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("enriched although the cache holds every rule")

    monkeypatch.setattr(analysis_module, "enrich_rules", fail)
    monkeypatch.setattr(analysis_module, "load_kb", fail)


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    calls: list[int] = []

    def counted(rules: list[RuleMeta], kb: object) -> object:
        calls.append(len(rules))
        return enrich_rules(rules, kb)  # type: ignore[arg-type]

    monkeypatch.setattr(analysis_module, "enrich_rules", counted)
    return calls


def _cache_file(cache_dir: Path) -> Path:
    files = list(cache_dir.glob("enrich-*.json"))
    assert len(files) == 1
    return files[0]


def test_a_second_run_takes_every_rule_from_the_cache_and_gets_the_same_chains(cache_dir: Path,
                                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    first = _mitre()
    assert first and all(m is not None and c for _, m, c in first)
    header, *lines = _cache_file(cache_dir).read_text(encoding="utf-8").split("\n")
    threats = analyze(MODEL).result.threats
    assert json.loads(header)["key"] and len(lines) == len({t.rule.id if t.rule.rule else t.id for t in threats})
    monkeypatch.setattr(analysis_module, "_MITRE", {})  # a new process
    _no_enrichment(monkeypatch)
    assert _mitre() == first


def test_every_built_in_rule_comes_back_from_the_file_as_it_was_computed(cache_dir: Path) -> None:
    program, _ = load_rules([])
    kb = load_kb()
    metas = [RuleMeta.from_rule(r) for r in program.threat_rules()]
    computed = enrich_rules(metas, kb)
    key = enrich_cache.file_key(content_digest(), decls_text())
    assert key is not None
    entries = {enrich_cache.entry_key(m, (m.capec, m.cwe, m.attack)):
               (computed[m.rule_id], mitre_chain(m.capec, m.cwe, m.attack, computed[m.rule_id])) for m in metas}
    enrich_cache.write_entries(key, {}, entries)
    found, kept = enrich_cache.read_entries(key, entries)
    assert found == entries and set(kept) == set(entries)
    for digest, (enrichment, chain) in found.items():  # equal, and of the very same classes
        assert type(enrichment) is type(entries[digest][0]) and enrichment.to_dict() == entries[digest][0].to_dict()
        assert chain.items() == entries[digest][1].items()
        # built without their __init__: the same fields, in the same order, as __init__ stores them
        made, built = entries[digest], found[digest]
        pairs = [(a, b) for x, y in ((made[0], built[0]), (made[1], built[1]))
                 for ka, kb in zip(vars(x).values(), vars(y).values()) if isinstance(ka, tuple)
                 for a, b in zip(ka, kb)]
        pairs += [(va, vb) for a, b in list(pairs) for va, vb in zip(getattr(a, "via", ()), getattr(b, "via", ()))
                  if not isinstance(va, str)]
        pairs += [(ta, tb) for a, b in list(pairs) for ta, tb in zip(getattr(a, "tactics", ()), getattr(b, "tactics", ()))]
        for a, b in pairs:
            assert type(a) is type(b) and list(vars(a).items()) == list(vars(b).items())
            assert not hasattr(type(b), "__post_init__")


def test_equal_links_and_tactics_of_different_rules_come_back_as_one_object(cache_dir: Path) -> None:
    # the JSON writer encodes each object once, so sharing them is what makes a chain cheap
    program, _ = load_rules([])
    metas = [RuleMeta.from_rule(r) for r in program.threat_rules()]
    computed = enrich_rules(metas, load_kb())
    key = enrich_cache.file_key(content_digest(), decls_text())
    assert key is not None
    entries = {enrich_cache.entry_key(m, (m.capec, m.cwe, m.attack)):
               (computed[m.rule_id], mitre_chain(m.capec, m.cwe, m.attack, computed[m.rule_id])) for m in metas}
    enrich_cache.write_entries(key, {}, entries)
    found, _ = enrich_cache.read_entries(key, entries)
    links = [link for enrichment, _ in found.values()
             for link in (*enrichment.capec, *enrichment.mitigations, *enrichment.d3fend, *enrichment.cwe)]
    tactics = [ta for enrichment, _ in found.values() for t in enrichment.techniques for ta in t.tactics]
    assert len({id(x) for x in links}) == len(set(links)) < len(links)
    assert len({id(x) for x in tactics}) == len(set(tactics)) < len(tactics)


def test_a_rule_whose_ids_change_is_a_new_entry_and_another_knowledge_base_a_new_file() -> None:
    meta = RuleMeta("TM-X-001", "Spoofing", ("CAPEC-151",))
    own = (("CAPEC-151",), (), ())
    assert enrich_cache.entry_key(meta, own) != enrich_cache.entry_key(RuleMeta("TM-X-001", "Spoofing", ("CAPEC-94",)), own)
    assert enrich_cache.entry_key(meta, own) != enrich_cache.entry_key(meta, (("CAPEC-151",), ("CWE-287",), ()))
    assert enrich_cache.entry_key(meta, own) != enrich_cache.entry_key(RuleMeta("TM-X-001", "Tampering", ("CAPEC-151",)), own)
    assert enrich_cache.file_key("a" * 64, decls_text()) != enrich_cache.file_key("b" * 64, decls_text())
    assert enrich_cache.file_key("a" * 64, decls_text()) != enrich_cache.file_key("a" * 64, decls_text() + "\n")


def test_the_digest_follows_the_content_of_every_knowledge_base_file(tmp_path: Path) -> None:
    copy = tmp_path / "kb"
    shutil.copytree(loader.embedded_dir(), copy)
    before = content_digest(copy)
    assert before == content_digest(loader.embedded_dir())
    loader._digest.cache_clear()
    with (copy / "d3fend_technique.facts").open("a", encoding="utf-8") as f:
        f.write("D3-X\tT1040\td3f:X\n")  # a relation the rule checker never reads
    assert content_digest(copy) != before
    loader._digest.cache_clear()
    (copy / "d3fend_technique.facts").unlink()
    assert content_digest(copy) != before


def test_a_changed_knowledge_base_misses_the_cache(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = _mitre()
    monkeypatch.setattr(analysis_module, "_MITRE", {})
    monkeypatch.setattr(loader, "_digest", lambda folder: "0" * 64)  # what another knowledge base would give
    calls = _counting(monkeypatch)
    assert _mitre() == first
    assert calls and len(list(cache_dir.glob("enrich-*.json"))) == 2


def _run_and_check_it_enriched_again(monkeypatch: pytest.MonkeyPatch, expected: object) -> list[int]:
    monkeypatch.setattr(analysis_module, "_MITRE", {})
    calls = _counting(monkeypatch)
    assert _mitre() == expected
    return calls


class _Planted:
    """Unpickling this would create a file: the cache must never get that far."""

    def __init__(self, target: str) -> None:
        self.target = target

    def __reduce__(self) -> tuple[object, tuple[object, ...]]:
        return (os.system, (f"touch {self.target}",))


@pytest.mark.parametrize("damage", ["garbage", "other-key", "pickle", "wrong-types", "unknown-class", "bad-via",
                                    "negative-via", "boolean-via", "numbered-name", "truncated", "deep"])
def test_a_tampered_file_is_a_miss_runs_nothing_and_is_rewritten(cache_dir: Path, monkeypatch: pytest.MonkeyPatch,
                                                                 tmp_path: Path, damage: str) -> None:
    expected = _mitre()
    path = _cache_file(cache_dir)
    header, *lines = path.read_text(encoding="utf-8").split("\n")
    target = tmp_path / "pwned"
    entries = [line.split("\t", 1) for line in lines]
    if damage == "garbage":
        path.write_bytes(b"\x00\xff not json at all")
    elif damage == "other-key":
        path.write_text(json.dumps({"key": "0" * 64}) + "\n" + "\n".join(lines), encoding="utf-8")
    elif damage == "pickle":
        path.write_bytes(pickle.dumps(_Planted(str(target))))
    else:
        payload: object
        if damage == "wrong-types":
            payload = [[1, 2, 3], ["TM"], [[]]]
        elif damage == "unknown-class":
            payload = {"@": "os.system", "v": [f"touch {target}"]}
        elif damage == "bad-via":
            vias, body, refs = json.loads(entries[0][1])
            body[1][2] = [10_000]  # a via number out of the table
            payload = [vias, body, refs]
        elif damage in ("negative-via", "boolean-via", "numbered-name"):
            vias, body, refs = json.loads(entries[0][1])
            if damage == "numbered-name":
                body[1][1] = 7  # a CAPEC link whose name is a number
            else:
                body[1][2] = [-1] if damage == "negative-via" else [True]
            payload = [vias, body, refs]
        elif damage == "truncated":
            payload = None
        else:
            payload = [[[[[[[[[[["deep"]]]]]]]]]]]
        text = json.dumps(payload) if payload is not None else entries[0][1][: len(entries[0][1]) // 2]
        tampered = [f"{entries[0][0]}\t{text}", *lines[1:]]
        path.write_text(header + "\n" + "\n".join(tampered), encoding="utf-8")
    calls = _run_and_check_it_enriched_again(monkeypatch, expected)
    assert calls  # a miss: enriched again ...
    assert not target.exists()  # ... and nothing in the file ran
    # rewritten: the next run takes everything from it again
    monkeypatch.setattr(analysis_module, "_MITRE", {})
    _no_enrichment(monkeypatch)
    assert _mitre() == expected


def test_a_fifo_planted_as_the_cache_file_is_a_miss_without_waiting(cache_dir: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _mitre()
    path = _cache_file(cache_dir)
    path.unlink()
    os.mkfifo(path)
    calls = _run_and_check_it_enriched_again(monkeypatch, expected)
    assert calls


def test_no_cache_folder_enriches_every_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TMLOGIC_CACHE_DIR", "")
    monkeypatch.setattr(analysis_module, "_MITRE", {})
    first = _mitre()
    calls = _run_and_check_it_enriched_again(monkeypatch, first)
    assert calls


def test_a_file_past_its_size_keeps_only_the_rules_of_the_run(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = _mitre()
    path = _cache_file(cache_dir)
    header, *lines = path.read_text(encoding="utf-8").split("\n")
    stale = [f"{n:032x}\t[[],[\"TM-OLD\",[],[],[],[],[]],[[],[],[],[],[],[]]]" for n in range(enrich_cache._MAX_ENTRIES)]
    path.write_text("\n".join([header, *lines[1:], *stale]), encoding="utf-8")  # one rule of the run missing
    calls = _run_and_check_it_enriched_again(monkeypatch, expected)
    assert calls == [1]
    assert path.read_text(encoding="utf-8").split("\n")[1:] == lines  # the stale lines are gone


def test_an_enriched_threat_equals_its_replace() -> None:
    """analysis._enriched passes Threat's fields positionally: it must list them all, in order."""
    from tmlogic import analysis
    from tmlogic.kb.enrich import MitreChain
    from tmlogic.records import fields, replace
    from tmlogic.result import Threat

    assert [f.name for f in fields(Threat)] == [
        "id", "rule", "targets", "target_names", "message", "severity", "location", "proof", "suppression", "mitre",
        "chain", "manual", "superseded", "corroborated_by"]
    result = analysis.analyze(Path(__file__).parent.parent / "examples" / "webshop" / "threat_model.md").result
    threat = result.threats[0]
    assert threat.mitre is not None
    other = analysis._enriched(threat, threat.mitre, MitreChain())
    expected = replace(threat, mitre=threat.mitre, chain=MitreChain())
    assert other == expected and vars(other) == vars(expected)
    assert other.chain != threat.chain  # the chain given, not the threat's own
