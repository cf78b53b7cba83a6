"""lsp/server.py: registration and wiring only; what it adds is checked here."""

from __future__ import annotations

import contextvars
import logging

import pytest
from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams, JsonRpcServerNotInitialized

from siyada.lsp import ask, commands, documents
from siyada.lsp.commands import CommandCall
from siyada.lsp.server import create_server


def test_a_command_gets_its_own_request_token_and_arguments() -> None:
    server = create_server()
    params = types.ExecuteCommandParams(
        command=commands.PULL_MODEL, arguments=["m:1b"], work_done_token="pull-7"
    )

    steps = server.protocol.lsp_workspace__execute_command(params)
    handler, args, kwargs = next(steps)

    assert handler is server.protocol.fm.commands[commands.PULL_MODEL]
    # Outside a request there is no request id; the server's cancellations come along.
    assert args == (CommandCall(("m:1b",), "pull-7", None, server.cancellations),)
    assert kwargs is None
    assert not hasattr(server, "command_work_done_token")


def test_an_ask_request_is_expected_to_end_itself_when_cancelled() -> None:
    server = create_server()
    params = types.ExecuteCommandParams(command=ask.ASK, arguments=[{}], work_done_token="t")

    def handling_request_7() -> CommandCall:
        server.protocol._ctx_msg_id.set(7)  # as pygls sets it while handling request 7
        _, (call,), _ = next(server.protocol.lsp_workspace__execute_command(params))
        assert isinstance(call, CommandCall)
        return call

    call = contextvars.copy_context().run(handling_request_7)

    assert call.request_id == 7 and call.cancellations is server.cancellations
    # A cancellation that comes before the command runs waits for it, not for pygls.
    assert server.cancellations.cancel_request(7) is True
    assert server.cancellations.cancel_request(8) is False


def test_an_unknown_command_is_invalid_params() -> None:
    server = create_server()
    steps = server.protocol.lsp_workspace__execute_command(
        types.ExecuteCommandParams(command="siyada.nothing")
    )
    with pytest.raises(JsonRpcInvalidParams, match=r"siyada\.nothing"):
        next(steps)


def test_every_command_and_the_focus_notification_are_registered() -> None:
    server = create_server()
    assert set(server.protocol.fm.commands) == set(commands.COMMANDS) | set(ask.COMMANDS)
    assert documents.FOCUS_NOTIFICATION in server.protocol.fm.features


def test_before_initialize_a_request_is_refused() -> None:
    server = create_server()
    status = server.protocol.fm.commands[commands.STATUS]
    with pytest.raises(JsonRpcServerNotInitialized):
        status(CommandCall())


def test_before_initialize_a_notification_is_dropped_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = create_server()
    did_open = server.protocol.fm.features[types.TEXT_DOCUMENT_DID_OPEN]
    params = types.DidOpenTextDocumentParams(
        text_document=types.TextDocumentItem(
            uri="file:///work/a.py", language_id="python", version=1, text="x = 1\n"
        )
    )
    with caplog.at_level(logging.WARNING, logger="siyada.lsp.server"):
        assert did_open(params) is None
    assert "before initialize" in caplog.text
    assert server.session is None
