"""tmlogic/lazy.py: patterns compiled on first use behave as compiled ones."""

from __future__ import annotations

import copy
import re

import pytest

from tmlogic import lazy
from tmlogic.lazy import lazy_pattern


def test_a_lazy_pattern_compiles_on_first_use_only(monkeypatch: pytest.MonkeyPatch) -> None:
    compiled: list[tuple[str, int]] = []
    real = re.compile

    def counting(pattern: str, flags: int = 0) -> re.Pattern[str]:
        compiled.append((pattern, flags))
        return real(pattern, flags)

    monkeypatch.setattr(lazy.re, "compile", counting)
    pattern = lazy_pattern(r"^CWE-(\d+)$", re.IGNORECASE)
    assert compiled == []
    match = pattern.match("cwe-79")
    assert match is not None and match.group(1) == "79"
    assert compiled == [(r"^CWE-(\d+)$", re.IGNORECASE)]
    assert pattern.match("CWE-x") is None
    assert compiled == [(r"^CWE-(\d+)$", re.IGNORECASE)]  # the method is kept: no second compile


@pytest.mark.parametrize("source, flags, text", [
    (r"(?<![\w`])([@#%~])(?=[\w-])|\b(GH)(?=-\d)", re.IGNORECASE, "ping @team about gh-12 and #4"),
    ("[\r\n\x85\u2028\u2029]", 0, "a\r\nb\u2028c"),
    (r"[-_ ]?v?\d+[a-z]?$", re.I, "SNMPv3"),
])
def test_a_lazy_pattern_answers_as_the_compiled_one(source: str, flags: int, text: str) -> None:
    lazy_one, real = lazy_pattern(source, flags), re.compile(source, flags)
    assert lazy_one.sub("_", text) == real.sub("_", text)
    assert [m.span() for m in lazy_one.finditer(text)] == [m.span() for m in real.finditer(text)]
    assert bool(lazy_one.search(text)) == bool(real.search(text))
    assert (lazy_one.pattern, lazy_one.flags) == (real.pattern, real.flags)


def test_an_unknown_attribute_is_an_attribute_error_and_a_copy_works() -> None:
    pattern = lazy_pattern(r"a+")
    with pytest.raises(AttributeError):
        pattern.no_such_method  # noqa: B018
    twin = copy.copy(pattern)
    assert twin.fullmatch("aaa") is not None
