"""Odd and hostile input: huge, minified, binary, deeply nested or unsupported files
cost bounded work, their limits are told once, and the server keeps answering."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.conftest import (
    change_document,
    finding,
    initialize,
    open_document,
    status_field,
    wait_for_diagnostics,
    wait_for_message,
    wait_for_status,
)
from tests.model_server import OllamaDouble

SMALL = "def a(x):\n    return x / 0\n"
# Far above any answer time on an idle machine; reached only if the server is blocked.
RESPONSIVE_S = 5.0

FIVE_MB = "".join(f"def f{i}(x):\n    y = x * {i}\n    return y + 1\n\n\n" for i in range(110_000))
ONE_MB_MINIFIED = ";".join(f"function f{i}(a){{return a+{i}}}" for i in range(40_000))
# name, language, text, options, what the message says
HOSTILE = {
    "five-megabytes": ("big.py", "python", FIVE_MB, {}, "over the 512 KB limit"),
    # With the size limit raised, the one-line shape is what stops it.
    "minified-one-line": (
        "app.min.js",
        "javascript",
        ONE_MB_MINIFIED,
        {"maxFileKb": 4096},
        "minified",
    ),
    "binary": ("blob.py", "python", "\x00\x01\x02binary\xff" * 20_000, {}, "binary"),
}


async def _still_answers(client: LanguageClient, uri: str) -> None:
    """A code action and a command are answered while the hostile file is open."""
    async with asyncio.timeout(RESPONSIVE_S):
        await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=types.Range(
                    start=types.Position(line=0, character=0),
                    end=types.Position(line=0, character=0),
                ),
                context=types.CodeActionContext(diagnostics=[]),
            )
        )
        status = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="siyada.status", arguments=[])
        )
    assert status_field(status, "state") in ("starting", "loading", "ready", "reviewing")


@pytest.mark.parametrize("case", list(HOSTILE))
async def test_files_beyond_the_limits_are_told_once_and_skipped(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path, case: str
) -> None:
    name, language, text, options, reason = HOSTILE[case]
    await initialize(client, endpoint=double.url, **options)
    uri = open_document(client, tmp_path / name, text, language=language)

    message = await wait_for_message(client, lambda m: f"does not review {name}" in m)
    assert reason in message
    await _still_answers(client, uri)
    # Typing in it is cheap and does not repeat the message.
    change_document(client, uri, 2, text + "\n")
    await _still_answers(client, uri)
    assert double.chat_requests == []
    assert len([m for m in client.messages if name in m.message]) == 1


async def test_a_function_too_long_for_the_context_is_skipped_with_a_note(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("def a", content={"findings": [finding("    return x / 0")]})
    await initialize(client, endpoint=double.url)
    huge = "def huge(x):\n" + "".join(f"    x = x + {i}\n" for i in range(5_000)) + "    return x\n"
    uri = open_document(client, tmp_path / "long.py", SMALL + "\n\n" + huge)

    message = await wait_for_message(client, lambda m: "too long to review" in m)
    assert "huge" in message
    # The rest of the file is still reviewed, and nothing was truncated and sent.
    await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)
    await wait_for_status(client, lambda s: status_field(s, "pending") == 0, since=-1)
    assert all("def huge" not in r["messages"][-1]["content"] for r in double.chat_requests)


async def test_ten_thousand_tiny_functions_are_capped_and_the_server_stays_responsive(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("", hold=True)
    await initialize(client, endpoint=double.url)
    tiny = "\n".join(f"def t{i}(): return {i}" for i in range(10_000)) + "\n"
    uri = open_document(client, tmp_path / "tiny.py", tiny)

    message = await wait_for_message(client, lambda m: "reviews 500 of the 10000 functions" in m)
    assert "tiny.py" in message
    await double.wait_for_async(lambda: double.held == 1)
    # A review is in flight (held by the double) while these requests are answered.
    await _still_answers(client, uri)
    # Until the health check answers the state is "starting", then "reviewing".
    await wait_for_status(
        client,
        lambda s: status_field(s, "pending") == 500 and status_field(s, "state") == "reviewing",
    )
    client.text_document_did_close(
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )
    await wait_for_status(client, lambda s: status_field(s, "pending") == 0, since=-1)
    await double.wait_for_async(lambda: double.disconnects >= 1)


async def test_deep_nesting_and_unsupported_languages(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    await initialize(client, endpoint=double.url, debounceMs=0)
    # 5,000 nested parentheses, one per line (one long line would count as minified).
    nested_expr = "def deep():\n    return " + "(\n" * 5_000 + "1" + "\n)" * 5_000 + "\n"
    # 300 nested functions: each unit shows the one inside it only as its signature,
    # so every one of them is short enough to review.
    nested_defs = (
        "".join("    " * i + f"def d{i}():\n" for i in range(300)) + "    " * 300 + "pass\n"
    )
    # Two functions, each too long for the model's context.
    long_body = "".join(f"    value_{i} = compute({i}) + offset\n" for i in range(1_500))
    too_long = f"def first():\n{long_body}\n\ndef second():\n{long_body}"
    open_document(client, tmp_path / "notes.txt", "def not_code(): pass\n", language="plaintext")
    open_document(client, tmp_path / "q.sql", "SELECT 1;\n", language="sql")
    deep_uri = open_document(client, tmp_path / "deep.py", nested_expr)
    defs_uri = open_document(client, tmp_path / "defs.py", nested_defs)
    open_document(client, tmp_path / "long.py", too_long)

    await wait_for_message(client, lambda m: "too long to review" in m)

    def reviewed(marker: str) -> bool:
        return any(marker in r["messages"][-1]["content"] for r in double.chat_requests)

    await double.wait_for_async(
        lambda: all(reviewed(f"def {name}():") for name in ("deep", "d0", "d150", "d299")),
        timeout=60,
    )
    await _still_answers(client, deep_uri)
    await _still_answers(client, defs_uri)
    reviewed_texts = [r["messages"][-1]["content"] for r in double.chat_requests]
    assert not any("not_code" in r or "SELECT" in r or "value_0 =" in r for r in reviewed_texts)
    # One note for the file with two functions too long; none for the nested ones.
    assert len(client.messages) == 1
    assert client.messages[0].message.startswith(("first is too long", "second is too long"))
