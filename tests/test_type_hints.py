"""Near misses of the types and protocols the rules know draw a warning with the known spelling."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tmlogic.analysis import AnalysisOptions, analyze


def test_near_miss_types_and_protocols_are_named(tmp_path: Path) -> None:
    (tmp_path / "m.md").write_text("""\
# Threat Model: Typos
## Boundaries
- **Intranet**: isTrusted=True
## Servers
- **Edge**: boundary=Intranet, type=load-balancr
- **Core**: boundary=Intranet, type=central_server
- **Store**: boundary=Intranet, type=PostgreSQL
## Dataflows
- **In**: from="Edge", to="Core", protocol=HTTPSS
- **Query**: from="Core", to="Store", protocol=Proprietary
- **Share**: from="Core", to="Store", protocol=SMB
- **Stream**: from="Core", to="Edge", protocol=RTMPS
- **Monitor**: from="Edge", to="Core", protocol=SNMPV4
""", encoding="utf-8")
    warnings = analyze(tmp_path / "m.md", AnalysisOptions()).result.warnings
    found = [(w.code, w.span.line, w.hint) for w in warnings if w.code in ("unknown-type", "unknown-protocol")]
    assert found == [
        ("unknown-type", 5, 'did you mean "load-balancer"? (types are free text; rules match known spellings)'),
        ("unknown-protocol", 9, 'did you mean "HTTPS"? (protocols are free text; rules match known spellings)'),
    ]  # central-server and Proprietary are close to nothing known; postgresql is known; SMB, RTMPS
    # and SNMPV4 differ from SMB1, RTMP and SNMPV3 by a version or the TLS variant's S: other
    # protocols, not typos of them


def test_the_candidates_left_out_are_ones_difflib_rejects() -> None:
    """_close tests only the known spellings that can reach the cutoff; difflib on all of them
    must give the same answer, for near misses, exact spellings, and words close to nothing."""
    import difflib
    import random

    from tmlogic.analysis import load_rules
    from tmlogic.type_hints import _CUTOFF, _KINDS, _by_length, _known, _reachable

    program, _ = load_rules()
    rng = random.Random(7)
    for (key, _), by_length in zip(_KINDS, _known(program)):
        ordered = sorted(by_length)
        spellings = set(ordered)
        groups = _by_length(by_length)
        words = ["central-server", "command-machine", "ETHERNET", "x", "é-ß-服务器", "HTTPS" * 50]
        for known in rng.sample(ordered, 15):
            chars = list(known)
            i = rng.randrange(len(chars))
            words += [known, known[:-1], known + "s", known.upper(), "".join(chars[:i] + chars[i + 1:] + chars[i:i + 1]),
                      "".join(rng.sample(chars, len(chars))), known.replace("-", "_"), known[:i] + "q" + known[i:]]
        for word in words:
            candidates = _reachable(word, groups)
            assert set(candidates) <= spellings
            assert (difflib.get_close_matches(word, candidates, n=3, cutoff=_CUTOFF)
                    == difflib.get_close_matches(word, ordered, n=3, cutoff=_CUTOFF)), (key, word)
        assert any(difflib.get_close_matches(w, ordered, n=3, cutoff=_CUTOFF) for w in words)  # the test has near misses


_TYPO = """\
# Threat Model: Typo
## Boundaries
- **Intranet**: isTrusted=True
## Servers
- **Edge**: boundary=Intranet, type=load-balancr
"""


def _hints(path: Path) -> list[tuple[str, str | None]]:
    return [(w.code, w.hint) for w in analyze(path, AnalysisOptions()).result.warnings if w.code == "unknown-type"]


@pytest.mark.parametrize("damage", ["not-a-list", "one-kind", "a-number", "a-repeat", "out-of-order"])
def test_known_spellings_stored_with_the_program_that_do_not_decode_are_found_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, damage: str) -> None:
    from tmlogic.logic.program import cache

    monkeypatch.setenv("TMLOGIC_CACHE_DIR", str(tmp_path / "cache"))
    model = tmp_path / "m.md"
    model.write_text(_TYPO, encoding="utf-8")
    first = _hints(model)
    assert first == [("unknown-type", 'did you mean "load-balancer"? (types are free text; rules match known spellings)')]
    path = max((tmp_path / "cache").glob("program-*.json"), key=lambda p: p.stat().st_size)
    header, body, line = path.read_text(encoding="utf-8").split("\n")
    sections = json.loads(line)
    stored = sections["known spellings 1"]
    assert "load-balancer" in stored[0] and "HTTPS" in stored[1]
    assert _hints(model) == first  # read back
    damaged: object = {"not-a-list": {"type": stored[0]}, "one-kind": stored[:1], "a-number": [stored[0] + [7], stored[1]],
                       "a-repeat": [stored[0] + stored[0][-1:], stored[1]],
                       "out-of-order": [stored[0][::-1], stored[1]]}[damage]
    rest = body + "\n" + json.dumps({**sections, "known spellings 1": damaged})
    path.write_text(json.dumps({**json.loads(header), "crc": cache._crc(rest)}) + "\n" + rest, encoding="utf-8")
    assert _hints(model) == first
    assert json.loads(path.read_text(encoding="utf-8").split("\n")[2])["known spellings 1"] == stored  # rewritten
