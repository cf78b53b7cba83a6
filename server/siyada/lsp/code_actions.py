"""textDocument/codeAction: the quick fix and the "Ignore" action of a Siyada diagnostic.

Both carry their edit; nothing is applied unless the user picks the action. Actions are
offered only for a diagnostic whose `data` the server published for this document (the
client sends it back and may have forged it), that belongs to the current document
version, and whose evidence lines are still there. A quick fix also needs to be the one
Siyada placed, provably local to its function (`siyada.code.fixes`), and the document
must parse no worse after the change.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from lsprotocol import types

from siyada.code.fixes import fix_is_local
from siyada.code.languages import LanguageSpec
from siyada.code.source import TextEdit
from siyada.code.suppressions import ignore_comment
from siyada.code.text import LINE_BREAK, split_lines
from siyada.lsp.protocol import SOURCE, FixData, finding_title, line_range
from siyada.lsp.text_sync import offset_at
from siyada.review.scheduler import DocumentSnapshot

if TYPE_CHECKING:
    from siyada.lsp.session import Session

log = logging.getLogger(__name__)


def code_actions(session: Session, params: types.CodeActionParams) -> list[types.CodeAction] | None:
    uri = params.text_document.uri
    spec = session.language_of(uri)
    if spec is None:
        return None
    snapshot = session.scheduler.snapshot(uri)
    if snapshot is None:
        return None
    actions: list[types.CodeAction] = []
    for diagnostic in params.context.diagnostics:
        if diagnostic.source != SOURCE:
            continue
        fix = FixData.from_json(diagnostic.data)
        if fix is None or not session.published.includes(uri, fix):
            log.debug("No action for a diagnostic Siyada did not publish for %s", uri)
            continue
        if not _still_applies(fix, snapshot.version, snapshot.lines):
            continue
        edit_for = _EditBuilder(session, uri, snapshot.version, snapshot.text)
        quick_fix = _quick_fix(spec, snapshot, fix, diagnostic, edit_for)
        if quick_fix is not None:
            actions.append(quick_fix)
        actions.append(_ignore_action(spec, fix, diagnostic, edit_for))
    return actions


def _still_applies(fix: FixData, version: int | None, lines: list[str]) -> bool:
    if fix.version is not None and version is not None and fix.version != version:
        return False
    if fix.end_line >= len(lines):
        return False
    return tuple(lines[fix.start_line : fix.end_line + 1]) == fix.evidence_lines


class _EditBuilder:
    """Builds workspace edits the way this client accepts them (versioned when it can)."""

    def __init__(self, session: Session, uri: str, version: int | None, text: str) -> None:
        self.session, self.uri, self.version, self.text = session, uri, version, text
        self.lines = split_lines(text)
        match = LINE_BREAK.search(text)
        self.eol = match.group(0) if match else "\n"

    def offset_of_line(self, line: int) -> int:
        return offset_at(self.text, types.Position(line=line, character=0), self.session.codec)

    def replace(self, start: int, end: int, new_text: str) -> types.WorkspaceEdit:
        edit = types.TextEdit(
            range=line_range(self.lines, start, end, self.session.codec), new_text=new_text
        )
        return self._wrap(edit)

    def insert_line_before(self, line: int, new_line: str) -> types.WorkspaceEdit:
        position = types.Position(line=line, character=0)
        edit = types.TextEdit(
            range=types.Range(start=position, end=position), new_text=new_line + self.eol
        )
        return self._wrap(edit)

    def _wrap(self, edit: types.TextEdit) -> types.WorkspaceEdit:
        if self.session.client_flags.versioned_edits:
            identifier = types.OptionalVersionedTextDocumentIdentifier(
                uri=self.uri, version=self.version
            )
            return types.WorkspaceEdit(
                document_changes=[types.TextDocumentEdit(text_document=identifier, edits=[edit])]
            )
        return types.WorkspaceEdit(changes={self.uri: [edit]})


def _quick_fix(
    spec: LanguageSpec,
    snapshot: DocumentSnapshot,
    fix: FixData,
    diagnostic: types.Diagnostic,
    edit_for: _EditBuilder,
) -> types.CodeAction | None:
    if fix.replacement is None or not _is_local(spec, snapshot, fix):
        return None
    source = snapshot.source
    replacement = edit_for.eol.join(fix.replacement.split("\n"))
    trial = TextEdit(
        edit_for.offset_of_line(fix.start_line),
        edit_for.offset_of_line(fix.end_line) + len(edit_for.lines[fix.end_line]),
        replacement,
    )
    if source.syntax_errors_after(trial) > source.syntax_errors():
        return None
    title = finding_title(diagnostic)
    return types.CodeAction(
        title=f"Siyada: {title}",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        is_preferred=True,
        edit=edit_for.replace(fix.start_line, fix.end_line, replacement),
    )


def _is_local(spec: LanguageSpec, snapshot: DocumentSnapshot, fix: FixData) -> bool:
    """The fix is the one Siyada placed for this finding, and is still provably local to
    its function in the document as it is now."""
    stored = next(
        (
            placed
            for placed in snapshot.findings
            if (placed.start_line, placed.end_line) == (fix.start_line, fix.end_line)
            and placed.finding.replacement == fix.replacement
        ),
        None,
    )
    if stored is None or fix.replacement is None:
        return False
    return fix_is_local(
        spec,
        snapshot.text,
        stored.unit,
        fix.start_line,
        fix.end_line,
        fix.replacement,
        snapshot.source.tree,
    )


def _ignore_action(
    spec: LanguageSpec, fix: FixData, diagnostic: types.Diagnostic, edit_for: _EditBuilder
) -> types.CodeAction:
    first = edit_for.lines[fix.start_line]
    indent = first[: len(first) - len(first.lstrip())]
    comment = indent + ignore_comment(spec, fix.category)
    return types.CodeAction(
        title=f"Siyada: ignore this {fix.category} finding",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        is_preferred=False,
        edit=edit_for.insert_line_before(fix.start_line, comment),
    )
