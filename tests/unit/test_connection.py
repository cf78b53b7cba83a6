from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest

from siyada.lsp.status import StatusReporter
from siyada.models.ollama import OllamaClient
from siyada.review.connection import EndpointRefused, is_remote, open_client
from siyada.review.settings import Settings

REMOTE = "http://192.0.2.10:11434"  # documentation range: never dialled by these tests


def test_loopback_endpoints_are_local() -> None:
    for endpoint in ("http://127.0.0.1:11434", "http://localhost:11434", "http://[::1]:11434"):
        assert not is_remote(Settings(endpoint=endpoint))
    assert is_remote(Settings(endpoint=REMOTE))
    assert is_remote(Settings(endpoint="http://gpu-box.internal:11434"))


def test_remote_endpoint_is_refused_before_any_client_exists() -> None:
    with pytest.raises(EndpointRefused) as refused:
        open_client(Settings(endpoint=REMOTE))
    assert REMOTE in str(refused.value) and "allowRemoteEndpoint" in str(refused.value)


def test_remote_endpoint_allowed_explicitly() -> None:
    client = open_client(Settings(endpoint=REMOTE, allow_remote_endpoint=True))
    assert isinstance(client, OllamaClient)
    asyncio.run(client.aclose())


def test_status_says_when_code_goes_to_a_remote_endpoint() -> None:
    settings = Settings(endpoint=REMOTE, allow_remote_endpoint=True)
    server = SimpleNamespace(
        settings=settings,
        endpoint_is_remote=True,
        client_flags=SimpleNamespace(work_done_progress=False),
        closing=True,
    )
    reporter = StatusReporter(server)  # type: ignore[arg-type]
    reporter.succeeded()
    status = reporter.current()
    assert status.remote is True and status.state == "ready"
    assert f"remote endpoint {REMOTE}: code is sent there" in status.message
