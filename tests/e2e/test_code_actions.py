"""Quick fixes and "Ignore" actions: carried edits, versioned, only when they are safe."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.conftest import (
    change_document,
    code_actions,
    finding,
    initialize,
    open_document,
    wait_for_diagnostics,
)
from tests.model_server import OllamaDouble

SOURCE = "def load(path):\n    f = open(path)\n    return f.read()\n"
FIX = "    with open(path) as f:\n        return f.read()"


def _only_edit(action: types.CodeAction) -> tuple[types.TextEdit, int | None]:
    assert action.edit is not None and action.command is None
    changes = action.edit.document_changes
    assert changes is not None and len(changes) == 1
    change = changes[0]
    assert isinstance(change, types.TextDocumentEdit)
    (edit,) = change.edits
    assert isinstance(edit, types.TextEdit)
    return edit, change.text_document.version


async def test_quick_fix_replaces_the_evidence_lines(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule(
        "def load", content={"findings": [finding("    f = open(path)", replacement=FIX)]}
    )
    await initialize(client, endpoint=double.url)
    uri = open_document(client, tmp_path / "a.py", SOURCE)
    (diagnostic,) = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)

    fix, ignore = await code_actions(client, uri, diagnostic)

    assert fix.kind == types.CodeActionKind.QuickFix and fix.is_preferred
    edit, version = _only_edit(fix)
    assert version == 1
    # The squiggle covers the statement; the fix replaces its whole line.
    assert diagnostic.range == types.Range(
        start=types.Position(line=1, character=4), end=types.Position(line=1, character=18)
    )
    assert edit.range == types.Range(
        start=types.Position(line=1, character=0), end=types.Position(line=1, character=18)
    )
    assert edit.new_text == FIX
    assert not ignore.is_preferred
    ignore_edit, _ = _only_edit(ignore)
    assert ignore_edit.range.start == types.Position(line=1, character=0)
    assert ignore_edit.new_text == "    # siyada: ignore[bug]\n"


async def test_no_quick_fix_when_the_result_would_not_parse(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    broken = finding("    f = open(path)", replacement="    with open(path) as f\n        return (")
    double.add_rule("def load", content={"findings": [broken]})
    await initialize(client, endpoint=double.url)
    uri = open_document(client, tmp_path / "a.py", SOURCE)
    (diagnostic,) = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)

    actions = await code_actions(client, uri, diagnostic)

    assert [a.title for a in actions] == ["Siyada: ignore this bug finding"]


async def test_stale_diagnostic_offers_nothing(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule(
        "def load", content={"findings": [finding("    f = open(path)", replacement=FIX)]}
    )
    await initialize(client, endpoint=double.url, triggers={"onType": False})
    uri = open_document(client, tmp_path / "a.py", SOURCE)
    (diagnostic,) = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)

    # The evidence line is edited: the old diagnostic (version 1) must not be applied.
    change_document(client, uri, 2, SOURCE.replace("open(path)", "open(path, 'rb')"))
    await wait_for_diagnostics(client, uri, lambda d: len(d) == 0)

    assert await code_actions(client, uri, diagnostic) == []


async def test_positions_are_utf16_with_arabic_and_emoji(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    line = '    print("مرحبا 👋🏽", eval(x))'
    source = f"def greet(x):\n{line}\n    return x\n"
    double.add_rule(
        "def greet",
        content={
            "findings": [
                finding(line, title="eval on input", category="security", severity="error")
            ]
        },
    )
    await initialize(client, endpoint=double.url)
    uri = open_document(client, tmp_path / "greet.py", source)

    (diagnostic,) = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)

    assert diagnostic.severity == types.DiagnosticSeverity.Error
    assert diagnostic.code == "security"
    assert diagnostic.range.end == types.Position(
        line=1, character=len(line.encode("utf-16-le")) // 2
    )
    assert diagnostic.range.end.character != len(line)


async def test_crlf_documents_keep_their_line_endings(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule(
        "def load", content={"findings": [finding("    f = open(path)", replacement=FIX)]}
    )
    await initialize(client, endpoint=double.url)
    uri = open_document(client, tmp_path / "a.py", SOURCE.replace("\n", "\r\n"))
    (diagnostic,) = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)

    fix, ignore = await code_actions(client, uri, diagnostic)

    assert _only_edit(fix)[0].new_text == FIX.replace("\n", "\r\n")
    assert _only_edit(ignore)[0].new_text.endswith("\r\n")


async def test_plain_workspace_edit_for_clients_without_document_changes(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule(
        "def load", content={"findings": [finding("    f = open(path)", replacement=FIX)]}
    )
    await initialize(client, endpoint=double.url, versioned_edits=False)
    uri = open_document(client, tmp_path / "a.py", SOURCE)
    (diagnostic,) = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)

    fix = (await code_actions(client, uri, diagnostic))[0]

    assert fix.edit is not None and fix.edit.document_changes is None
    assert fix.edit.changes is not None
    assert fix.edit.changes[uri][0].new_text == FIX


async def test_utf8_positions_when_the_client_negotiates_them(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    line = '    return "مرحبا 👋"'
    double.add_rule("def hi", content={"findings": [finding(line)]})
    result = await initialize(client, editor="neovim", endpoint=double.url)
    assert result.capabilities.position_encoding == types.PositionEncodingKind.Utf8
    uri = open_document(client, tmp_path / "hi.py", f"def hi():\n{line}\n")

    (diagnostic,) = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)

    assert diagnostic.range.end.character == len(line.encode("utf-8"))
