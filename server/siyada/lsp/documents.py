"""Document lifecycle: open, change, save, close. Cheap and synchronous: the expensive
part (asking the model) is scheduled, never awaited here."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from siyada.lsp.text_sync import to_edits
from siyada.review.scheduler import Focus

if TYPE_CHECKING:
    from siyada.lsp.server import SiyadaServer


def register(server: SiyadaServer) -> None:
    server.feature(types.TEXT_DOCUMENT_DID_OPEN)(did_open)
    server.feature(types.TEXT_DOCUMENT_DID_CHANGE)(did_change)
    server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))(did_save)
    server.feature(types.TEXT_DOCUMENT_DID_CLOSE)(did_close)
    server.feature(FOCUS_NOTIFICATION)(did_focus)


def did_open(ls: SiyadaServer, params: types.DidOpenTextDocumentParams) -> None:
    item = params.text_document
    spec = ls.track_language(item.uri, item.language_id)
    if spec is None:
        return  # a language Siyada does not review: ignored quietly
    ls.scheduler.open(item.uri, spec, item.version, item.text)


def did_change(ls: SiyadaServer, params: types.DidChangeTextDocumentParams) -> None:
    received = asyncio.get_running_loop().time()
    uri = params.text_document.uri
    text = ls.scheduler.text_of(uri) if ls.language_of(uri) is not None else None
    if text is None:
        return
    edits = to_edits(text, params.content_changes, ls.codec)
    ls.scheduler.change(
        uri,
        params.text_document.version,
        edits,
        edited_line=_edited_line(params),
        received=received,
    )


def did_save(ls: SiyadaServer, params: types.DidSaveTextDocumentParams) -> None:
    if ls.language_of(params.text_document.uri) is not None:
        ls.scheduler.save(params.text_document.uri)


def did_close(ls: SiyadaServer, params: types.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    if ls.languages.pop(uri, None) is not None:
        ls.scheduler.close(uri)
        ls.clear(uri)


def _edited_line(params: types.DidChangeTextDocumentParams) -> int | None:
    for change in reversed(params.content_changes):
        if isinstance(change, types.TextDocumentContentChangePartial):
            return change.range.start.line
    return None


FOCUS_NOTIFICATION = "siyada/focus"


def did_focus(ls: SiyadaServer, params: Any) -> None:
    """`siyada/focus` {textDocument: {uri}, position?, visibleRanges?}: where the user
    is looking, so waiting reviews there go first. Malformed params are ignored."""
    focus = _focus_from(params)
    if focus is not None:
        ls.scheduler.focus(focus)


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
