"""The model readers' hand-written matchers equal the regular expressions they replace.

The readers tell numbers, headings, bullets, titles, technique ids and camelCase joints with str
methods (compiling the patterns cost several million instructions of every run); each pattern
is the definition, and here each matcher is held equal to it on generated text that mixes the
characters that matter (signs, dots, exponents, Unicode digits and spaces, capitals, marks).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

import pytest

from tmlogic.model import markdown_blocks, markdown_reader, values, vocabulary
from tmlogic.model.build import annotations

_SAMPLES = 20000


def _texts(alphabet: str | list[str], longest: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(alphabet) for _ in range(rng.randint(0, longest))) for _ in range(_SAMPLES)]


def _equal(texts: list[str], want: Callable[[str], object], got: Callable[[str], object]) -> None:
    wrong = [t for t in texts if want(t) != got(t)]
    assert wrong == [], wrong[:5]


_NUMBERS = _texts("0123456789+-.eE_ a\u0663\u00b2", 8, 1)


def test_integers() -> None:
    pattern = re.compile(r"[+-]?(?:0|[1-9][0-9]*)")
    _equal(_NUMBERS + ["0", "-0", "+7", "007", "12", ""], lambda t: pattern.fullmatch(t) is not None, values._is_int)


def test_floats() -> None:
    pattern = re.compile(r"[+-]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|[+-]?[0-9]+[eE][+-]?[0-9]+")
    known = ["1.5", "-.5", "2.", ".", "1e5", "1E+5", "1e", "e5", "1.5e-3", "1e5e3", "+.e1", ""]
    _equal(_NUMBERS + known, lambda t: pattern.fullmatch(t) is not None, values._is_float)


def test_scalars_read_numbers_as_before() -> None:
    assert [values.scalar(t) for t in ("1.5", "2.0", "-3", "1e3", "07", "1.2.3", "\u0663")] == \
        [1.5, 2.0, -3, 1000.0, "07", "1.2.3", "\u0663"]


_TITLE_WORDS = ["threat", "Threat", "THREAT", "model", "MODEL", "Model", "modeling", " ", "\t", "\u3000", ":", "-",
                "\u2013", "\u2014", "x", "_", "\u00e9", "\u0663", "thr", "eat", "mod", "el", "\n"]


def test_titles() -> None:
    pattern = re.compile(r"threat\s+model\b\s*[:\-\u2013\u2014]?\s*", re.IGNORECASE)

    def want(t: str) -> int | None:
        m = pattern.match(t)
        return None if m is None else m.end()

    _equal(_texts(_TITLE_WORDS, 7, 2) + ["Threat Model: Shop", "threat  model\u2014 x", "Threat Modeling"],
           want, markdown_reader._title_end)


_LINE_PARTS = ["#", "##", "###", " ", "\t", "x", "a b", "#x", "  ", "-", "*", "+", "\u00e9", "=", "_"]
_LINES = _texts(_LINE_PARTS, 7, 3)


def test_section_headings() -> None:
    pattern = re.compile(r"[ \t]{0,3}##[ \t]+(.*?)[ \t#]*$")

    def want(t: str) -> str | None:
        m = pattern.match(t)
        return None if m is None else m.group(1)

    _equal(_LINES + ["## Servers", "   ## Data ##", "    ## x", "##", "## "], want, markdown_reader._section_heading)


def test_bullets() -> None:
    pattern = re.compile(r"[ \t]*[-*+][ \t]")
    _equal(_LINES, lambda t: pattern.match(t) is not None, markdown_reader._is_bullet)


def test_atx_headings() -> None:
    pattern = re.compile(r"#{1,6}(?:[ \t]|$)")
    _equal(_LINES + ["#", "###### x", "####### x"], lambda t: pattern.match(t) is not None, markdown_blocks._is_atx)


def test_plain_line_starts() -> None:
    """The break pattern is compiled only for lines of marks and blanks; every other line is plain."""
    pattern = re.compile(r"(?:=+|-+)[ \t]*$|(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$")
    texts = [t for t in _texts(_LINE_PARTS + ["**x**", "==", "--"], 6, 4) if t[:1] in ("=", "-", "*", "_")]

    def want(s: str) -> bool:  # _plain_start as it was, for lines that start with a mark
        if s[0] in "-*+" and (len(s) == 1 or s[1] in " \t"):
            return False  # a bullet
        return pattern.match(s) is None

    _equal(texts, want, markdown_blocks._plain_start)


def test_newlines() -> None:
    pattern = re.compile(r"\r\n?")
    texts = [t.replace("x", "\r").replace("a b", "\r\n") for t in _LINES]
    _equal(texts, lambda t: pattern.sub("\n", t), markdown_reader._normalise_newlines)


def test_technique_ids() -> None:
    pattern = re.compile(r"T\d{4}(?:\.\d{3})?")
    _equal(_texts("T0123456789.\u0663x ", 10, 5) + ["T1565", "T1565.001", "T15650", "T1565."],
           lambda t: pattern.fullmatch(t) is not None, annotations._is_technique)


_NAMES = _texts("aAbBzZ09_- .\t\u00c9\u00e9\u212a\u017f\u0663\u3000\x1c", 10, 6) + _texts("ABCDEFabcdef0_", 9, 7)
_CAMEL_1 = re.compile(r"([a-z0-9])([A-Z])")
_CAMEL_2 = re.compile(r"([A-Z]+)([A-Z][a-z])")
_NON_ALNUM = re.compile(r"[^0-9a-zA-Z]+")


def test_camel_case_joints() -> None:
    _equal(_NAMES + ["isTrusted", "HTTPPort", "credentialsLife", "ABCDeFGHij"],
           lambda t: _CAMEL_1.sub(r"\1_\2", _CAMEL_2.sub(r"\1_\2", t)), vocabulary._split_camel)


def test_words() -> None:
    _equal(_NAMES, lambda t: [w for w in _NON_ALNUM.split(t) if w], vocabulary._alnum_words)


@pytest.mark.parametrize("name", ["key", "type", "protocol", "slug", "section"])
def test_normalised_names(name: str) -> None:
    camel = re.compile(r"(?:(?<=[a-z0-9])|(?<=[A-Za-z0-9][A-Z]))(?=[A-Z][a-z]{2,})")
    spaces = re.compile(r"\s+")

    def words(t: str) -> list[str]:
        return [w for w in _NON_ALNUM.split(t) if w]

    def key(t: str) -> str:
        return _NON_ALNUM.sub("_", _CAMEL_1.sub(r"\1_\2", _CAMEL_2.sub(r"\1_\2", t.strip()))).strip("_").lower()

    def fold(t: str) -> str:
        import unicodedata

        text = unicodedata.normalize("NFKD", t).encode("ascii", "ignore").decode("ascii")
        return re.sub(r"[^0-9a-z]+", "-", text.lower()).strip("-")

    def section(t: str) -> str:
        text = t.strip().rstrip(":").replace("_", " ").replace("-", " ")
        return spaces.sub(" ", text).strip().lower()

    cases: dict[str, tuple[Callable[[str], str], Callable[[str], str]]] = {
        "key": (key, vocabulary.canonical_key),
        "type": (lambda t: "-".join(vocabulary._join_compounds(words(camel.sub("_", t.strip()).lower()))),
                 vocabulary.canonical_type),
        "protocol": (lambda t: spaces.sub(" ", t.strip()).upper(), vocabulary.canonical_protocol),
        "slug": (fold, vocabulary.slug),
        "section": (section, vocabulary._section_text),
    }
    want, got = cases[name]
    _equal(_NAMES + ["LoadBalancer", "PostgreSQL", "APIGateway", "load_balancer", "External Client 1"], want, got)


def test_entry_heads() -> None:
    pattern = re.compile(r"(?P<b>\*\*|__)(?P<name>.+?)(?P<c1>:?)(?P=b)(?P<c2>[ \t]*:)?")

    def want(t: str) -> tuple[str, str, str | None, int] | None:
        m = pattern.match(t)
        return None if m is None else (m.group("name"), m.group("c1"), m.group("c2"), m.end())

    def got(t: str) -> tuple[str, str, str | None, int] | None:
        head = markdown_reader._entry_head(t)
        return None if head is None else (head.name, head.c1, head.c2, head.end)

    parts = ["**", "__", "*", "_", ":", " ", "\t", "N", "ab", "\n", "x=1"]
    _equal(_texts(parts, 8, 8) + ["**Name**: a=1", "**Name:** a", "**N**", "**:**", "***x**", "**a:**:"], want, got)


def test_keys() -> None:
    key = re.compile(r"[A-Za-z_][A-Za-z0-9_.\-]*")
    follows = re.compile(r"\s*[A-Za-z_][A-Za-z0-9_.\-]*\s*=(?!=)")
    texts = _texts("aZ_9.-= ,\t\u3000\u00e9\"", 8, 9)

    def key_end(t: str) -> list[int]:
        return [values._key_end(t, i) for i in range(len(t) + 1)]

    def want_end(t: str) -> list[int]:
        return [m.end() if (m := key.match(t, i)) else i for i in range(len(t) + 1)]

    _equal(texts, want_end, key_end)
    _equal(texts, lambda t: [follows.match(t, i) is not None for i in range(len(t) + 1)],
           lambda t: [values._key_follows(t, i) for i in range(len(t) + 1)])


def test_bare_value_ends() -> None:
    """A bare value ends at the first top-level comma before `key=`, brackets or none."""
    stops = re.compile(r"[()\[\]{},]")
    follows = re.compile(r"\s*[A-Za-z_][A-Za-z0-9_.\-]*\s*=(?!=)")

    def want(t: str) -> list[int]:
        def end(start: int, track_depth: bool) -> int:
            depth = 0
            for m in (stops if track_depth else re.compile(",")).finditer(t, start):
                c = m.group()
                if c in "([{":
                    depth += 1
                elif c in ")]}":
                    depth = max(0, depth - 1)
                elif depth == 0 and follows.match(t, m.end()):
                    return m.start()
            if track_depth and depth > 0:
                return end(start, False)
            return len(t)

        return [end(i, d) for i in range(len(t) + 1) for d in (True, False)]

    def got(t: str) -> list[int]:
        parser = values._Parser(t, "m.md", 1, 1)
        return [parser._bare_end(i, d) for i in range(len(t) + 1) for d in (True, False)]

    _equal(_texts(["a", "b=", ", ", ",", "(", ")", "[", "]", "{", "}", " ", "==", "x y"], 9, 10), want, got)
