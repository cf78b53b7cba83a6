"""Text of byte ranges of a parsed file, as it reads in the file: with the indentation
of its first line, or dedented."""

from __future__ import annotations

import textwrap

from siyada.code.languages import Node

__all__ = ["Snippets"]


class Snippets:
    """Slices of `source`, the bytes a tree was parsed from."""

    def __init__(self, source: bytes) -> None:
        self.source = source

    def text(self, node: Node) -> str:
        return self.source[node.start_byte : node.end_byte].decode("utf-8", "replace")

    def indented(self, start: int, end: int) -> str:
        """Bytes start..end, after the indentation of their first line."""
        line_start = self.source.rfind(b"\n", 0, start) + 1
        indent = self.source[line_start:start]
        text = self.source[start:end].decode("utf-8", "replace").rstrip()
        return (indent.decode("utf-8", "replace") if not indent.strip() else "") + text

    def lines(self, start: int, end: int) -> str:
        """Bytes start..end, dedented."""
        return textwrap.dedent(self.indented(start, end)).strip("\n")
