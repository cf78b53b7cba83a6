"""textDocument/codeAction: the quick fix, the "Ignore" actions and "Ask about this
finding" of a Siyada diagnostic.

Each but the last carries its edit; nothing is applied unless the user picks the action.
"Ask about this finding" carries no edit, only the command `siyada.askAboutFinding`
with the document's URI and the diagnostic's data: a client command (VS Code opens its
chat panel) that other editors may map to `siyada.ask` (lsp/ask.py). Actions are
offered only for a diagnostic whose `data` the server published for this document (the
client sends it back and may have forged it), that belongs to the current document
version, and whose evidence lines are still there. A quick fix also needs to be the one
Siyada placed, provably local to its function (`siyada.code.fixes`), and the document
must parse no worse after the change. Its title names the change and any import it
needs that the file lacks (`siyada.code.missing_names`); a fix over more than one line
is marked as needing confirmation, so a client that supports change annotations (VS
Code) shows it in its refactor preview before applying it. Titles and the preview's
description are in the user's language (lsp/action_titles.py, siyada.i18n).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from lsprotocol import types

from siyada.code.fixes import fix_is_local
from siyada.code.languages import LanguageSpec
from siyada.code.missing_names import imports_needed
from siyada.code.suppressions import ignore_comment, ignore_file_insertion
from siyada.lsp.action_titles import ask_title, fix_title, ignore_file_title, ignore_title
from siyada.lsp.edits import EditBuilder
from siyada.lsp.protocol import SOURCE, FixData
from siyada.review.placement import PlacedFinding
from siyada.review.scheduler import DocumentSnapshot

if TYPE_CHECKING:
    from siyada.lsp.session import Session

log = logging.getLogger(__name__)

# A client command (VS Code's chat panel); other editors may map it to `siyada.ask`.
ASK_ABOUT_FINDING = "siyada.askAboutFinding"


def code_actions(session: Session, params: types.CodeActionParams) -> list[types.CodeAction] | None:
    uri = params.text_document.uri
    spec = session.language_of(uri)
    if spec is None:
        return None
    snapshot = session.scheduler.snapshot(uri)
    if snapshot is None:
        return None
    actions: list[types.CodeAction] = []
    answered: list[types.Diagnostic] = []
    edit_for: EditBuilder | None = None  # built once, when a finding needs it
    for diagnostic in params.context.diagnostics:
        if diagnostic.source != SOURCE:
            continue
        fix = FixData.from_json(diagnostic.data)
        if fix is None or not session.published.includes(uri, fix):
            log.debug("No action for a diagnostic Siyada did not publish for %s", uri)
            continue
        if not _still_applies(fix, snapshot.version, snapshot.lines):
            continue
        edit_for = edit_for or EditBuilder(session, uri, snapshot.version, snapshot.text)
        quick_fix = _quick_fix(spec, snapshot, fix, diagnostic, edit_for)
        if quick_fix is not None:
            actions.append(quick_fix)
        actions.append(_ignore_action(spec, fix, diagnostic, edit_for))
        actions.append(_ask_action(uri, diagnostic))
        answered.append(diagnostic)
    if edit_for is not None:  # one "Ignore in this file" however many findings it answers
        actions.append(_ignore_file_action(spec, answered, edit_for))
    return actions


def _still_applies(fix: FixData, version: int | None, lines: list[str]) -> bool:
    if fix.version is not None and version is not None and fix.version != version:
        return False
    if fix.end_line >= len(lines):
        return False
    return tuple(lines[fix.start_line : fix.end_line + 1]) == fix.evidence_lines


def _quick_fix(
    spec: LanguageSpec,
    snapshot: DocumentSnapshot,
    fix: FixData,
    diagnostic: types.Diagnostic,
    edit_for: EditBuilder,
) -> types.CodeAction | None:
    stored = _local_fix(spec, snapshot, fix)
    if stored is None or fix.replacement is None:
        return None
    source = snapshot.source
    new_lines = fix.replacement.split("\n")
    replacement = edit_for.eol.join(new_lines)
    if not edit_for.parses_no_worse(source, fix.start_line, fix.end_line, replacement):
        return None
    title = fix_title(
        model_title=stored.finding.fix_title,
        problem_title=stored.finding.title,
        old_lines=fix.evidence_lines,
        new_lines=new_lines,
        needed_imports=imports_needed(
            spec, snapshot.text, fix.start_line, fix.end_line, fix.replacement, source.tree
        ),
    )
    multi_line = len(new_lines) > 1 or fix.end_line > fix.start_line
    return types.CodeAction(
        title=title,
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        is_preferred=True,
        edit=edit_for.replace(
            fix.start_line, fix.end_line, replacement, confirm=title if multi_line else None
        ),
    )


def _local_fix(
    spec: LanguageSpec, snapshot: DocumentSnapshot, fix: FixData
) -> PlacedFinding | None:
    """The finding Siyada placed with this fix, when the fix is still provably local to
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
        return None
    local = fix_is_local(
        spec,
        snapshot.text,
        stored.unit,
        fix.start_line,
        fix.end_line,
        fix.replacement,
        snapshot.source.tree,
    )
    return stored if local else None


def _ignore_action(
    spec: LanguageSpec, fix: FixData, diagnostic: types.Diagnostic, edit_for: EditBuilder
) -> types.CodeAction:
    first = edit_for.lines[fix.start_line]
    indent = first[: len(first) - len(first.lstrip())]
    comment = indent + ignore_comment(spec, fix.category)
    return types.CodeAction(
        title=ignore_title(fix.category),
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        is_preferred=False,
        edit=edit_for.insert_lines_before(fix.start_line, [comment]),
    )


def _ask_action(uri: str, diagnostic: types.Diagnostic) -> types.CodeAction:
    title = ask_title()
    return types.CodeAction(
        title=title,
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diagnostic],
        is_preferred=False,
        command=types.Command(
            title=title, command=ASK_ABOUT_FINDING, arguments=[uri, diagnostic.data]
        ),
    )


def _ignore_file_action(
    spec: LanguageSpec, diagnostics: list[types.Diagnostic], edit_for: EditBuilder
) -> types.CodeAction:
    insertion = ignore_file_insertion(spec, edit_for.lines)
    return types.CodeAction(
        title=ignore_file_title(),
        kind=types.CodeActionKind.QuickFix,
        diagnostics=diagnostics,
        is_preferred=False,
        edit=edit_for.insert_lines_before(insertion.line, insertion.lines),
    )
