"""Settings from every source, the privacy rule, and a model server that is not there."""

from __future__ import annotations

import socket
from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.conftest import (
    MODEL,
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

SOURCE = "def a(x):\n    return x / 0\n"
HINT = finding("    return x / 0", title="Division by zero", severity="hint", confidence=0.6)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_bad_setting_gives_one_message_and_keeps_defaults(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("def a", content={"findings": [HINT]})
    await initialize(client, endpoint=double.url, minConfidence="high", debounceMs=-5)

    message = await wait_for_message(client, lambda m: "not valid" in m)
    assert "siyada.minConfidence" in message and "siyada.debounceMs" in message
    uri = open_document(client, tmp_path / "a.py", SOURCE)
    # The default minConfidence (0.5) is in force: the 0.6 finding is shown.
    await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)
    assert len([m for m in client.messages if "not valid" in m.message]) == 1


async def test_workspace_configuration_and_changes_apply_without_restart(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("def a", content={"findings": [HINT]})
    await initialize(client, configuration={"endpoint": double.url, "minSeverity": "warning"})
    uri = open_document(client, tmp_path / "a.py", SOURCE)
    await double.wait_for_async(lambda: len(double.chat_requests) == 1)
    await wait_for_status(client, lambda s: status_field(s, "pending") == 0, since=-1)
    assert list(client.diagnostics.get(uri, ())) == []

    # Lowering the bar shows the hint from the answer already received: no new model call.
    client.set_configuration({"endpoint": double.url, "minSeverity": "hint"}, section="siyada")
    client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings=None))
    await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)
    assert len(double.chat_requests) == 1


async def test_pushed_configuration_is_used_by_clients_without_pull(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("def a", content={"findings": [HINT]})
    await initialize(client, endpoint=double.url, categories=["security"])
    uri = open_document(client, tmp_path / "a.py", SOURCE)
    await double.wait_for_async(lambda: len(double.chat_requests) == 1)

    client.workspace_did_change_configuration(
        types.DidChangeConfigurationParams(
            settings={"siyada": {"endpoint": double.url, "categories": ["bug"]}}
        )
    )
    await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)


async def test_remote_endpoint_is_refused_and_never_contacted(
    client: LanguageClient, tmp_path: Path
) -> None:
    # 192.0.2.0/24 is reserved for documentation: nothing there, and it is never dialled.
    await initialize(client, endpoint="http://192.0.2.10:11434")
    message = await wait_for_message(client, lambda m: "refused" in m)
    assert "192.0.2.10" in message and "allowRemoteEndpoint" in message
    status = await wait_for_status(client, lambda s: status_field(s, "state") == "refused")
    assert status_field(status, "remote") is True
    open_document(client, tmp_path / "a.py", SOURCE)
    await wait_for_status(client, lambda s: status_field(s, "state") == "refused", since=-1)


async def test_ollama_down_then_back(client: LanguageClient, tmp_path: Path) -> None:
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    await initialize(client, endpoint=endpoint, debounceMs=0)
    uri = open_document(client, tmp_path / "a.py", SOURCE)

    message = await wait_for_message(client, lambda m: "not reachable" in m)
    assert endpoint in message and "ollama serve" in message
    await wait_for_status(client, lambda s: status_field(s, "state") == "unreachable")

    # Typing while Ollama is down does not repeat the message.
    change_document(client, uri, 2, SOURCE + "\n")
    await wait_for_status(client, lambda s: status_field(s, "pending") == 0, since=-1)

    with OllamaDouble(models=[MODEL], port=port) as double:
        double.add_rule("def a", content={"findings": [HINT]})
        change_document(client, uri, 3, SOURCE + "\n\n")
        await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)
        await wait_for_status(client, lambda s: status_field(s, "state") == "ready", since=-1)
    assert len([m for m in client.messages if "not reachable" in m.message]) == 1


async def test_missing_model_says_how_to_pull_it(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    await initialize(client, endpoint=double.url, model="llama3:8b")
    message = await wait_for_message(client, lambda m: "ollama pull llama3:8b" in m)
    assert double.url in message
    status = await wait_for_status(client, lambda s: status_field(s, "state") == "modelMissing")
    assert status_field(status, "model") == "llama3:8b"


async def test_model_is_warmed_up_with_a_load_request(
    client: LanguageClient, double: OllamaDouble
) -> None:
    await initialize(client, endpoint=double.url, keepAlive="45m")

    def loaded() -> bool:
        return any(
            path == "/api/chat" and body.get("messages") == [] for _, path, body in double.requests
        )

    await double.wait_for_async(loaded)
    load = next(b for _, p, b in double.requests if p == "/api/chat" and b.get("messages") == [])
    assert load["model"] == MODEL and load["keep_alive"] == "45m"
