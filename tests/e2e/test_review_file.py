"""Review Current File says what it did, Review Current File (Fresh) asks the model
again, and every review leaves one line in the log: names and counts, never code."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.conftest import (
    finding,
    initialize,
    open_document,
    wait_for_diagnostics,
    wait_for_message,
    wait_until,
)
from tests.model_server import OllamaDouble

SOURCE = """def load(path):
    f = open(path)
    return f.read()


def twice(x):
    return x * 2


def half(x):
    return x / 2
"""
LEAK = finding("    f = open(path)")


async def _review(client: LanguageClient, command: str, uri: str) -> None:
    await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command, arguments=[uri])
    )


def _summaries(client: LanguageClient) -> list[types.ShowMessageParams]:
    return [m for m in client.messages if " functions of app.py" in m.message]


def _review_lines(client: LanguageClient) -> list[str]:
    return [m.message for m in client.log_messages if m.message.startswith("Reviewed ")]


async def test_review_file_on_a_cached_file_says_all_cached_and_fresh_asks_again(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("def load", content={"findings": [LEAK]})
    await initialize(client, endpoint=double.url)
    uri = open_document(client, tmp_path / "app.py", SOURCE)
    await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)
    # Every answer stored, not only asked for: the server logs a review once it is done.
    await wait_until(client, types.WINDOW_LOG_MESSAGE, lambda: len(_review_lines(client)) == 3)
    assert len(double.chat_requests) == 3

    await _review(client, "siyada.reviewFile", uri)
    await wait_until(client, types.WINDOW_SHOW_MESSAGE, lambda: len(_summaries(client)) == 1)
    (cached,) = _summaries(client)
    assert cached.message == "1 finding in 3 functions of app.py (all cached)."
    assert cached.type == types.MessageType.Info
    assert len(double.chat_requests) == 3

    await _review(client, "siyada.reviewFileFresh", uri)
    await wait_until(client, types.WINDOW_SHOW_MESSAGE, lambda: len(_summaries(client)) == 2)
    assert _summaries(client)[1].message == "1 finding in 3 functions of app.py."
    assert len(double.chat_requests) == 6  # every function asked again


async def test_the_fresh_answer_replaces_the_cached_one(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("def load", content={"findings": [LEAK]}, times=1)
    await initialize(client, endpoint=double.url)
    uri = open_document(client, tmp_path / "app.py", SOURCE)
    await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)

    # The model now says something else about `load`: only a fresh review hears it.
    await _review(client, "siyada.reviewFileFresh", uri)
    await wait_until(client, types.WINDOW_SHOW_MESSAGE, lambda: len(_summaries(client)) == 1)
    assert _summaries(client)[0].message == "No findings in 3 functions of app.py."
    assert list(client.diagnostics[uri]) == []

    # Stored: reopening the file shows the fresh answer without asking the model.
    asked = len(double.chat_requests)
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    open_document(client, tmp_path / "app.py", SOURCE)
    await _review(client, "siyada.reviewFile", uri)
    await wait_for_message(
        client, lambda m: m == "No findings in 3 functions of app.py (all cached)."
    )
    assert len(double.chat_requests) == asked


async def test_each_review_logs_one_line_without_code(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("def load", content={"findings": [LEAK]})
    await initialize(client, endpoint=double.url)
    uri = open_document(client, tmp_path / "app.py", SOURCE)
    await wait_until(client, types.WINDOW_LOG_MESSAGE, lambda: len(_review_lines(client)) == 3)

    lines = sorted(_review_lines(client))
    assert [line.split(" (model ")[0] for line in lines] == [
        "Reviewed half in app.py: no findings",
        "Reviewed load in app.py: 1 finding",
        "Reviewed twice in app.py: no findings",
    ]
    assert all(line.endswith(" s)") and " (model " in line for line in lines)
    kinds = {m.type for m in client.log_messages if m.message.startswith("Reviewed ")}
    assert kinds == {types.MessageType.Info}
    code = [
        line.strip() for line in SOURCE.splitlines() if line.strip().startswith(("f =", "return"))
    ]
    assert not any(piece in line for line in lines for piece in code)

    # Reopened: each function is answered by the cache, and the log says so.
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    open_document(client, tmp_path / "app.py", SOURCE)
    await wait_until(client, types.WINDOW_LOG_MESSAGE, lambda: len(_review_lines(client)) == 6)
    assert sorted(_review_lines(client)[3:]) == [
        "Reviewed half in app.py: no findings (cached)",
        "Reviewed load in app.py: 1 finding (cached)",
        "Reviewed twice in app.py: no findings (cached)",
    ]
