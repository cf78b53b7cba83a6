"""Workspace edits the way the client accepts them: versioned when it can, and a change
the user confirms in a preview when it supports change annotations. Shared by the quick
fixes (lsp/code_actions.py) and the code an answer proposes (lsp/ask.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from lsprotocol import types

from siyada.code.source import ParsedSource, TextEdit
from siyada.code.text import line_break_of, split_lines
from siyada.i18n import _
from siyada.lsp.protocol import line_range
from siyada.lsp.text_sync import offset_at

if TYPE_CHECKING:
    from siyada.lsp.session import Session

# The change annotation of a quick fix the user confirms in a preview.
FIX_ANNOTATION = "siyada.fix"


class EditBuilder:
    """Builds workspace edits the way this client accepts them (versioned when it can)."""

    def __init__(self, session: Session, uri: str, version: int | None, text: str) -> None:
        self.session, self.uri, self.version, self.text = session, uri, version, text
        self.lines = split_lines(text)
        self.eol = line_break_of(text)

    def offset_of_line(self, line: int) -> int:
        return offset_at(self.text, types.Position(line=line, character=0), self.session.codec)

    def replace(
        self, start: int, end: int, new_text: str, *, confirm: str | None = None
    ) -> types.WorkspaceEdit:
        """Lines start..end replaced by `new_text`. With `confirm` (what the change does)
        and a client that supports it, the edit needs the user's confirmation: VS Code
        shows it in its refactor preview first."""
        text_range = line_range(self.lines, start, end, self.session.codec)
        flags = self.session.client_flags
        if confirm is None or not (flags.change_annotations and flags.versioned_edits):
            return self._wrap(types.TextEdit(range=text_range, new_text=new_text))
        edit = types.AnnotatedTextEdit(
            range=text_range, new_text=new_text, annotation_id=FIX_ANNOTATION
        )
        annotation = types.ChangeAnnotation(
            label=confirm, needs_confirmation=True, description=_("Siyada quick fix")
        )
        return types.WorkspaceEdit(
            document_changes=[
                types.TextDocumentEdit(text_document=self._identifier(), edits=[edit])
            ],
            change_annotations={FIX_ANNOTATION: annotation},
        )

    def parses_no_worse(self, source: ParsedSource, start: int, end: int, replacement: str) -> bool:
        """Whether the document parses no worse with lines start..end replaced by
        `replacement` (written with the document's line breaks)."""
        trial = TextEdit(
            self.offset_of_line(start),
            self.offset_of_line(end) + len(self.lines[end]),
            replacement,
        )
        return source.syntax_errors_after(trial) <= source.syntax_errors()

    def insert_lines_before(self, line: int, new_lines: Sequence[str]) -> types.WorkspaceEdit:
        """`new_lines` inserted before `line`, or after the last line when `line` is
        past it (a position past the document is not for every client to clamp)."""
        if line < len(self.lines):
            position = types.Position(line=line, character=0)
            new_text = "".join(new_line + self.eol for new_line in new_lines)
        else:
            last = len(self.lines) - 1
            position = line_range(self.lines, last, last, self.session.codec).end
            new_text = "".join(self.eol + new_line for new_line in new_lines)
        edit = types.TextEdit(range=types.Range(start=position, end=position), new_text=new_text)
        return self._wrap(edit)

    def _identifier(self) -> types.OptionalVersionedTextDocumentIdentifier:
        return types.OptionalVersionedTextDocumentIdentifier(uri=self.uri, version=self.version)

    def _wrap(self, edit: types.TextEdit) -> types.WorkspaceEdit:
        if self.session.client_flags.versioned_edits:
            return types.WorkspaceEdit(
                document_changes=[
                    types.TextDocumentEdit(text_document=self._identifier(), edits=[edit])
                ]
            )
        return types.WorkspaceEdit(changes={self.uri: [edit]})
