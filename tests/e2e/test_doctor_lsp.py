"""`siyada.doctor` over LSP: the real server process, the Ollama double, and a stub
nvidia-smi on the server's PATH."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.e2e.conftest import MODEL, initialize
from tests.model_server import OllamaDouble

GPU_STUBS = Path(__file__).parents[1] / "fixtures" / "gpu_stubs"
SERVER_ENV = {**os.environ, "PATH": str(GPU_STUBS)}


@pytest_lsp.fixture(
    config=ClientServerConfig(
        server_command=[sys.executable, "-m", "siyada", "lsp", "--stdio"], server_env=SERVER_ENV
    )
)
async def client(lsp_client: LanguageClient) -> Any:
    yield
    with contextlib.suppress(RuntimeError):
        await lsp_client.shutdown_session()


@pytest.fixture
def double() -> Iterator[OllamaDouble]:
    with OllamaDouble(models=[MODEL]) as running:
        yield running


async def _doctor(client: LanguageClient, *arguments: object) -> Any:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="siyada.doctor", arguments=list(arguments))
    )


async def test_doctor_reports_as_json_markdown_and_text(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    (tmp_path / "a.py").write_text("def a(x):\n    return x + 1\n")
    await initialize(client, endpoint=double.url, cacheDir=str(tmp_path / "cache"))

    result = await _doctor(client, tmp_path.as_uri())

    report = result["report"]
    assert report["server"]["endpoint"] == double.url
    assert report["server"]["reachable"] is True and report["server"]["model_installed"] is True
    assert report["gpus"][0]["name"] == "NVIDIA GeForce RTX 3070"
    assert report["recommendation"]["pull_command"] == "ollama pull qwen2.5-coder:7b"
    assert report["speed"]["measured"] is True
    assert report["workspace"]["functions"] == 1
    assert report["workspace"]["folder"] == str(tmp_path)
    markdown, text = result["markdown"], result["text"]
    assert markdown.startswith("# Siyada doctor\n")
    assert "## Model server" in markdown and "- reachable: yes" in markdown
    assert "- install: `ollama pull qwen2.5-coder:7b`" in markdown
    assert text.startswith("Siyada doctor\n") and "  reachable: yes" in text
    assert "GPU: NVIDIA GeForce RTX 3070, 8.6 GB, 8.0 GB free" in text
    # The timed request went to the session's own endpoint, with the review's context.
    (speed_chat,) = [c for c in double.chat_requests if "Speed check" in str(c["messages"])]
    assert speed_chat["options"]["num_ctx"] == 8192


async def test_doctor_without_a_folder_and_with_a_bad_one(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    await initialize(client, endpoint=double.url, cacheDir=str(tmp_path / "cache"))

    result = await _doctor(client)
    assert result["report"]["workspace"] is None
    assert result["report"]["workspace_problem"] == "no workspace folder was given"

    with pytest.raises(JsonRpcException, match="workspace folder's file: URI"):
        await _doctor(client, "https://example.com/")
