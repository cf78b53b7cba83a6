"""Quick fixes are safe: versioned, confined to their function, refused when stale, never
applied behind the user's back, and exact for every kind of text an editor holds."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.conftest import (
    change_document,
    code_actions,
    finding,
    initialize,
    open_document,
    wait_for_diagnostics,
    wait_for_idle,
)
from tests.model_server import OllamaDouble

_LINE_BREAK = re.compile(r"\r\n|\r|\n")

THREE = (
    "def first(a):\n    return a + 1\n\n\n"
    "def load(path):\n    f = open(path)\n    data = f.read()\n    return data\n\n\n"
    "def last(b):\n    return b - 1\n"
)
LOAD_LINES = (4, 7)  # `load` spans these lines (0-based, inclusive)
EVIDENCE = "    f = open(path)\n    data = f.read()"
REPLACEMENT = "    with open(path) as f:\n        data = f.read()"


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Answers remembered on disk by earlier runs must not stand in for the model."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


def _record_apply_edit(client: LanguageClient) -> list[Any]:
    """The server must never apply an edit itself: record any attempt (and refuse it)."""
    calls: list[Any] = []

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def _apply_edit(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        calls.append(params)
        return types.ApplyWorkspaceEditResult(applied=False, failure_reason="test client")

    return calls


def _quick_fix(actions: list[types.CodeAction]) -> types.CodeAction:
    (fix,) = [a for a in actions if a.is_preferred]
    return fix


def _document_edit(action: types.CodeAction, uri: str) -> types.TextDocumentEdit:
    """The action's only change: one text edit of this document, carried, not commanded;
    an annotated edit (a fix over several lines, previewed) needs confirmation."""
    # A fix is an edit the editor applies; its only command records, once it is applied,
    # that it was (the server writes nothing then: see `_record_apply_edit`).
    command = action.command
    assert command is None or command.command == "siyada.recordFeedback", command
    assert action.edit is not None and action.edit.changes is None
    changes = action.edit.document_changes
    assert changes is not None and len(changes) == 1
    (change,) = changes
    assert isinstance(change, types.TextDocumentEdit)
    assert change.text_document.uri == uri
    (edit,) = change.edits
    assert isinstance(edit, types.TextEdit | types.AnnotatedTextEdit)
    if isinstance(edit, types.AnnotatedTextEdit):
        annotations = action.edit.change_annotations
        assert annotations is not None and annotations[edit.annotation_id].needs_confirmation
    return change


def _utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _offset(text: str, position: types.Position) -> int:
    """The code point offset of an LSP (UTF-16) position; strict: no clamping."""
    starts = [0] + [m.end() for m in _LINE_BREAK.finditer(text)]
    assert position.line < len(starts), f"line {position.line} is past the end"
    start = starts[position.line]
    found = _LINE_BREAK.search(text, start)
    line = text[start : found.start() if found else len(text)]
    units = 0
    for index, char in enumerate(line):
        if units == position.character:
            return start + index
        units += _utf16_units(char)
        assert units <= position.character, f"{position} splits a surrogate pair"
    assert units == position.character, f"{position} is past the end of {line!r}"
    return start + len(line)


def _apply(text: str, edit: types.TextEdit | types.AnnotatedTextEdit) -> str:
    start, end = _offset(text, edit.range.start), _offset(text, edit.range.end)
    assert start <= end
    return text[:start] + edit.new_text + text[end:]


# ----- versioned, inside the function, refused when stale ----------------------------------


async def test_quick_fix_is_a_versioned_edit_inside_its_function(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("def load", content={"findings": [finding(EVIDENCE, replacement=REPLACEMENT)]})
    await initialize(client, endpoint=double.url)
    uri = open_document(client, tmp_path / "m.py", THREE)
    await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)
    # Another function is edited: the finding of `load` stays, for document version 7.
    edited = THREE.replace("return b - 1", "return b - 2")
    change_document(client, uri, 7, edited)
    (diagnostic,) = await wait_for_diagnostics(
        client, uri, lambda d: len(d) == 1 and d[0].data["version"] == 7
    )

    change = _document_edit(_quick_fix(await code_actions(client, uri, diagnostic)), uri)

    assert change.text_document.version == 7
    (edit,) = change.edits
    assert LOAD_LINES[0] <= edit.range.start.line <= edit.range.end.line <= LOAD_LINES[1]
    assert _apply(edited, edit) == edited.replace(EVIDENCE, REPLACEMENT)
    await wait_for_idle(client)


async def test_finding_quoting_code_outside_its_function_is_dropped(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    # The answer about `load` quotes (and would rewrite) a line of `last`.
    outside = finding("    return b - 1", replacement="    return 0", title="Outside")
    double.add_rule("def load", content={"findings": [outside]})
    await initialize(client, endpoint=double.url)
    uri = open_document(client, tmp_path / "m.py", THREE)

    await double.wait_for_async(lambda: len(double.chat_requests) == 3)
    await wait_for_idle(client)

    assert list(client.diagnostics.get(uri, ())) == []


async def test_fix_for_a_changed_document_is_refused(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("def load", content={"findings": [finding(EVIDENCE, replacement=REPLACEMENT)]})
    await initialize(client, endpoint=double.url, triggers={"onType": False})
    uri = open_document(client, tmp_path / "m.py", THREE)
    (old,) = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)
    assert _quick_fix(await code_actions(client, uri, old))

    # Lines are inserted above `load`: the version-1 diagnostic points at the wrong lines.
    moved = "import os\nimport sys\n" + THREE
    change_document(client, uri, 2, moved)
    (current,) = await wait_for_diagnostics(
        client, uri, lambda d: len(d) == 1 and d[0].data["version"] == 2
    )

    assert await code_actions(client, uri, old) == []
    # Claiming the current version does not help when the evidence is not at those lines.
    forged = types.Diagnostic(
        range=old.range,
        message=old.message,
        source=old.source,
        code=old.code,
        data={**old.data, "version": 2},
    )
    assert await code_actions(client, uri, forged) == []
    # The diagnostic for the current version still offers its fix.
    change = _document_edit(_quick_fix(await code_actions(client, uri, current)), uri)
    assert change.text_document.version == 2
    assert _apply(moved, change.edits[0]) == moved.replace(EVIDENCE, REPLACEMENT)

    # The evidence itself is edited: nothing is offered for the old finding.
    rewritten = moved.replace("data = f.read()", "data = f.read(10)")
    change_document(client, uri, 3, rewritten)
    await wait_for_diagnostics(client, uri, lambda d: len(d) == 0)
    assert await code_actions(client, uri, current) == []


async def test_fixes_are_never_applied_without_the_user(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    applied = _record_apply_edit(client)
    double.add_rule("def load", content={"findings": [finding(EVIDENCE, replacement=REPLACEMENT)]})
    await initialize(client, endpoint=double.url)
    path = tmp_path / "m.py"
    path.write_text(THREE)
    uri = open_document(client, path, THREE)
    (diagnostic,) = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)

    actions = await code_actions(client, uri, diagnostic)
    for action in actions:
        if action.title in ("Siyada: Dismiss this finding", "Siyada: Ask about this finding"):
            assert action.edit is None  # it edits nothing
        else:
            _document_edit(action, uri)  # each carries its edit; none runs an edit command
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="siyada.reviewFile", arguments=[uri])
    )
    await wait_for_idle(client)

    assert applied == []
    assert path.read_text() == THREE


# ----- exact round trips ----------------------------------------------------------------------

# (source, evidence, replacement from the model, expected document after the quick fix)
ROUND_TRIPS = {
    "lf": (
        "def load(path):\n    f = open(path)\n    return f.read()\n\n\ndef other():\n    pass\n",
        "    f = open(path)\n    return f.read()",
        "    with open(path) as f:\n        return f.read()",
        "def load(path):\n    with open(path) as f:\n        return f.read()\n\n\n"
        "def other():\n    pass\n",
    ),
    "crlf": (
        "def load(path):\r\n    f = open(path)\r\n    return f.read()\r\n\r\n\r\n"
        "def other():\r\n    pass\r\n",
        "    f = open(path)\n    return f.read()",
        "    with open(path) as f:\n        return f.read()",
        "def load(path):\r\n    with open(path) as f:\r\n        return f.read()\r\n\r\n\r\n"
        "def other():\r\n    pass\r\n",
    ),
    "tabs": (
        "def load(path):\n\tf = open(path)\n\treturn f.read()\n",
        "\tf = open(path)\n\treturn f.read()",
        # The model answers with spaces; the file is indented with tabs.
        "    with open(path) as f:\n        return f.read()",
        "def load(path):\n\twith open(path) as f:\n\t\treturn f.read()\n",
    ),
    "arabic": (
        'def greet(name):\n    msg = "مرحبا " + name  # تحية\n    return msg\n',
        '    msg = "مرحبا " + name  # تحية',
        '    msg = f"مرحبا {name}"  # تحية',
        'def greet(name):\n    msg = f"مرحبا {name}"  # تحية\n    return msg\n',
    ),
    "emoji": (
        'def wave(n):\n    s = "👋🏽" * n  # 🇸🇦 flag\n    return s + "✨"\n',
        '    s = "👋🏽" * n  # 🇸🇦 flag',
        '    s = "👋🏽" * max(n, 0)  # 🇸🇦 flag',
        'def wave(n):\n    s = "👋🏽" * max(n, 0)  # 🇸🇦 flag\n    return s + "✨"\n',
    ),
    "combining": (
        'def cafe(x):\n    label = "cafe\u0301: " + x\n    return label\n',
        '    label = "cafe\u0301: " + x',
        '    label = f"cafe\u0301: {x}"',
        'def cafe(x):\n    label = f"cafe\u0301: {x}"\n    return label\n',
    ),
    "no-final-newline": (
        "def load(path):\n    f = open(path)\n    return f.read()",
        "    f = open(path)\n    return f.read()",
        "    with open(path) as f:\n        return f.read()",
        "def load(path):\n    with open(path) as f:\n        return f.read()",
    ),
    "crlf-non-ascii-no-final-newline": (
        '# ملف 📄\r\ndef hi(n):\r\n\tx = "é👋" * n\r\n\treturn x',
        '\tx = "é👋" * n\r\n\treturn x',
        '\treturn "é👋" * n',
        '# ملف 📄\r\ndef hi(n):\r\n\treturn "é👋" * n',
    ),
}


@pytest.mark.parametrize("case", list(ROUND_TRIPS))
async def test_quick_fix_round_trips_exactly(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path, case: str
) -> None:
    source, evidence, replacement, expected = ROUND_TRIPS[case]
    name = re.search(r"def (\w+)", source).group(1)  # type: ignore[union-attr]
    double.add_rule(
        f"def {name}", content={"findings": [finding(evidence, replacement=replacement)]}
    )
    await initialize(client, endpoint=double.url)
    uri = open_document(client, tmp_path / "m.py", source)
    (diagnostic,) = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)

    actions = await code_actions(client, uri, diagnostic)
    fix = _document_edit(_quick_fix(actions), uri)
    ignore = _document_edit(next(a for a in actions if not a.is_preferred), uri)

    fixed = _apply(source, fix.edits[0])
    assert fixed.encode("utf-8") == expected.encode("utf-8"), (fixed, expected)
    # The diagnostic covers the evidence lines from their first non-blank character to
    # their last, in UTF-16 units.
    first = _offset(source, diagnostic.range.start)
    last = _offset(source, diagnostic.range.end)
    quoted = evidence.replace("\r\n", "\n").strip(" \t")
    assert source[first:last].replace("\r\n", "\n") == quoted
    # "Ignore" inserts one comment line, indented like the evidence, with the file's EOL.
    eol = _LINE_BREAK.search(source).group(0)  # type: ignore[union-attr]
    line_start = _offset(source, types.Position(line=diagnostic.range.start.line, character=0))
    indent = source[line_start:first]
    assert indent.strip(" \t") == ""
    ignored = _apply(source, ignore.edits[0])
    expected_ignored = (
        source[:line_start] + f"{indent}# siyada: ignore[bug]{eol}" + source[line_start:]
    )
    assert ignored.encode("utf-8") == expected_ignored.encode("utf-8")
    # "Ignore in this file" inserts its comment as the first line, with the file's EOL.
    (ignore_file,) = [a for a in actions if a.title == "Siyada: Ignore in this file"]
    whole_file = _apply(source, _document_edit(ignore_file, uri).edits[0])
    assert whole_file.encode("utf-8") == f"# siyada: ignore-file{eol}{source}".encode()
