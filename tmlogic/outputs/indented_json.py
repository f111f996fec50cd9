"""Indented JSON text, the bytes of `json.dumps(value, indent=2, ensure_ascii=False)`, faster.

With an indent, Python's json module encodes in pure Python, through a chain of generators that
yields every token; only compact output runs in C. The STIX bundle, the GitLab SAST report and the
Navigator layer are written indented (people read them; their formats' own tools do), and on
SecOpsTM's DMZ model their encoding was a third of what those renderers cost. This writes the same
text with one recursive walk that appends to a list, encoding each string with the json module's
own C function (`encode_basestring`), so strings, numbers and layout are exactly json.dumps's.
"""

from __future__ import annotations

from json.encoder import encode_basestring

from ..typing_runtime import Any

__all__ = ["dumps_indented"]

_INDENT = 2
_MAX_PAD = 64
# "\n" and the indent of each nesting level, made once
_PADS = ["\n" + " " * (_INDENT * level) for level in range(_MAX_PAD)]


def _pad(level: int) -> str:
    return _PADS[level] if level < _MAX_PAD else "\n" + " " * (_INDENT * level)


def _float(value: float) -> str:
    # json's float text: repr, and its names for the values JSON has no literal for
    if value != value:
        return "NaN"
    if value == float("inf"):
        return "Infinity"
    if value == float("-inf"):
        return "-Infinity"
    return float.__repr__(value)


def _key(key: object) -> str:
    """A dictionary key as json.dumps writes it (keys are strings in JSON)."""
    if isinstance(key, str):
        return encode_basestring(key)
    if key is True:
        return '"true"'
    if key is False:
        return '"false"'
    if key is None:
        return '"null"'
    if isinstance(key, int):
        return '"' + int.__repr__(key) + '"'
    if isinstance(key, float):
        return '"' + _float(key) + '"'
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _scalar(value: object) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return encode_basestring(value)
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, float):
        return _float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _walk(value: Any, level: int, out: list[str]) -> None:
    # exact types first: they are nearly every value; subclasses take the isinstance path below
    kind = type(value)
    if kind is str:
        out.append(encode_basestring(value))
    elif kind is dict or (kind is not list and isinstance(value, dict)):
        if not value:
            out.append("{}")
            return
        inner = _pad(level + 1)
        opening = "{" + inner
        between = "," + inner
        first = True
        for key, item in value.items():
            name = encode_basestring(key) if type(key) is str else _key(key)
            out.append((opening if first else between) + name + ": ")
            first = False
            if type(item) is str:
                out.append(encode_basestring(item))
            else:
                _walk(item, level + 1, out)
        out.append(_pad(level) + "}")
    elif kind is list or kind is tuple or isinstance(value, (list, tuple)):
        if not value:
            out.append("[]")
            return
        inner = _pad(level + 1)
        opening = "[" + inner
        between = "," + inner
        first = True
        for item in value:
            out.append(opening if first else between)
            first = False
            if type(item) is str:
                out.append(encode_basestring(item))
            else:
                _walk(item, level + 1, out)
        out.append(_pad(level) + "]")
    else:
        out.append(_scalar(value))


def dumps_indented(value: Any) -> str:
    """`json.dumps(value, indent=2, ensure_ascii=False)`: the same text (tests compare them)."""
    out: list[str] = []
    _walk(value, 0, out)
    return "".join(out)

