"""A finding does not blink out while the user types inside its function: it stays on
its evidence lines, moved, until the function's new answer replaces it, and goes at
once when its evidence is edited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.conftest import (
    finding,
    initialize,
    open_document,
    record_published,
    wait_for_diagnostics,
    wait_until,
)
from tests.model_server import OllamaDouble

SOURCE = """def load(path):
    name = path.strip()
    f = open(name)
    return f.read()
"""
EVIDENCE = "    f = open(name)"
INSERTED = SOURCE.replace("    name = path.strip()\n", "    name = path.strip()\n    # note\n")
EVIDENCE_EDITED = INSERTED.replace(EVIDENCE, "    f = open(name, encoding='utf-8')")


def _publications(published: list[Any], uri: str, version: int) -> list[Any]:
    return [p for p in published if p.uri == uri and p.version == version]


async def _first_publication(
    client: LanguageClient, published: list[Any], uri: str, version: int
) -> Any:
    await wait_until(
        client,
        types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
        lambda: bool(_publications(published, uri, version)),
    )
    return _publications(published, uri, version)[0]


def _shown(diagnostics: Any) -> list[tuple[int, str]]:
    """Line and title of each diagnostic (the message starts with the title)."""
    titles = ("File handle is never closed", "Fresh answer")
    return [
        (d.range.start.line, next(t for t in titles if d.message.startswith(t)))
        for d in diagnostics
    ]


async def test_a_finding_moves_with_its_evidence_until_the_new_answer_replaces_it(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    published = record_published(client)
    double.add_rule("def load", content={"findings": [finding(EVIDENCE)]}, times=1)
    await initialize(client, endpoint=double.url)
    uri = open_document(client, tmp_path / "load.py", SOURCE)
    await wait_for_diagnostics(client, uri, lambda d: len(d) == 1 and d[0].range.start.line == 2)

    # The re-review of the edited function is held: nothing can answer before the
    # publications checked below.
    fresh = finding(EVIDENCE, title="Fresh answer")
    double.add_rule("# note", content={"findings": [fresh]}, hold=True)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(
                        start=types.Position(line=2, character=0),
                        end=types.Position(line=2, character=0),
                    ),
                    text="    # note\n",
                )
            ],
        )
    )

    moved = await _first_publication(client, published, uri, 2)
    assert _shown(moved.diagnostics) == [(3, "File handle is never closed")]
    await double.wait_for_async(lambda: double.held == 1)
    double.release()
    await wait_for_diagnostics(client, uri, lambda d: _shown(d) == [(3, "Fresh answer")])


async def test_a_finding_whose_evidence_is_edited_goes_at_once(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    published = record_published(client)
    double.add_rule("def load", content={"findings": [finding(EVIDENCE)]}, times=1)
    await initialize(client, endpoint=double.url)
    uri = open_document(client, tmp_path / "load.py", SOURCE)
    await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)

    double.add_rule("def load", content={"findings": []}, hold=True)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=EVIDENCE_EDITED)],
        )
    )

    edited = await _first_publication(client, published, uri, 2)
    assert _shown(edited.diagnostics) == []
    await double.wait_for_async(lambda: double.held == 1)
    double.release()
    await double.wait_for_async(lambda: double.held == 0 and len(double.chat_requests) == 2)


JS_SOURCE = "function load(path) {\n  const f = open(path);\n  return f;\n}\n"
JS_EVIDENCE = "  const f = open(path);"


def _insert(client: LanguageClient, uri: str, version: int, line: int, text: str) -> None:
    at = types.Position(line=line, character=0)
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[
                types.TextDocumentContentChangePartial(
                    range=types.Range(start=at, end=at), text=text
                )
            ],
        )
    )


async def test_a_finding_survives_a_block_typed_above_it_one_half_at_a_time(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    published = record_published(client)
    double.add_rule("function load", content={"findings": [finding(JS_EVIDENCE)]}, times=1)
    await initialize(client, endpoint=double.url)
    uri = open_document(client, tmp_path / "load.js", JS_SOURCE, "javascript")
    await wait_for_diagnostics(client, uri, lambda d: len(d) == 1 and d[0].range.start.line == 1)
    fresh = finding(JS_EVIDENCE, title="Fresh answer")
    # Only the finished text's review is held; a review of the half-typed one answers.
    double.add_rule("if (x) {\n  }", content={"findings": [fresh]}, hold=True)

    # `if (x) {` before its `}`: for a moment the function does not parse as `load`.
    _insert(client, uri, 2, 1, "  if (x) {\n")
    half = await _first_publication(client, published, uri, 2)
    _insert(client, uri, 3, 2, "  }\n")
    whole = await _first_publication(client, published, uri, 3)

    assert _shown(whole.diagnostics) == [(3, "File handle is never closed")]
    assert _shown(half.diagnostics) in ([], [(2, "File handle is never closed")])
    await double.wait_for_async(lambda: double.held == 1)
    double.release()
    await wait_for_diagnostics(client, uri, lambda d: _shown(d) == [(3, "Fresh answer")])
