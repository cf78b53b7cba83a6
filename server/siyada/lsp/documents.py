"""Document lifecycle: open, change, save, close. Cheap and synchronous: the expensive
part (asking the model) is scheduled, never awaited here."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from siyada.lsp.text_sync import to_edits
from siyada.review.scheduler import Focus

if TYPE_CHECKING:
    from siyada.lsp.session import Session


def did_open(session: Session, params: types.DidOpenTextDocumentParams) -> None:
    item = params.text_document
    if session.excluded(item.uri):
        return  # the team settings' `exclude` names it: never reviewed, no diagnostics
    spec = session.track_language(item.uri, item.language_id)
    if spec is None:
        return  # a language Siyada does not review: ignored quietly
    session.feedback.refresh()  # dismissals undone or made elsewhere meanwhile
    session.scheduler.open(item.uri, spec, item.version, item.text)
    session.health.user_active()


def did_change(session: Session, params: types.DidChangeTextDocumentParams) -> None:
    received = asyncio.get_running_loop().time()
    uri = params.text_document.uri
    text = session.scheduler.text_of(uri) if session.language_of(uri) is not None else None
    if text is None:
        return
    edits = to_edits(text, params.content_changes, session.codec)
    session.scheduler.change(
        uri,
        params.text_document.version,
        edits,
        edited_line=_edited_line(params),
        received=received,
    )
    session.health.user_active()


def did_save(session: Session, params: types.DidSaveTextDocumentParams) -> None:
    uri = params.text_document.uri
    if session.language_of(uri) is not None:
        session.feedback.saved(uri, session.scheduler.text_of(uri))
        session.scheduler.save(uri)


def did_close(session: Session, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    if session.languages.pop(uri, None) is not None:
        session.scheduler.close(uri)
        session.clear(uri)


def _edited_line(params: types.DidChangeTextDocumentParams) -> int | None:
    for change in reversed(params.content_changes):
        if isinstance(change, types.TextDocumentContentChangePartial):
            return change.range.start.line
    return None


FOCUS_NOTIFICATION = "siyada/focus"


def did_focus(session: Session, params: Any) -> None:
    """`siyada/focus` {textDocument: {uri}, position?, visibleRanges?}: where the user
    is looking, so waiting reviews there go first. Malformed params are ignored."""
    focus = _focus_from(params)
    if focus is not None:
        session.scheduler.focus(focus)


def _focus_from(params: Any) -> Focus | None:
    raw = _plain(params)
    if not isinstance(raw, dict):
        return None
    document = raw.get("textDocument")
    uri = document.get("uri") if isinstance(document, dict) else None
    if not isinstance(uri, str):
        return None
    position = raw.get("position")
    line = position.get("line") if isinstance(position, dict) else None
    visible = []
    for item in raw.get("visibleRanges") or []:
        try:
            visible.append((int(item["start"]["line"]), int(item["end"]["line"])))
        except (KeyError, TypeError, ValueError):
            return None
    return Focus(uri, line if isinstance(line, int) else None, tuple(visible))


def _plain(value: Any) -> Any:
    """pygls hands unknown notifications' params over as namedtuples: make them dicts."""
    if hasattr(value, "_asdict"):
        return {key: _plain(item) for key, item in value._asdict().items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value
