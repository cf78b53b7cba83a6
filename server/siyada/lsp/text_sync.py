"""LSP content changes → edits in code points, with the LSP's own idea of a line.

Siyada keeps document text itself rather than through pygls' workspace: LSP lines end
only at \\n, \\r\\n or \\r (Python's `splitlines` also splits at \\x0c, \\u2028 and
others, which would misplace every later position), and one copy of a large file is
enough.
"""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from siyada.code.source import TextEdit, edit_between
from siyada.code.text import LINE_BREAK


def to_edits(
    text: str,
    changes: Sequence[types.TextDocumentContentChangeEvent],
    codec: PositionCodec,
) -> list[TextEdit]:
    """The edits to apply in order. A change that replaces the whole document becomes
    the one edit between the text before and after it (`edit_between`), so a client
    that sends every change as the whole document still costs an incremental parse."""
    edits: list[TextEdit] = []
    for change in changes:
        if isinstance(change, types.TextDocumentContentChangeWholeDocument):
            edit = edit_between(text, change.text)
        else:
            edit = TextEdit(
                offset_at(text, change.range.start, codec),
                offset_at(text, change.range.end, codec),
                change.text,
            )
            if edit.end < edit.start:
                edit = TextEdit(edit.end, edit.start, edit.new_text)
        text = edit.applied_to(text)
        edits.append(edit)
    return edits


def offset_at(text: str, position: types.Position, codec: PositionCodec) -> int:
    """Code point offset of an LSP position; past the end of a line or file clamps."""
    line_start = _line_start(text, position.line)
    if line_start is None:
        return len(text)
    match = LINE_BREAK.search(text, line_start)
    line_end = match.start() if match else len(text)
    units = 0
    for index in range(line_start, line_end):
        if units >= position.character:
            return index
        units += codec.client_num_units(text[index])
    return line_end


def _line_start(text: str, line: int) -> int | None:
    if line == 0:
        return 0
    for count, match in enumerate(LINE_BREAK.finditer(text), start=1):
        if count == line:
            return match.end()
    return None
