"""The model server coming back is written in the log at the default level."""

from __future__ import annotations

import asyncio
from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.conftest import (
    initialize,
    open_document,
    status_field,
    wait_for_status,
    wait_until,
)
from tests.model_server import OllamaDouble


def _recoveries(client: LanguageClient) -> list[types.LogMessageParams]:
    return [m for m in client.log_messages if "answers again" in m.message]


async def test_a_recovery_is_logged(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    await asyncio.to_thread(double.stop)
    await initialize(client, endpoint=double.url)
    await wait_for_status(client, lambda s: status_field(s, "state") == "unreachable")
    assert _recoveries(client) == []

    await asyncio.to_thread(double.start)
    open_document(client, tmp_path / "a.py", "def a(x):\n    return x\n")
    await wait_until(client, types.WINDOW_LOG_MESSAGE, lambda: len(_recoveries(client)) == 1)

    (recovery,) = _recoveries(client)
    assert recovery.message == f"The model server at {double.url} answers again."
    assert recovery.type == types.MessageType.Info
