"""Counts in messages, pluralised once: `plural(1, "threat")` -> "1 threat", `plural(2, "entry",
"entries")` -> "2 entries"."""

from __future__ import annotations

__all__ = ["plural"]


def plural(count: int, singular: str, many: str | None = None) -> str:
    return f"{count} {singular if count == 1 else (many or singular + 's')}"
