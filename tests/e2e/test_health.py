"""The model server's health as the editor sees it: `starting`, `loading`, and recovery
from an outage without any action of the user."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient, client_capabilities

from tests.e2e.conftest import (
    MODEL,
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
GOOD = {"findings": [finding("    return x / 0", title="Division by zero")]}


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Answers remembered on disk by earlier runs must not stand in for the model."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _states(client: LanguageClient) -> list[str]:
    return [status_field(s, "state") for s in client.statuses]  # type: ignore[attr-defined]


async def test_status_is_starting_then_loading_then_ready(
    client: LanguageClient, double: OllamaDouble
) -> None:
    await initialize(client, endpoint=double.url, keepAlive="45m")
    await wait_for_status(client, lambda s: status_field(s, "state") == "loading")
    ready = await wait_for_status(client, lambda s: status_field(s, "state") == "ready", since=-1)

    states = _states(client)
    assert states[0] == "starting"
    assert states.index("loading") < len(states) - 1 and states[-1] == "ready"
    loading = next(s for s in client.statuses if status_field(s, "state") == "loading")  # type: ignore[attr-defined]
    assert status_field(loading, "message") == f"Loading {MODEL} into memory"
    assert status_field(ready, "model") == MODEL
    loads = [b for _, p, b in double.requests if p == "/api/chat" and b.get("messages") == []]
    assert [b["keep_alive"] for b in loads] == ["45m"]


async def test_unreachable_recovers_and_reviews_without_a_click(
    client: LanguageClient, tmp_path: Path
) -> None:
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    await initialize(client, endpoint=endpoint, debounceMs=0)
    uri = open_document(client, tmp_path / "a.py", SOURCE)
    await wait_for_message(client, lambda m: "not reachable" in m)
    # The review ran and its own retries are over: from now on only the probes contact
    # the port.
    await wait_for_status(client, lambda s: status_field(s, "pending") > 0)
    await wait_for_status(client, lambda s: status_field(s, "pending") == 0, since=-1)
    assert status_field(client.statuses[-1], "state") == "unreachable"  # type: ignore[attr-defined]

    # Ollama starts; the editor sends nothing more: no edit, no save, no command.
    with OllamaDouble(models=[MODEL], port=port) as double:
        double.add_rule("def a", content=GOOD)
        diagnostics = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)
        await wait_for_status(client, lambda s: status_field(s, "state") == "ready", since=-1)
        requests = [(method, path) for method, path, _ in double.requests]
    assert "Division by zero" in diagnostics[0].message
    assert requests[0] == ("GET", "/api/version")
    assert len([m for m in client.messages if "not reachable" in m.message]) == 1


async def test_a_client_that_shows_outages_itself_gets_no_message_for_them(
    client: LanguageClient, tmp_path: Path
) -> None:
    port = _free_port()
    capabilities = client_capabilities("visual_studio_code")
    capabilities.experimental = {"siyadaStatusMessages": True}
    if capabilities.workspace is not None:
        capabilities.workspace.configuration = False
    options: dict[str, Any] = {"endpoint": f"http://127.0.0.1:{port}", "debounceMs": 0}
    await client.initialize_session(
        types.InitializeParams(capabilities=capabilities, initialization_options=options)
    )
    open_document(client, tmp_path / "a.py", SOURCE)
    await wait_for_status(client, lambda s: status_field(s, "state") == "unreachable")

    with OllamaDouble(models=[], port=port):
        await wait_for_status(
            client, lambda s: status_field(s, "state") == "modelMissing", since=-1
        )
    # Both outages reached the client as states only: it shows them (with buttons)
    # and closes them itself; a window/showMessage could not be closed.
    assert client.messages == []


async def test_retry_checks_at_once_and_reviews_the_open_files(
    client: LanguageClient, tmp_path: Path
) -> None:
    port = _free_port()
    await initialize(client, endpoint=f"http://127.0.0.1:{port}", debounceMs=0)
    uri = open_document(client, tmp_path / "a.py", SOURCE)
    await wait_for_status(client, lambda s: status_field(s, "pending") > 0)
    await wait_for_status(client, lambda s: status_field(s, "pending") == 0, since=-1)

    with OllamaDouble(models=[MODEL], port=port) as double:
        double.add_rule("def a", content=GOOD)
        status = await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command="siyada.checkHealth", arguments=[])
        )
        assert status_field(status, "state") in ("ready", "reviewing")
        assert ("POST", "/api/show") in [(m, p) for m, p, _ in double.requests]
        await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)
