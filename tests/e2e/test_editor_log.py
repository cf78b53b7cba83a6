"""The server's log records reach the editor's log at their own level (window/logMessage),
not as lines on stderr that an editor can only file as errors."""

from __future__ import annotations

import socket
from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.conftest import initialize, open_document, status_field, wait_for_status, wait_until

SOURCE = "def a(x):\n    return x / 0\n"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_a_warning_arrives_as_a_warning_log_message(
    client: LanguageClient, tmp_path: Path
) -> None:
    endpoint = f"http://127.0.0.1:{_free_port()}"
    await initialize(client, endpoint=endpoint, debounceMs=0)
    open_document(client, tmp_path / "a.py", SOURCE)
    await wait_for_status(client, lambda s: status_field(s, "state") == "unreachable")

    def unreachable_logged() -> list[types.LogMessageParams]:
        return [m for m in client.log_messages if "not reachable" in m.message]

    await wait_until(client, types.WINDOW_LOG_MESSAGE, lambda: bool(unreachable_logged()))
    [logged] = unreachable_logged()
    assert logged.type == types.MessageType.Warning
    # The level is the message's type, not a word in its text.
    assert logged.message.startswith("siyada.lsp.status: ")
    assert "WARNING" not in logged.message and endpoint in logged.message
