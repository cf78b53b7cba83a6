"""Answers remembered across restarts and tools; limits that keep odd files cheap."""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path

from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.e2e.conftest import (
    SERVER_COMMAND,
    change_document,
    finding,
    initialize,
    open_document,
    record_statuses,
    status_field,
    wait_for_diagnostics,
    wait_for_idle,
    wait_for_message,
    wait_for_status,
)
from tests.model_server import OllamaDouble

SOURCE = "def a(x):\n    return x / 0\n\n\ndef b(y):\n    return y\n"
ZERO = finding("    return x / 0", title="Division by zero")


async def _second_server() -> LanguageClient:
    client = await ClientServerConfig(server_command=SERVER_COMMAND).start()
    assert isinstance(client, LanguageClient)
    record_statuses(client)
    return client


async def test_reopening_after_a_restart_costs_no_model_call(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("def a", content={"findings": [ZERO]})
    await initialize(client, endpoint=double.url)
    uri = open_document(client, tmp_path / "m.py", SOURCE)
    await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)
    await double.wait_for_async(lambda: len(double.chat_requests) == 2)
    await wait_for_idle(client)
    await client.shutdown_session()

    restarted = await _second_server()
    try:
        await initialize(restarted, endpoint=double.url)
        uri = open_document(restarted, tmp_path / "m.py", SOURCE)
        (diagnostic,) = await wait_for_diagnostics(restarted, uri, lambda d: len(d) == 1)
        assert diagnostic.message.startswith("Division by zero")
        assert len(double.chat_requests) == 2
    finally:
        await restarted.shutdown_session()
        await restarted.stop()


async def test_the_command_line_reuses_the_editors_answers(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("def a", content={"findings": [ZERO]})
    await initialize(client, endpoint=double.url)
    path = tmp_path / "m.py"
    path.write_text(SOURCE)
    uri = open_document(client, path, SOURCE)
    await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)
    await double.wait_for_async(lambda: len(double.chat_requests) == 2)
    await wait_for_idle(client)

    command = [sys.executable, "-m", "siyada", "check", str(path), "--endpoint", double.url]
    result = await asyncio.to_thread(
        subprocess.run, command, capture_output=True, text=True, timeout=60, check=False
    )

    assert result.returncode == 1 and "Division by zero" in result.stdout
    assert len(double.chat_requests) == 2


async def test_a_file_over_the_size_limit_is_told_once_and_not_reviewed(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    await initialize(client, endpoint=double.url, maxFileKb=1)
    big = SOURCE + "".join(f"\ndef f{i}(x):\n    return x + {i}\n" for i in range(100))
    uri = open_document(client, tmp_path / "big.py", big)

    message = await wait_for_message(client, lambda m: "does not review big.py" in m)
    assert "siyada.maxFileKb" in message
    change_document(client, uri, 2, big + "\n")
    # Shrinking it under the limit makes it reviewable again.
    change_document(client, uri, 3, SOURCE)
    await double.wait_for_async(lambda: len(double.chat_requests) == 2)
    assert len([m for m in client.messages if "does not review" in m.message]) == 1


async def test_minified_code_is_not_reviewed(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    await initialize(client, endpoint=double.url)
    minified = ";".join(f"function f{i}(a){{return a+{i}}}" for i in range(2000))
    uri = open_document(client, tmp_path / "app.min.js", minified, language="javascript")

    message = await wait_for_message(client, lambda m: "minified" in m)
    assert "app.min.js" in message
    await wait_for_status(client, lambda s: status_field(s, "pending") == 0, since=-1)
    assert double.chat_requests == []
    assert list(client.diagnostics.get(uri, ())) == []


async def test_functions_per_file_are_capped_nearest_first(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    await initialize(client, endpoint=double.url, maxFunctionsPerFile=3, debounceMs=0)
    many = "".join(f"def f{i}(x):\n    return x + {i}\n\n\n" for i in range(10))
    open_document(client, tmp_path / "many.py", many)

    message = await wait_for_message(client, lambda m: "reviews 3 of the 10 functions" in m)
    assert "siyada.maxFunctionsPerFile" in message
    await double.wait_for_async(lambda: len(double.chat_requests) == 3)
    await wait_for_status(client, lambda s: status_field(s, "pending") == 0, since=-1)
    assert len(double.chat_requests) == 3


async def test_the_edited_function_is_reviewed_first(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("", hold=True)
    await initialize(client, endpoint=double.url, triggers={"onOpen": False}, debounceMs=0)
    many = "".join(f"def f{i}(x):\n    return x + {i}\n\n\n" for i in range(6))
    uri = open_document(client, tmp_path / "p.py", many)

    # Editing f4 and saving: f4 goes first, then its neighbours outward.
    edited = many.replace("return x + 4", "return x - 4")
    change_document(client, uri, 2, edited)
    await double.wait_for_async(lambda: double.held == 1)
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    order = []
    for expected in range(1, 7):
        await double.wait_for_async(lambda n=expected: len(double.chat_requests) == n)
        order.append(double.chat_requests[-1]["messages"][-1]["content"].split("def ")[1][:2])
        double.release()
    assert order[0] == "f4"
    assert set(order[1:3]) == {"f3", "f5"}
    assert order[-1] == "f0"


async def test_reviews_waiting_for_a_slot_follow_the_users_focus(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("", hold=True)
    await initialize(client, endpoint=double.url)
    many = "".join(f"def f{i}(x):\n    return x + {i}\n\n\n" for i in range(8))
    uri = open_document(client, tmp_path / "focus.py", many)
    await double.wait_for_async(lambda: double.held == 1)

    # The cursor moves to f6 (line 24) while f1..f7 wait; f2-f3 are also visible.
    client.protocol.notify(
        "siyada/focus",
        {
            "textDocument": {"uri": uri},
            "position": {"line": 25, "character": 4},
            "visibleRanges": [
                {"start": {"line": 8, "character": 0}, "end": {"line": 13, "character": 0}}
            ],
        },
    )
    # A request after the notification proves the server has read it.
    await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="siyada.status", arguments=[])
    )
    order = []
    for count in range(2, 6):
        double.release()
        await double.wait_for_async(lambda n=count: len(double.chat_requests) == n)
        order.append(double.chat_requests[-1]["messages"][-1]["content"].split("def ")[1][:2])
    double.release()
    # Visible ones next, nearest the cursor first; then the rest by distance.
    assert order == ["f6", "f3", "f2", "f7"]
