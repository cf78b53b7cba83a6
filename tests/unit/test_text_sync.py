from __future__ import annotations

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from siyada.code.source import TextEdit
from siyada.lsp.text_sync import offset_at, to_edits

UTF16 = PositionCodec(types.PositionEncodingKind.Utf16)
UTF8 = PositionCodec(types.PositionEncodingKind.Utf8)
TEXT = 'a = "👋"\r\nb = "\u2028x"\rc = 1\nd\x0ce\n'


def _at(line: int, character: int, codec: PositionCodec = UTF16) -> int:
    return offset_at(TEXT, types.Position(line=line, character=character), codec)


def test_lines_end_only_at_lsp_line_breaks() -> None:
    assert TEXT[_at(1, 0)] == "b"
    assert TEXT[_at(2, 0)] == "c"  # after a lone \r; \u2028 is not a line break
    assert TEXT[_at(3, 2)] == "e"  # \x0c is not a line break either
    assert _at(4, 0) == len(TEXT)


def test_characters_count_in_the_negotiated_unit() -> None:
    assert TEXT[_at(0, 7, UTF16)] == '"'  # the emoji is two UTF-16 units
    assert TEXT[_at(0, 9, UTF8)] == '"'  # and four UTF-8 bytes


def test_positions_past_the_end_clamp() -> None:
    assert _at(0, 99) == TEXT.index("\r\n")
    assert _at(99, 0) == len(TEXT)


def _change(
    line: int, start: int, end_line: int, end: int, text: str
) -> types.TextDocumentContentChangePartial:
    return types.TextDocumentContentChangePartial(
        range=types.Range(
            start=types.Position(line=line, character=start),
            end=types.Position(line=end_line, character=end),
        ),
        text=text,
    )


def test_changes_apply_in_order() -> None:
    edits = to_edits("ab\ncd\n", [_change(0, 1, 1, 1, "X"), _change(0, 0, 0, 0, "0")], UTF16)
    text = "ab\ncd\n"
    for edit in edits:
        text = edit.applied_to(text)
    assert text == "0aXd\n"


def test_a_whole_document_change_replaces_the_text() -> None:
    edits = to_edits(
        "old",
        [
            _change(0, 0, 0, 1, "x"),
            types.TextDocumentContentChangeWholeDocument(text="new\n"),
            _change(1, 0, 1, 0, "more"),
        ],
        UTF16,
    )
    text = "old"
    for edit in edits:
        text = edit.applied_to(text)
    assert text == "new\nmore"


def test_case3_a_whole_document_change_becomes_the_edit_it_made() -> None:
    before = "def a():\n    return 1\n\n\ndef b():\n    return 2\n"
    after = before.replace("return 2", "return 20")
    edits = to_edits(before, [types.TextDocumentContentChangeWholeDocument(text=after)], UTF16)
    at = before.index("2\n")
    assert edits == [TextEdit(at + 1, at + 1, "0")]
