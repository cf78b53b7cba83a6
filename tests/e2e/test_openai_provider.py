"""The language server with `provider` "openai", against the OpenAI protocol double
(tests/model_server, real HTTP on 127.0.0.1): the failure cases a real server can
only rarely be made to show."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.conftest import (
    finding,
    initialize,
    open_document,
    status_field,
    wait_for_diagnostics,
    wait_for_message,
    wait_for_status,
)
from tests.model_server import OpenAIDouble

MODEL = "gemma-3-270m"
KEY_ENV = "SIYADA_TEST_API_KEY"
KEY = "sk-e2e-NEVER-SHOWN-7f3a"
SOURCE = "def load(path):\n    f = open(path)\n    return f.read()\n"
GOOD = {"findings": [finding("    f = open(path)")]}


@pytest.fixture
def openai() -> Iterator[OpenAIDouble]:
    with OpenAIDouble(models=[MODEL]) as running:
        yield running


async def start(client: LanguageClient, double: OpenAIDouble, **options: Any) -> None:
    await initialize(client, provider="openai", endpoint=double.url, model=MODEL, **options)


async def command(client: LanguageClient, name: str, *arguments: Any) -> Any:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=name, arguments=list(arguments))
    )


async def test_case2_openai_review_is_shown_as_a_diagnostic(
    client: LanguageClient, openai: OpenAIDouble, tmp_path: Path
) -> None:
    openai.add_rule("def load", content=GOOD)
    await start(client, openai)
    uri = open_document(client, tmp_path / "app.py", SOURCE)
    (diagnostic,) = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)
    assert diagnostic.range.start.line == 1
    (body,) = openai.chat_requests
    assert body["stream"] is True and body["temperature"] == 0 and "seed" in body
    assert body["max_tokens"] > 0 and body["cache_prompt"] is True
    assert body["response_format"]["type"] == "json_schema"
    assert [path for _, path, _ in openai.requests if path.endswith("/load")] == []


@pytest.fixture
def wrong_key_in_env(monkeypatch: pytest.MonkeyPatch) -> str:
    """The variable apiKeyEnv names, set before the server process starts (ask for
    this fixture before `client`)."""
    monkeypatch.setenv(KEY_ENV, "sk-wrong-key-also-secret")
    return "sk-wrong-key-also-secret"


async def test_case4_unauthorized_state_names_api_key_env_and_never_the_key(
    wrong_key_in_env: str, client: LanguageClient, tmp_path: Path
) -> None:
    with OpenAIDouble(models=[MODEL], api_key=KEY) as locked:
        await start(client, locked, apiKeyEnv=KEY_ENV)
        status = await wait_for_status(client, lambda s: status_field(s, "state") == "unauthorized")
        message = await wait_for_message(client, lambda m: "refused access" in m)
        open_document(client, tmp_path / "app.py", SOURCE)
        await wait_for_status(
            client, lambda s: status_field(s, "state") == "unauthorized", since=-1
        )
        assert locked.headers and all(
            h.get("Authorization") == f"Bearer {wrong_key_in_env}" for h in locked.headers
        )
    assert KEY_ENV in status_field(status, "message") and KEY_ENV in message
    shown = [m.message for m in client.messages]
    assert shown == [message]
    statuses = [str(s) for s in client.statuses]  # type: ignore[attr-defined]
    for text in [*shown, *statuses]:
        assert wrong_key_in_env not in text and KEY not in text


async def test_case4_busy_with_retry_after_is_retried_then_shown(
    client: LanguageClient, openai: OpenAIDouble, tmp_path: Path
) -> None:
    openai.add_rule("def load", status=429, retry_after="1", times=1)
    openai.add_rule("def load", content=GOOD)
    await start(client, openai)
    uri = open_document(client, tmp_path / "app.py", SOURCE)
    await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)
    assert len(openai.chat_requests) == 2
    assert client.messages == []


async def test_case4_error_event_in_the_stream_is_retried(
    client: LanguageClient, openai: OpenAIDouble, tmp_path: Path
) -> None:
    openai.add_rule("def load", error_mid_stream=True, times=1)
    openai.add_rule("def load", content=GOOD)
    await start(client, openai)
    uri = open_document(client, tmp_path / "app.py", SOURCE)
    await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)
    assert len(openai.chat_requests) == 2
    assert client.messages == []


async def test_case4_error_event_every_time_is_one_message(
    client: LanguageClient, openai: OpenAIDouble, tmp_path: Path
) -> None:
    openai.add_rule("def load", error_mid_stream=True)
    await start(client, openai)
    open_document(client, tmp_path / "app.py", SOURCE)
    message = await wait_for_message(client, lambda m: "broke off" in m)
    await wait_for_status(client, lambda s: status_field(s, "state") == "error")
    assert openai.url in message and [m.message for m in client.messages] == [message]


async def test_case2_refused_json_schema_falls_back_to_json_object_and_is_remembered(
    client: LanguageClient, tmp_path: Path
) -> None:
    with OpenAIDouble(models=[MODEL], refuse_json_schema=True) as refusing:
        refusing.add_rule("def load", content=GOOD)
        await start(client, refusing)
        uri = open_document(client, tmp_path / "app.py", SOURCE)
        await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)
        other = open_document(client, tmp_path / "other.py", SOURCE.replace("load", "load2"))
        await wait_for_diagnostics(client, other, lambda d: len(d) == 1)
        kinds = [body["response_format"]["type"] for body in refusing.chat_requests]
    # The first review asked with json_schema, was refused, used json_object; the
    # second asked with json_object straight away.
    assert kinds == ["json_schema", "json_object", "json_object"]
    assert client.messages == []


async def test_case2_pull_model_is_refused_for_openai_saying_why(
    client: LanguageClient, openai: OpenAIDouble
) -> None:
    await start(client, openai)
    with pytest.raises(Exception, match="only with Ollama") as raised:
        await command(client, "siyada.pullModel", MODEL)
    assert "load the model on that server" in str(raised.value)
    assert [p for _, p, _ in openai.requests if "pull" in p] == []


async def test_case2_list_models_lists_the_servers_models(
    client: LanguageClient, openai: OpenAIDouble
) -> None:
    openai.set_models([MODEL, "qwen2.5-coder-7b"])
    await start(client, openai)
    models = await command(client, "siyada.listModels")
    assert [m["name"] for m in models] == [MODEL, "qwen2.5-coder-7b"]
    assert ("GET", "/v1/models") in [(m, p) for m, p, _ in openai.requests]


async def test_case2_model_not_served_lists_the_served_ones(
    client: LanguageClient, openai: OpenAIDouble
) -> None:
    await initialize(client, provider="openai", endpoint=openai.url, model="absent-model")
    status = await wait_for_status(client, lambda s: status_field(s, "state") == "modelMissing")
    assert MODEL in status_field(status, "message")
    assert "ollama pull" not in status_field(status, "message")
