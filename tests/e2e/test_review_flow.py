"""A file is opened, reviewed, edited and fixed, the way an editor would do it."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.conftest import (
    change_document,
    finding,
    initialize,
    open_document,
    status_field,
    wait_for_diagnostics,
    wait_for_idle,
    wait_for_status,
)
from tests.model_server import OllamaDouble

SOURCE = """import json


def load(path):
    f = open(path)
    return json.loads(f.read())


def total(items):
    result = 0
    for item in items:
        result = result + item
    return result
"""

LEAK = finding(
    "    f = open(path)",
    replacement="    with open(path) as f:\n        return json.loads(f.read())",
)


async def test_finding_becomes_a_diagnostic(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("def load", content={"findings": [LEAK]})
    await initialize(client, endpoint=double.url)
    uri = open_document(client, tmp_path / "app.py", SOURCE)

    diagnostics = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)

    diagnostic = diagnostics[0]
    assert diagnostic.source == "siyada"
    assert diagnostic.code == "bug"
    assert diagnostic.message.startswith("File handle is never closed")
    assert diagnostic.severity == types.DiagnosticSeverity.Warning
    assert diagnostic.range == types.Range(
        start=types.Position(line=4, character=4), end=types.Position(line=4, character=18)
    )
    # One request per function, each with the fixed prompt first and the function last.
    await double.wait_for_async(lambda: len(double.chat_requests) == 2)
    for body in double.chat_requests:
        assert body["stream"] is True
        assert body["think"] is False
        assert body["options"]["temperature"] == 0
        assert body["format"]["required"] == ["findings"]
        assert body["messages"][0]["role"] == "system"
    systems = {body["messages"][0]["content"] for body in double.chat_requests}
    assert len(systems) == 1


async def test_only_the_edited_function_is_reviewed_again(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("def load", content={"findings": [LEAK]})
    await initialize(client, endpoint=double.url)
    uri = open_document(client, tmp_path / "app.py", SOURCE)
    await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)
    await double.wait_for_async(lambda: len(double.chat_requests) == 2)

    # Edit `total` only: `load` keeps its finding without a new model call.
    edited = SOURCE.replace("result = result + item", "result += item")
    change_document(client, uri, 2, edited)
    await double.wait_for_async(lambda: len(double.chat_requests) == 3)
    assert "def total" in double.chat_requests[-1]["messages"][-1]["content"]

    # Lines added above `load` move its finding; no model call for that.
    moved = "# header\n# more\n" + edited
    change_document(client, uri, 3, moved)
    diagnostics = await wait_for_diagnostics(
        client, uri, lambda d: len(d) == 1 and d[0].range.start.line == 6
    )
    assert diagnostics[0].code == "bug"
    assert len(double.chat_requests) == 3


async def test_suppression_comment_hides_the_finding(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("def load", content={"findings": [LEAK]})
    await initialize(client, endpoint=double.url)
    suppressed = SOURCE.replace(
        "    f = open(path)", "    # siyada: ignore[bug]\n    f = open(path)"
    )
    uri = open_document(client, tmp_path / "app.py", suppressed)
    await double.wait_for_async(lambda: len(double.chat_requests) == 2)
    await wait_for_idle(client)
    assert list(client.diagnostics.get(uri, [])) == []


async def test_incremental_changes_with_non_ascii_text(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("def load", content={"findings": [LEAK]})
    await initialize(client, endpoint=double.url)
    text = "# تعليق 👋 header\n" + SOURCE
    uri = open_document(client, tmp_path / "app.py", text)
    await wait_for_diagnostics(client, uri, lambda d: len(d) == 1 and d[0].range.start.line == 5)

    # Type after the emoji on line 0 (UTF-16 positions), then add a line break there.
    after_emoji = len("# تعليق 👋".encode("utf-16-le")) // 2
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(
                        start=types.Position(line=0, character=after_emoji),
                        end=types.Position(line=0, character=after_emoji),
                    ),
                    text="!\n#",
                )
            ],
        )
    )

    diagnostics = await wait_for_diagnostics(
        client, uri, lambda d: len(d) == 1 and d[0].range.start.line == 6
    )
    assert diagnostics[0].range.end.character == len("    f = open(path)")
    # `load` did not change, so it is not sent again; editing `total` sends only `total`.
    moved = text.replace("# تعليق 👋", "# تعليق 👋!\n#", 1)
    change_document(client, uri, 3, moved.replace("result + item", "item + result"))
    await double.wait_for_async(lambda: len(double.chat_requests) == 3)
    await wait_for_status(client, lambda s: status_field(s, "pending") == 0, since=-1)
    assert len(double.chat_requests) == 3
    assert "item + result" in double.chat_requests[-1]["messages"][-1]["content"]
