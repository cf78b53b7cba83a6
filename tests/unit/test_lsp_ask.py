"""The `siyada.ask` commands driven in process (lsp/ask.py) against the double: what
the end-to-end tests cannot see cheaply."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from siyada.lsp import ask, documents
from siyada.lsp.capabilities import ClientFlags
from siyada.lsp.commands import CommandCall
from siyada.lsp.session import Session
from tests.e2e.conftest import MODEL
from tests.model_server import OllamaDouble, echo_question
from tests.unit.lsp_fakes import FakeOutput, make_session

URI = "file:///work/a.py"
SOURCE = "def load(path):\n    f = open(path)\n    return f.read()\n"
AT_LOAD = {"line": 1, "character": 4}


@pytest.fixture
def double() -> Iterator[OllamaDouble]:
    with OllamaDouble(models=[MODEL], free_answer=echo_question) as running:
        yield running


def _open(session: Session) -> None:
    documents.did_open(
        session,
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=URI, language_id="python", version=1, text=SOURCE
            )
        ),
    )


def _question(text: str, **fields: Any) -> dict[str, Any]:
    return {"uri": URI, "question": text, "finding": None, "position": AT_LOAD} | fields


async def test_the_answer_is_asked_in_the_explanation_language(
    double: OllamaDouble, tmp_path: Path
) -> None:
    output = FakeOutput()
    session = make_session(
        output, tmp_path, endpoint=double.url, explanationLanguage="ar", triggers={"onOpen": False}
    )
    _open(session)

    result = await ask.ask(session, CommandCall((_question("Why?"),)))

    assert result["answer"].startswith("You asked: Why?")
    (chat,) = double.chat_requests
    assert "Write your answer in Arabic (ar)" in chat["messages"][0]["content"]
    # The same context size as the reviews, so the model is not reloaded for a chat.
    assert chat["options"]["num_ctx"] == 8192 and "format" not in chat
    assert output.progress_sent == []  # no token, no progress: the result has it all
    await session.close()


async def test_a_follow_up_about_a_function_sees_its_code_as_it_is_now(
    double: OllamaDouble, tmp_path: Path
) -> None:
    output = FakeOutput()
    session = make_session(output, tmp_path, endpoint=double.url, triggers={"onOpen": False})
    _open(session)
    first = await ask.ask(session, CommandCall((_question("Before?"),)))
    edited = SOURCE.replace("f = open(path)", "f = open(path, 'rb')")
    documents.did_change(
        session,
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=URI, version=2),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=edited)],
        ),
    )

    follow_up = _question("After?", position=None, conversationId=first["conversationId"])
    second = await ask.ask(session, CommandCall((follow_up,)))

    assert second["conversationId"] == first["conversationId"]
    (after,) = [body for body in double.chat_requests if "After?" in str(body)]
    roles = [message["role"] for message in after["messages"]]
    assert roles == ["system", "user", "assistant", "user"]
    assert "f = open(path, 'rb')" in after["messages"][1]["content"]
    assert after["messages"][1]["content"].endswith("Question: Before?")
    await session.close()


async def test_reports_are_cumulative_and_fewer_than_the_pieces(
    double: OllamaDouble, tmp_path: Path
) -> None:
    answer = "".join(f"word{index} " for index in range(1500))
    double.add_rule("Long?", content=answer, free=True)
    output = FakeOutput()
    session = make_session(output, tmp_path, endpoint=double.url, triggers={"onOpen": False})
    _open(session)

    result = await ask.ask(session, CommandCall((_question("Long?"),), "token-1"))

    assert result["answer"] == answer and result["doneReason"] == "stop"
    begin, *reports, end = output.values_on("token-1")
    assert isinstance(begin, types.WorkDoneProgressBegin) and begin.cancellable
    assert begin.title == f"Siyada: asking {MODEL}"
    assert isinstance(end, types.WorkDoneProgressEnd) and end.message == "Siyada answered"
    messages = [report.message or "" for report in reports]
    assert messages[-1] == answer
    assert all(later.startswith(earlier) for earlier, later in itertools.pairwise(messages))
    (chat,) = double.chats()
    assert len(messages) < chat.answer_tokens  # the pieces, each a few characters
    await session.close()


async def test_applying_for_a_client_without_versioned_edits_sends_plain_changes(
    double: OllamaDouble, tmp_path: Path
) -> None:
    output = FakeOutput()
    flags = ClientFlags(versioned_edits=False)
    session = make_session(output, tmp_path, flags, endpoint=double.url, triggers={"onOpen": False})
    _open(session)
    asked = await ask.ask(session, CommandCall((_question("Rewrite?"),)))
    code = "def load(path):\n    with open(path) as f:\n        return f.read()"

    result = await ask.ask_apply(
        session,
        CommandCall(
            ({"uri": URI, "version": 1, "conversationId": asked["conversationId"], "code": code},)
        ),
    )

    assert result == {"applied": True, "reason": None}
    (edit,) = output.edits_applied
    assert edit.changes is not None and edit.document_changes is None
    (change,) = edit.changes[URI]
    assert change.new_text == code
    await session.close()


async def test_an_edit_the_editor_refuses_is_told_with_its_reason(
    double: OllamaDouble, tmp_path: Path
) -> None:
    output = FakeOutput()
    output.apply_result = types.ApplyWorkspaceEditResult(
        applied=False, failure_reason="The file is read-only."
    )
    session = make_session(output, tmp_path, endpoint=double.url, triggers={"onOpen": False})
    _open(session)
    asked = await ask.ask(session, CommandCall((_question("Rewrite?"),)))
    code = "def load(path):\n    return open(path).read()"

    result = await ask.ask_apply(
        session,
        CommandCall(
            ({"uri": URI, "version": 1, "conversationId": asked["conversationId"], "code": code},)
        ),
    )

    assert result == {"applied": False, "reason": "The file is read-only."}
    await session.close()


async def test_applying_in_an_unknown_conversation_is_refused(
    double: OllamaDouble, tmp_path: Path
) -> None:
    output = FakeOutput()
    session = make_session(output, tmp_path, endpoint=double.url, triggers={"onOpen": False})
    _open(session)

    result = await ask.ask_apply(
        session,
        CommandCall(({"uri": URI, "version": 1, "conversationId": "nope", "code": "x = 1"},)),
    )

    assert result == {"applied": False, "reason": "The conversation is no longer known; ask again."}
    assert output.edits_applied == []
    await session.close()


@pytest.mark.parametrize(
    ("command", "arguments"),
    [
        (ask.ask, ()),
        (ask.ask, ("not an object",)),
        (ask.ask, ({"uri": URI, "question": "Why?"},)),  # neither finding nor position
        (ask.ask, (_question("Why?", position={"line": -1, "character": 0}),)),
        (ask.ask, (_question("Why?", conversationId=3),)),
        (ask.ask_clear, ()),
        (ask.ask_apply, ({"uri": URI, "version": "1", "conversationId": "c", "code": ""},)),
    ],
)
async def test_arguments_of_the_wrong_shape_are_invalid_params(
    double: OllamaDouble, tmp_path: Path, command: Any, arguments: tuple[Any, ...]
) -> None:
    output = FakeOutput()
    session = make_session(output, tmp_path, endpoint=double.url, triggers={"onOpen": False})
    _open(session)

    with pytest.raises(JsonRpcInvalidParams):
        result = command(session, CommandCall(arguments))
        if hasattr(result, "__await__"):
            await result

    assert double.chat_requests == []
    await session.close()
