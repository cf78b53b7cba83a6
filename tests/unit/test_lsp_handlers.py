"""The LSP handlers driven through a `Session` and a fake output: no pygls server.

The model server is the Ollama double over real HTTP, as in the end-to-end tests.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from lsprotocol import types

from siyada.lsp import code_actions, commands, configuration, documents
from siyada.lsp.capabilities import ClientFlags
from siyada.lsp.commands import CommandCall, PullNotOffered
from siyada.lsp.session import Session
from tests.e2e.conftest import MODEL, finding
from tests.model_server import OllamaDouble
from tests.unit.lsp_fakes import FakeOutput, make_session

URI = "file:///work/a.py"
SOURCE = "def load(path):\n    f = open(path)\n    return f.read()\n"
FIX = "    with open(path) as f:\n        return f.read()"


@pytest.fixture
def double() -> Iterator[OllamaDouble]:
    with OllamaDouble(models=[MODEL]) as running:
        yield running


def _open(session: Session, text: str = SOURCE) -> None:
    documents.did_open(
        session,
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=URI, language_id="python", version=1, text=text
            )
        ),
    )


async def test_open_publishes_findings_and_close_clears_them(
    double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("def load", content={"findings": [finding("    f = open(path)")]})
    output = FakeOutput()
    session = make_session(output, tmp_path, endpoint=double.url)

    _open(session)
    await session.scheduler.idle()
    (diagnostic,) = output.latest_diagnostics(URI)
    assert diagnostic.range.start.line == 1 and "never closed" in diagnostic.message

    documents.did_close(
        session,
        types.DidCloseTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=URI)),
    )
    assert output.latest_diagnostics(URI) == []
    assert session.language_of(URI) is None
    await session.close()


async def test_a_language_siyada_does_not_review_is_ignored(
    double: OllamaDouble, tmp_path: Path
) -> None:
    output = FakeOutput()
    session = make_session(output, tmp_path, endpoint=double.url)
    documents.did_open(
        session,
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri="file:///work/notes.txt", language_id="plaintext", version=1, text="hi\n"
            )
        ),
    )
    await session.scheduler.idle()
    assert session.language_of("file:///work/notes.txt") is None
    assert output.diagnostics == [] and double.chat_requests == []
    await session.close()


async def test_code_actions_for_a_published_diagnostic(
    double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule(
        "def load", content={"findings": [finding("    f = open(path)", replacement=FIX)]}
    )
    output = FakeOutput()
    session = make_session(
        output, tmp_path, ClientFlags(versioned_edits=False), endpoint=double.url
    )
    _open(session)
    await session.scheduler.idle()
    (diagnostic,) = output.latest_diagnostics(URI)

    actions = code_actions.code_actions(
        session,
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=URI),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic]),
        ),
    )

    assert actions is not None
    fix, ignore, ask, ignore_file = actions
    assert fix.is_preferred and fix.edit is not None and fix.edit.changes is not None
    (edit,) = fix.edit.changes[URI]  # unversioned: this client cannot take versioned edits
    assert edit.new_text == FIX
    assert fix.title == "Siyada: Fix “File handle is never closed”"
    assert ignore.title == "Siyada: Ignore this bug finding"
    # "Ask about this finding": no edit, the client's command with the finding's data.
    assert ask.title == "Siyada: Ask about this finding" and ask.edit is None
    assert ask.kind == types.CodeActionKind.QuickFix and not ask.is_preferred
    assert ask.command is not None and ask.command.command == "siyada.askAboutFinding"
    assert ask.command.arguments == [URI, diagnostic.data]
    assert ignore_file.title == "Siyada: Ignore in this file"
    assert ignore_file.edit is not None and ignore_file.edit.changes is not None
    (file_edit,) = ignore_file.edit.changes[URI]
    assert file_edit.range.start == types.Position(line=0, character=0)
    assert file_edit.new_text == "# siyada: ignore-file\n"
    await session.close()


async def test_status_and_review_file_commands(double: OllamaDouble, tmp_path: Path) -> None:
    output = FakeOutput()
    session = make_session(output, tmp_path, endpoint=double.url, triggers={"onOpen": False})
    _open(session)
    await session.scheduler.idle()
    assert double.chat_requests == []

    commands.review_file(session, CommandCall([URI]))
    await session.scheduler.idle()

    assert len(double.chat_requests) == 1
    assert commands.status(session, CommandCall()) == output.statuses[-1]
    with pytest.raises(ValueError, match="not an open document"):
        commands.review_file(session, CommandCall(["file:///work/closed.py"]))
    with pytest.raises(ValueError, match="URI"):
        commands.review_file(session, CommandCall())
    await session.close()


async def test_pull_reports_on_the_token_of_its_own_request(
    double: OllamaDouble, tmp_path: Path
) -> None:
    output = FakeOutput()
    session = make_session(output, tmp_path, endpoint=double.url)

    result = await commands.pull_model(session, CommandCall([MODEL], work_done_token="pull-1"))

    assert result == {"status": "success"}
    assert output.created == []  # the client's token needs no create
    values = output.values_on("pull-1")
    assert isinstance(values[0], types.WorkDoneProgressBegin)
    assert values[0].title == f"Pulling {MODEL}"
    assert any(isinstance(v, types.WorkDoneProgressReport) for v in values)
    assert values[-1] == types.WorkDoneProgressEnd(message=f"Pulled {MODEL}")
    await session.close()


async def test_pull_without_a_token_uses_one_the_server_creates(
    double: OllamaDouble, tmp_path: Path
) -> None:
    output = FakeOutput()
    session = make_session(
        output, tmp_path, ClientFlags(work_done_progress=True), endpoint=double.url
    )

    await commands.pull_model(session, CommandCall([MODEL]))

    (token,) = output.created
    assert {sent for sent, _ in output.progress_sent} == {token}
    assert isinstance(output.values_on(token)[-1], types.WorkDoneProgressEnd)
    await session.close()


async def test_pull_is_refused_for_an_openai_server(tmp_path: Path) -> None:
    output = FakeOutput()
    session = make_session(output, tmp_path, provider="openai", endpoint="http://127.0.0.1:9/v1")
    with pytest.raises(PullNotOffered, match="works only with Ollama"):
        await commands.pull_model(session, CommandCall([MODEL], work_done_token="t"))
    assert output.progress_sent == []
    await session.close()


async def test_pushed_configuration_is_applied_and_checked(
    double: OllamaDouble, tmp_path: Path
) -> None:
    output = FakeOutput()
    session = make_session(output, tmp_path, endpoint=double.url)

    await configuration.did_change_configuration(
        session,
        types.DidChangeConfigurationParams(settings={"siyada": {"model": "absent:1b"}}),
    )
    await session.tasks.wait()  # the health check it started

    assert session.settings.model == "absent:1b"
    assert output.statuses[-1]["state"] == "modelMissing"
    assert any("absent:1b" in message for _, message in output.messages)
    await session.close()


async def test_initialized_waits_for_the_client_settings_then_resumes(
    double: OllamaDouble, tmp_path: Path
) -> None:
    output = FakeOutput()
    output.configuration_answer = [{"model": MODEL, "endpoint": double.url, "debounceMs": 0}]
    session = make_session(
        output, tmp_path, ClientFlags(configuration=True), endpoint="http://127.0.0.1:9"
    )

    await configuration.initialized(session, types.InitializedParams())
    await session.tasks.wait()

    assert session.settings.endpoint == double.url
    assert output.statuses[-1]["state"] == "ready"
    _open(session)
    await session.scheduler.idle()
    assert len(double.chat_requests) == 1  # resumed, and with the client's endpoint
    await session.close()


async def test_review_progress_goes_create_begin_end_through_the_output(
    double: OllamaDouble, tmp_path: Path
) -> None:
    output = FakeOutput()
    session = make_session(
        output, tmp_path, ClientFlags(work_done_progress=True), endpoint=double.url
    )
    _open(session)
    await session.scheduler.idle()
    await session.tasks.wait()

    (token,) = output.created
    values = output.values_on(token)
    assert values[0] == types.WorkDoneProgressBegin(
        title="Siyada", message="Reviewing 1 function…", cancellable=False
    )
    assert values[-1] == types.WorkDoneProgressEnd(message="Review done")
    assert [s["state"] for s in output.statuses][-2:] == ["reviewing", "ready"]
    await session.close()


def test_change_annotations_are_used_only_when_the_client_announces_them() -> None:
    def flags(annotations: types.ChangeAnnotationsSupportOptions | None) -> ClientFlags:
        edit = types.WorkspaceEditClientCapabilities(
            document_changes=True, change_annotation_support=annotations
        )
        workspace = types.WorkspaceClientCapabilities(workspace_edit=edit)
        return ClientFlags.of(types.ClientCapabilities(workspace=workspace))

    assert flags(types.ChangeAnnotationsSupportOptions(groups_on_label=True)).change_annotations
    assert not flags(None).change_annotations
    assert not ClientFlags.of(types.ClientCapabilities()).change_annotations


async def test_a_multi_line_fix_needs_confirmation_when_the_client_previews(
    double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule(
        "def load", content={"findings": [finding("    f = open(path)", replacement=FIX)]}
    )
    output = FakeOutput()
    flags = ClientFlags(versioned_edits=True, change_annotations=True)
    session = make_session(output, tmp_path, flags, endpoint=double.url)
    _open(session)
    await session.scheduler.idle()
    (diagnostic,) = output.latest_diagnostics(URI)

    actions = code_actions.code_actions(
        session,
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=URI),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic]),
        ),
    )

    assert actions is not None
    fix = actions[0]
    assert fix.edit is not None and fix.edit.document_changes is not None
    (change,) = fix.edit.document_changes
    assert isinstance(change, types.TextDocumentEdit) and change.text_document.version == 1
    (edit,) = change.edits
    assert isinstance(edit, types.AnnotatedTextEdit) and edit.new_text == FIX
    assert fix.edit.change_annotations == {
        edit.annotation_id: types.ChangeAnnotation(
            label="Siyada: Fix “File handle is never closed”",
            needs_confirmation=True,
            description="Siyada quick fix",
        )
    }
    # The "Ignore" actions insert a comment: nothing to preview ("Ask" has no edit).
    ignores = [a for a in actions[1:] if a.command is None]
    assert len(ignores) == 2
    for ignore in ignores:
        assert ignore.edit is not None and ignore.edit.change_annotations is None
    await session.close()
