"""A document's text and its syntax tree, kept in step edit by edit.

Typing changes a few characters; re-parsing a large file from scratch on every
keystroke would not keep up. Each edit is told to the old tree (`Tree.edit`) and the
new text is parsed with the old tree, so tree-sitter reuses every untouched subtree.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass

from siyada.code.languages import (
    LanguageSpec,
    Tree,
    count_syntax_errors,
    count_tree_errors,
    encode_source,
)


@dataclass(frozen=True)
class TextEdit:
    """Replace text[start:end] (code point offsets) with `new_text`."""

    start: int
    end: int
    new_text: str

    def applied_to(self, text: str) -> str:
        return text[: self.start] + self.new_text + text[self.end :]


class ParsedSource:
    """Text and tree. Edits are applied to the text and told to the tree at once; the
    re-parse waits until the tree is next read, so a burst of keystrokes costs one
    parse. `tree` is None while parsing is off (a document too large to review)."""

    def __init__(self, spec: LanguageSpec, text: str, *, parse: bool = True) -> None:
        self.spec = spec
        self.text = text
        self._source = b""
        self._tree: Tree | None = None
        self._parsing = False
        self._needs_parse = False  # edits told to the tree, not parsed yet
        self._needs_full_parse = False  # text changed in a way the tree cannot follow
        self.incremental_parses = 0
        if parse:
            self.replace_all(text)

    @property
    def tree(self) -> Tree | None:
        if not self._parsing:
            return None
        if self._needs_full_parse or self._tree is None:
            self._source = encode_source(self.text)
            self._tree = self.spec.parse(self._source)
        elif self._needs_parse:
            self._tree = self.spec.parse(self._source, old_tree=self._tree)
            self.incremental_parses += 1
        self._needs_parse = self._needs_full_parse = False
        return self._tree

    def replace_all(self, text: str) -> None:
        self.text = text
        self._parsing = True
        self._needs_full_parse = True

    def stop_parsing(self) -> None:
        self._source, self._tree, self._parsing = b"", None, False

    def apply(self, edits: Sequence[TextEdit]) -> None:
        """Apply edits in order, each against the text the previous one left."""
        # A \r changes how lines are counted (encode_source rewrites lone \r), so
        # byte positions in the text and in the parsed source differ: parse afresh.
        if (
            not self._parsing
            or self._needs_full_parse
            or "\r" in self.text
            or any("\r" in edit.new_text for edit in edits)
        ):
            for edit in edits:
                self.text = edit.applied_to(self.text)
            self._needs_full_parse = self._parsing
            return
        for edit in edits:
            self._edit_tree(edit)
        self._needs_parse = True

    def syntax_errors(self) -> int:
        tree = self.tree
        if tree is None:
            return count_syntax_errors(self.spec, self.text)
        return count_tree_errors(tree)

    def syntax_errors_after(self, edit: TextEdit) -> int:
        """Errors the document would have with `edit` applied; the document is unchanged.
        An incremental parse of a copy keeps this fast on large files."""
        tree = self.tree
        if tree is None:
            return count_syntax_errors(self.spec, edit.applied_to(self.text))
        trial = copy.copy(self)
        trial._tree = tree.copy()
        trial.apply([edit])
        trial_tree = trial.tree
        assert trial_tree is not None
        return count_tree_errors(trial_tree)

    def _edit_tree(self, edit: TextEdit) -> None:
        assert self._tree is not None
        old_source = self._source
        start_byte = _byte_length(self.text[: edit.start])
        old_end_byte = start_byte + _byte_length(self.text[edit.start : edit.end])
        inserted = edit.new_text.encode("utf-8", "surrogatepass")
        new_source = old_source[:start_byte] + inserted + old_source[old_end_byte:]
        new_end_byte = start_byte + len(inserted)
        self._tree.edit(
            start_byte=start_byte,
            old_end_byte=old_end_byte,
            new_end_byte=new_end_byte,
            start_point=_point(old_source, start_byte),
            old_end_point=_point(old_source, old_end_byte),
            new_end_point=_point(new_source, new_end_byte),
        )
        self.text = edit.applied_to(self.text)
        self._source = new_source


def _byte_length(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _point(source: bytes, offset: int) -> tuple[int, int]:
    """(row, byte column) of a byte offset, as tree-sitter counts them."""
    row = source.count(b"\n", 0, offset)
    line_start = source.rfind(b"\n", 0, offset) + 1
    return row, offset - line_start
