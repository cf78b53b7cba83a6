"""`siyada.ask`, `siyada.askClear`, `siyada.askApply` end to end: the real server over
stdio against the double over real HTTP, in both protocols."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.conftest import (
    MODEL,
    finding,
    initialize,
    open_document,
    wait_for_diagnostics,
    wait_until,
)
from tests.model_server import ModelServer, OllamaDouble, OpenAIDouble

pytestmark = pytest.mark.filterwarnings("ignore:Unknown progress token")

SOURCE = (
    "def load(path):\n    f = open(path)\n    return f.read()\n\n\ndef other():\n    return 1\n"
)
ANSWER = (
    "The file is never closed.\n\nUse a `with` block:\n\n"
    "```python\n    with open(path) as f:\n        return f.read()\n```\n"
)


@pytest.fixture(params=["ollama", "openai"])
def model_server(request: pytest.FixtureRequest) -> Iterator[ModelServer]:
    double: ModelServer = (
        OllamaDouble(models=[MODEL]) if request.param == "ollama" else OpenAIDouble([MODEL])
    )
    with double:
        yield double


def _options(server: ModelServer) -> dict[str, Any]:
    if isinstance(server, OpenAIDouble):
        return {"endpoint": server.url, "provider": "openai", "model": MODEL}
    return {"endpoint": server.url}


async def _ask(
    client: LanguageClient, arguments: dict[str, Any], token: str | None = None
) -> dict[str, Any]:
    result = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(
            command="siyada.ask", arguments=[arguments], work_done_token=token
        )
    )
    assert isinstance(result, dict)
    return result


def _question(uri: str, question: str, **fields: Any) -> dict[str, Any]:
    return {
        "uri": uri,
        "question": question,
        "finding": None,
        "position": None,
        "conversationId": None,
        **fields,
    }


async def _diagnostic(
    client: LanguageClient, server: ModelServer, tmp_path: Path
) -> tuple[str, types.Diagnostic]:
    server.add_rule("def load", content={"findings": [finding("    f = open(path)")]}, free=False)
    await initialize(client, **_options(server))
    uri = open_document(client, tmp_path / "a.py", SOURCE)
    (diagnostic,) = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)
    return uri, diagnostic


def _reports(client: LanguageClient, token: str) -> list[Any]:
    return client.progress_reports.get(token, [])


async def test_an_answer_about_a_finding_streams_in_then_returns(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    uri, diagnostic = await _diagnostic(client, model_server, tmp_path)
    model_server.add_rule("Why is this a problem?", content=ANSWER, free=True)
    token = str(uuid.uuid4())

    result = await _ask(
        client, _question(uri, "Why is this a problem?", finding=diagnostic.data), token
    )

    assert result["answer"] == ANSWER
    assert result["doneReason"] == "stop"
    assert result["droppedTurns"] == 0 and result["note"] is None
    assert result["model"] == MODEL
    assert result["conversationId"].startswith("finding:")
    await wait_until(
        client,
        types.PROGRESS,
        lambda: isinstance(_reports(client, token)[-1:][0], types.WorkDoneProgressEnd),
    )
    begin, *reports, end = _reports(client, token)
    assert isinstance(begin, types.WorkDoneProgressBegin) and begin.cancellable
    assert isinstance(end, types.WorkDoneProgressEnd)
    messages = [r.message for r in reports]
    # Each report is the whole answer so far: a prefix of the next, the last one whole.
    assert len(messages) >= 2
    assert all(later.startswith(earlier) for earlier, later in itertools.pairwise(messages))
    assert messages[-1] == ANSWER
    # What the model was asked: the function, the finding and its explanation, no format.
    (chat,) = [body for body in model_server.chat_requests if "Why is" in str(body)]
    assert "format" not in chat and "response_format" not in chat
    first = chat["messages"][1]["content"]
    assert "def load(path):" in first and "File handle is never closed" in first
    assert "Explanation of: File handle is never closed." in first
    assert first.endswith("Question: Why is this a problem?")
