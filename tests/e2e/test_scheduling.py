"""Triggers, debounce, cancellation of stale reviews, and bounded concurrency."""

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
    wait_until,
)
from tests.model_server import OllamaDouble

SOURCE = (
    "def a(x):\n    return x / 0\n\n\ndef b(y):\n    return y * 2\n\n\ndef c(z):\n    return z\n"
)


def _save(client: LanguageClient, uri: str) -> None:
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )


async def test_triggers_can_be_turned_off(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule(
        "def a", content={"findings": [finding("    return x / 0", title="Division by zero")]}
    )
    triggers = {"onOpen": False, "onType": False, "onSave": True}
    # No quiet period: a review the open scheduled for later would start at once too.
    await initialize(client, endpoint=double.url, triggers=triggers, debounceMs=0)
    uri = open_document(client, tmp_path / "m.py", SOURCE)
    # Answered after the open was handled: reviews an open started, at once or after
    # the quiet period, are pending by now, or already asked the model about the opened
    # functions.
    status = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="siyada.status", arguments=[])
    )
    assert status_field(status, "pending") == 0
    # Every function changes, so what is reviewed tells which text it was asked about.
    saved = SOURCE.replace("):\n", "):\n    # saved\n")
    change_document(client, uri, 2, saved)
    _save(client, uri)
    diagnostics = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)
    assert diagnostics[0].message.startswith("Division by zero")
    await double.wait_for_async(lambda: len(double.chat_requests) == 3)
    await wait_for_idle(client)
    assert len(double.chat_requests) == 3
    assert all("# saved" in r["messages"][-1]["content"] for r in double.chat_requests)
    assert all(p == "/api/chat" for _, p, body in double.requests if body and body.get("messages"))


async def test_typing_is_debounced_into_one_review(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    await initialize(client, endpoint=double.url, debounceMs=300)
    uri = open_document(client, tmp_path / "m.py", SOURCE)
    await double.wait_for_async(lambda: len(double.chat_requests) == 3)
    await wait_for_idle(client)

    typed = ""
    for version, character in enumerate("abcdef", start=2):
        typed += character
        change_document(client, uri, version, SOURCE.replace("return z", f"return z  # {typed}"))
    await double.wait_for_async(lambda: len(double.chat_requests) == 4)
    await wait_for_status(client, lambda s: status_field(s, "pending") == 0, since=-1)

    assert len(double.chat_requests) == 4
    assert "return z  # abcdef" in double.chat_requests[-1]["messages"][-1]["content"]


async def test_editing_a_function_under_review_cancels_that_review(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    source = "def slow(p):\n    return eval(p)\n"
    double.add_rule(
        "return eval(p)\n",
        content={"findings": [finding("    return eval(p)", title="Old result")]},
        hold=True,
    )
    await initialize(client, endpoint=double.url, debounceMs=0)
    uri = open_document(client, tmp_path / "s.py", source)
    await double.wait_for_async(lambda: double.held == 1)

    edited = "def slow(p):\n    return eval(p)  # checked\n"
    change_document(client, uri, 2, edited)

    # The stale request is closed (Ollama stops generating), then the new text is reviewed.
    await double.wait_for_async(lambda: double.disconnects == 1)
    await double.wait_for_async(lambda: len(double.chat_requests) == 2)
    await wait_for_idle(client)
    double.release()
    assert all("Old result" not in d.message for d in client.diagnostics.get(uri, ()))


async def test_concurrency_is_bounded_by_the_setting(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("", hold=True)
    await initialize(client, endpoint=double.url, maxConcurrentRequests=2)
    open_document(client, tmp_path / "m.py", SOURCE)

    await double.wait_for_async(lambda: double.held == 2)
    await wait_for_status(client, lambda s: status_field(s, "pending") == 3)
    assert len(double.chat_requests) == 2  # the third waits for a free slot
    double.release()
    await double.wait_for_async(lambda: len(double.chat_requests) == 3)
    double.release()
    await wait_for_idle(client)


async def test_progress_is_reported_while_reviewing(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    await initialize(client, endpoint=double.url)
    open_document(client, tmp_path / "m.py", SOURCE)

    def progress_done() -> bool:
        return any(
            reports and isinstance(reports[-1], types.WorkDoneProgressEnd)
            for reports in client.progress_reports.values()
        )

    await wait_until(client, types.PROGRESS, progress_done)
    reports = next(iter(client.progress_reports.values()))
    assert isinstance(reports[0], types.WorkDoneProgressBegin)
    assert reports[0].message is not None and "Reviewing" in reports[0].message
    assert not client.messages  # everything works: no message at all
