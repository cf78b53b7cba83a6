"""`siyada.ask`, `siyada.askClear`, `siyada.askApply` end to end: the real server over
stdio against the double over real HTTP, in both protocols."""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import LanguageClient

from tests.e2e.conftest import (
    MODEL,
    WAIT,
    change_document,
    finding,
    initialize,
    open_document,
    wait_for_diagnostics,
    wait_until,
)
from tests.model_server import ModelServer, OllamaDouble, OpenAIDouble, echo_question

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
        OllamaDouble(models=[MODEL], free_answer=echo_question)
        if request.param == "ollama"
        else OpenAIDouble([MODEL], free_answer=echo_question)
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


async def test_a_question_about_a_function_starts_from_its_code(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    await initialize(client, **_options(model_server))
    uri = open_document(client, tmp_path / "a.py", SOURCE)
    model_server.add_rule("Is it pure?", content="Yes, it is pure.", free=True)

    position = {"line": 6, "character": 4}
    result = await _ask(client, _question(uri, "Is it pure?", position=position))

    assert result["answer"] == "Yes, it is pure."
    assert result["conversationId"] == f"function:{uri}#other"
    (chat,) = [body for body in model_server.chat_requests if "Is it pure?" in str(body)]
    system, first = chat["messages"]
    assert system["role"] == "system" and "English" in system["content"]
    assert "def other():\n    return 1" in first["content"]
    assert "def load" not in first["content"] and "Siyada reported" not in first["content"]


async def test_a_follow_up_question_carries_the_conversation(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    uri, diagnostic = await _diagnostic(client, model_server, tmp_path)
    model_server.add_rule("First?", content="First answer.", free=True)
    model_server.add_rule("Second?", content="Second answer.", free=True)
    first = await _ask(client, _question(uri, "First?", finding=diagnostic.data))

    second = await _ask(client, _question(uri, "Second?", conversationId=first["conversationId"]))

    assert second["conversationId"] == first["conversationId"]
    assert second["answer"] == "Second answer."
    (chat,) = [body for body in model_server.chat_requests if "Second?" in str(body)]
    roles = [message["role"] for message in chat["messages"]]
    assert roles == ["system", "user", "assistant", "user"]
    assert chat["messages"][1]["content"].endswith("Question: First?")
    assert "def load(path):" in chat["messages"][1]["content"]
    assert chat["messages"][2]["content"] == "First answer."
    assert chat["messages"][3]["content"] == "Second?"


async def test_clearing_a_conversation_starts_the_next_question_afresh(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    uri, diagnostic = await _diagnostic(client, model_server, tmp_path)
    first = await _ask(client, _question(uri, "Before?", finding=diagnostic.data))

    cleared = await _execute(client, "siyada.askClear", first["conversationId"])
    again = await _execute(client, "siyada.askClear", first["conversationId"])
    after = await _ask(
        client,
        _question(uri, "After?", finding=diagnostic.data, conversationId=first["conversationId"]),
    )

    assert first["answer"].startswith("You asked: Before?")
    assert cleared == {"cleared": True} and again == {"cleared": False}
    assert after["conversationId"] == first["conversationId"]  # the same finding
    (chat,) = [body for body in model_server.chat_requests if "After?" in str(body)]
    assert [message["role"] for message in chat["messages"]] == ["system", "user"]
    assert "Before?" not in str(chat)


async def test_the_oldest_turns_are_dropped_to_fit_the_context_with_a_note(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    uri, diagnostic = await _diagnostic(client, model_server, tmp_path)
    # About 4,000 tokens each: two such questions do not fit 8,192 with the answer's room.
    long_one, long_two = ("one " * 3500) + "Q-one?", ("two " * 3500) + "Q-two?"
    first = await _ask(client, _question(uri, long_one, finding=diagnostic.data))
    conversation = first["conversationId"]

    second = await _ask(client, _question(uri, long_two, conversationId=conversation))

    assert first["droppedTurns"] == 0 and first["note"] is None
    assert second["droppedTurns"] == 1
    assert second["note"] == (
        "The oldest turn of this conversation was dropped to fit the model's context."
    )
    (chat,) = [body for body in model_server.chat_requests if "Q-two?" in str(body)]
    assert "Q-one?" not in str(chat)
    # The function and the finding still lead the conversation.
    first_message = chat["messages"][1]["content"]
    assert first_message.startswith("The python function load:")
    assert "File handle is never closed" in first_message


async def _execute(client: LanguageClient, command: str, *arguments: Any) -> Any:
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command=command, arguments=list(arguments))
    )


LONG = "A long answer, word by word. " * 400


async def _stopped_midway(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path, stop: str
) -> None:
    uri, diagnostic = await _diagnostic(client, model_server, tmp_path)
    model_server.add_rule("Long?", content=LONG, chunk_delay=0.02, free=True)
    token, request_id = f"ask-{uuid.uuid4()}", f"request-{uuid.uuid4()}"
    params = types.ExecuteCommandParams(
        command="siyada.ask",
        arguments=[_question(uri, "Long?", finding=diagnostic.data)],
        work_done_token=token,
    )
    answering = asyncio.ensure_future(
        client.protocol.send_request_async(
            types.WORKSPACE_EXECUTE_COMMAND, params, msg_id=request_id
        )
    )
    await wait_until(
        client,
        types.PROGRESS,
        lambda: any(isinstance(r, types.WorkDoneProgressReport) for r in _reports(client, token)),
    )

    if stop == "request":
        client.protocol.notify(types.CANCEL_REQUEST, types.CancelParams(id=request_id))
    else:
        client.protocol.notify(
            types.WINDOW_WORK_DONE_PROGRESS_CANCEL, types.WorkDoneProgressCancelParams(token=token)
        )
    result = await asyncio.wait_for(answering, WAIT)

    # The answer so far comes back; the model's HTTP request was closed under it.
    assert result["doneReason"] == "cancelled"
    assert result["answer"] and LONG.startswith(result["answer"]) and result["answer"] != LONG
    await model_server.wait_for_async(
        lambda: any(chat.free and chat.disconnected for chat in model_server.chats()), WAIT
    )
    (chat,) = [c for c in model_server.chats() if c.free]
    assert not chat.completed and 0 < chat.pieces_sent < chat.answer_tokens
    await wait_until(
        client,
        types.PROGRESS,
        lambda: isinstance(_reports(client, token)[-1], types.WorkDoneProgressEnd),
    )
    reports = [r for r in _reports(client, token) if isinstance(r, types.WorkDoneProgressReport)]
    assert reports[-1].message == result["answer"]
    # Handled as this request's own: no warning about an unknown token or request.
    assert not any("unknown" in m.message for m in client.log_messages), client.log_messages
    # The partial answer stays in the conversation: a follow-up question carries it.
    follow_up = await _ask(
        client, _question(uri, "Go on?", conversationId=result["conversationId"])
    )
    assert follow_up["doneReason"] == "stop"
    (asked,) = [body for body in model_server.chat_requests if "Go on?" in str(body)]
    assert asked["messages"][2] == {"role": "assistant", "content": result["answer"]}


async def test_cancelling_the_request_stops_a_long_answer(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    await _stopped_midway(client, model_server, tmp_path, stop="request")


async def test_cancelling_the_progress_stops_a_long_answer(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    await _stopped_midway(client, model_server, tmp_path, stop="progress")


WHOLE_FUNCTION = "def load(path):\n    with open(path) as f:\n        return f.read()"


def _accept_edits(client: LanguageClient) -> list[types.ApplyWorkspaceEditParams]:
    """Apply every `workspace/applyEdit` as an editor would; the edits asked for."""
    asked: list[types.ApplyWorkspaceEditParams] = []

    @client.feature(types.WORKSPACE_APPLY_EDIT)
    def _apply(params: types.ApplyWorkspaceEditParams) -> types.ApplyWorkspaceEditResult:
        asked.append(params)
        return types.ApplyWorkspaceEditResult(applied=True)

    return asked


async def _apply(
    client: LanguageClient, uri: str, version: int, conversation: str, code: str
) -> Any:
    arguments = {"uri": uri, "version": version, "conversationId": conversation, "code": code}
    return await _execute(client, "siyada.askApply", arguments)


def _only_text_edit(params: types.ApplyWorkspaceEditParams) -> tuple[types.TextEdit, int | None]:
    changes = params.edit.document_changes
    assert changes is not None and len(changes) == 1
    (change,) = changes
    assert isinstance(change, types.TextDocumentEdit)
    (edit,) = change.edits
    assert isinstance(edit, types.TextEdit)
    return edit, change.text_document.version


async def test_applying_a_whole_function_replaces_it_with_a_versioned_edit(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    asked = _accept_edits(client)
    uri, diagnostic = await _diagnostic(client, model_server, tmp_path)
    answer = await _ask(client, _question(uri, "Fix it?", finding=diagnostic.data))

    result = await _apply(client, uri, 1, answer["conversationId"], WHOLE_FUNCTION)

    assert result == {"applied": True, "reason": None}
    (params,) = asked
    edit, version = _only_text_edit(params)
    assert version == 1
    assert edit.range == types.Range(
        start=types.Position(line=0, character=0), end=types.Position(line=2, character=19)
    )
    assert edit.new_text == WHOLE_FUNCTION


async def test_applying_lines_replaces_the_findings_evidence(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    asked = _accept_edits(client)
    uri, diagnostic = await _diagnostic(client, model_server, tmp_path)
    answer = await _ask(client, _question(uri, "Fix it?", finding=diagnostic.data))

    # A block written at column 0, as models often do: indented like the evidence.
    code = "f = open(path, encoding='utf-8')"
    result = await _apply(client, uri, 1, answer["conversationId"], code)

    assert result == {"applied": True, "reason": None}
    edit, version = _only_text_edit(asked[0])
    assert version == 1 and edit.new_text == "    f = open(path, encoding='utf-8')"
    assert edit.range.start == types.Position(line=1, character=0)
    assert edit.range.end == types.Position(line=1, character=18)


async def test_applying_is_refused_once_the_document_changed(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    asked = _accept_edits(client)
    uri, diagnostic = await _diagnostic(client, model_server, tmp_path)
    answer = await _ask(client, _question(uri, "Fix it?", finding=diagnostic.data))
    change_document(client, uri, 2, "# a comment\n" + SOURCE)

    result = await _apply(client, uri, 1, answer["conversationId"], WHOLE_FUNCTION)

    assert result == {
        "applied": False,
        "reason": "The document changed since; ask again about the code as it is now.",
    }
    assert asked == []


async def test_applying_code_that_reaches_outside_the_function_is_refused(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    asked = _accept_edits(client)
    uri, diagnostic = await _diagnostic(client, model_server, tmp_path)
    about_finding = await _ask(client, _question(uri, "Fix it?", finding=diagnostic.data))
    about_function = await _ask(
        client, _question(uri, "Rewrite?", position={"line": 6, "character": 0})
    )

    # Another function in place of the finding's line: a definition added in `load`.
    other_function = "def other():\n    return 2"
    into_finding = await _apply(client, uri, 1, about_finding["conversationId"], other_function)
    # Lines that are not `other` itself, in a conversation about no finding.
    into_function = await _apply(client, uri, 1, about_function["conversationId"], "return 2")

    assert into_finding == {
        "applied": False,
        "reason": "The code cannot replace the finding's lines: it adds or removes a definition.",
    }
    assert into_function == {
        "applied": False,
        "reason": "The code block is not the whole function other, and the conversation is "
        "about no finding whose lines it could replace.",
    }
    assert asked == []


async def test_what_cannot_be_asked_is_answered_with_the_reason(
    client: LanguageClient, model_server: ModelServer, tmp_path: Path
) -> None:
    uri, diagnostic = await _diagnostic(client, model_server, tmp_path)
    stale = {**diagnostic.data, "startLine": 0, "endLine": 0, "evidenceLines": ["def load(path):"]}

    with pytest.raises(JsonRpcException) as no_question:
        await _ask(client, _question(uri, "  ", finding=diagnostic.data))
    with pytest.raises(JsonRpcException) as not_shown:
        await _ask(client, _question(uri, "Why?", finding=stale))
    with pytest.raises(JsonRpcException) as no_function:
        await _ask(client, _question(uri, "Why?", position={"line": 3, "character": 0}))
    model_server.stop()
    with pytest.raises(JsonRpcException) as unreachable:
        await _ask(client, _question(uri, "Why?", finding=diagnostic.data))

    assert no_question.value.code == types.ErrorCodes.InvalidParams
    assert "question must be a non-empty string" in no_question.value.message
    assert not_shown.value.code == types.LSPErrorCodes.RequestFailed
    assert not_shown.value.message == (
        "This finding is not shown in the document as it is now; ask about its function instead."
    )
    assert no_function.value.code == types.LSPErrorCodes.RequestFailed
    assert no_function.value.message == "There is no function at line 4 to ask about."
    assert unreachable.value.code == types.LSPErrorCodes.RequestFailed
    assert model_server.url.removeprefix("http://") in unreachable.value.message
