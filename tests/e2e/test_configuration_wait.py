"""A client that says it supports `workspace/configuration` and does not answer holds
reviews back only a bounded time; the log says so once; an answer that comes later is
still taken."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest_lsp
from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import ClientServerConfig, LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

from tests.e2e.conftest import (
    SERVER_COMMAND,
    WAIT,
    finding,
    initialize,
    open_document,
    record_statuses,
    wait_for_diagnostics,
    wait_until,
)
from tests.model_server import OllamaDouble

SOURCE = "def a(x):\n    return x / 0\n"
WARNING = finding("    return x / 0", title="Division by zero", severity="warning")
LATE = "did not answer workspace/configuration"


class SlowConfigurationClient(LanguageClient):
    """Answers `workspace/configuration` only once `answer` is set, with its settings."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.answer: asyncio.Future[dict[str, Any]] | None = None


def _slow_configuration_client() -> SlowConfigurationClient:
    client = SlowConfigurationClient(converter_factory=default_converter)
    features = dict(DEFAULT_CLIENT_FEATURES)
    del features[types.WORKSPACE_CONFIGURATION]
    register_lsp_features(client, features)

    @client.feature(types.WORKSPACE_CONFIGURATION)
    async def _configuration(params: types.ConfigurationParams) -> list[dict[str, Any]]:
        client.answer = asyncio.get_running_loop().create_future()
        return [await client.answer]

    return client


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=SERVER_COMMAND, client_factory=_slow_configuration_client
    )
)
async def client(lsp_client: SlowConfigurationClient) -> Any:
    record_statuses(lsp_client)
    yield
    if lsp_client.answer is not None and not lsp_client.answer.done():
        # pytest-lsp cannot end a session while one of its handlers is still running.
        lsp_client.answer.set_result({})
    await lsp_client.shutdown_session()


def _late_notes(client: LanguageClient) -> list[str]:
    return [m.message for m in client.log_messages if LATE in m.message]


async def test_case10_configuration_never_answered_reviews_with_initialization_options(
    client: SlowConfigurationClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("def a", content={"findings": [WARNING]})
    # The endpoint is only in initializationOptions: diagnostics prove they are used.
    await initialize(client, configuration={}, endpoint=double.url)
    uri = open_document(client, tmp_path / "a.py", SOURCE)

    await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)

    (note,) = _late_notes(client)
    assert "5 s" in note and "initialization options" in note
    assert [m for m in client.messages if m.type == types.MessageType.Error] == []


async def test_case10_configuration_answered_late_is_still_applied(
    client: SlowConfigurationClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("def a", content={"findings": [WARNING]})
    await initialize(client, configuration={}, endpoint=double.url)
    uri = open_document(client, tmp_path / "a.py", SOURCE)
    await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)
    await wait_until(client, types.WINDOW_LOG_MESSAGE, lambda: len(_late_notes(client)) == 1)

    assert client.answer is not None
    client.answer.set_result({"endpoint": double.url, "minSeverity": "error"})

    # The late settings hide the warning, from the answer already received.
    await wait_for_diagnostics(client, uri, lambda d: len(d) == 0, timeout=WAIT)
    assert len(double.chat_requests) == 1
    assert len(_late_notes(client)) == 1
