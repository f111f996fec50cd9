"""Line access for the explainers: 1-based lines, indentation, and which lines hold content."""

from __future__ import annotations

__all__ = ["Source"]


class Source:
    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def __len__(self) -> int:
        return len(self.lines)

    def line(self, number: int) -> str:
        return self.lines[number - 1] if 1 <= number <= len(self.lines) else ""

    def indent(self, number: int) -> int:
        text = self.line(number)
        return len(text) - len(text.lstrip(" "))

    def is_content(self, number: int, comment: str = "#") -> bool:
        stripped = self.line(number).strip()
        return bool(stripped) and not stripped.startswith(comment)

    def previous_content(self, number: int, comment: str = "#") -> int | None:
        for n in range(min(number, len(self.lines) + 1) - 1, 0, -1):
            if self.is_content(n, comment):
                return n
        return None

    def clamp(self, line: int, col: int) -> tuple[int, int]:
        """A position inside the text (1-based): parsers report end of input one line past it."""
        if not self.lines:
            return 1, 1
        if line > len(self.lines):
            line = len(self.lines)
            col = len(self.line(line)) + 1
        line = max(1, line)
        return line, max(1, min(col, len(self.line(line)) + 1))
