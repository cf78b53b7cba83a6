"""The language server: pygls wiring only.

Each handler takes the `Session` (lsp/session.py), made at `initialize`, and lives in
the module of its area (lifecycle, configuration, documents, code_actions, commands);
this module registers them and connects the session's `Output` to pygls.
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Callable, Generator, Sequence
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams, JsonRpcServerNotInitialized
from pygls.lsp.server import LanguageServer
from pygls.protocol.language_server import lsp_method

from siyada import __version__
from siyada.lsp import (
    ask,
    code_actions,
    commands,
    configuration,
    documents,
    editor_log,
    hover,
    lifecycle,
)
from siyada.lsp.cancellation import Cancellations
from siyada.lsp.commands import CommandCall
from siyada.lsp.output import ProgressValue, PublishedDiagnostics
from siyada.lsp.rpc import AnsweringProtocol
from siyada.lsp.session import Session
from siyada.lsp.status import STATUS_NOTIFICATION

log = logging.getLogger(__name__)

Handler = Callable[[Session, Any], Any]


class SiyadaProtocol(AnsweringProtocol):
    """pygls' protocol with three changes: a request that cannot be read is answered
    (see lsp/rpc.py), documents are kept by Siyada itself (see lsp/text_sync.py), and a
    command is handed one `CommandCall`: its arguments as sent and the `workDoneToken`
    of its own request, which pygls does not pass to command handlers (a pull reports
    progress on it). Nothing of one request is kept where another could read it. A
    command that ends itself when cancelled (`siyada.ask`) gets the cancellation
    through `Cancellations` (lsp/cancellation.py) instead of pygls' default."""

    def cancellations(self) -> Cancellations:
        server = self._server
        assert isinstance(server, SiyadaServer)
        return server.cancellations

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(
        self, params: types.DidOpenTextDocumentParams
    ) -> Generator[Any, Any, None]:
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_OPEN, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(
        self, params: types.DidChangeTextDocumentParams
    ) -> Generator[Any, Any, None]:
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_CHANGE, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(
        self, params: types.DidCloseTextDocumentParams
    ) -> Generator[Any, Any, None]:
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_CLOSE, params)

    def _user_handler(self, method: str, params: object) -> Generator[Any, Any, None]:
        if (handler := self.fm.features.get(method)) is not None:
            yield handler, (params,), None

    @lsp_method(types.WORKSPACE_EXECUTE_COMMAND)
    def lsp_workspace__execute_command(
        self, params: types.ExecuteCommandParams
    ) -> Generator[Any, Any, Any]:
        if (handler := self.fm.commands.get(params.command)) is None:
            raise JsonRpcInvalidParams.of(
                ValueError(f"Command name {params.command!r} is not defined")
            )
        request_id = self.msg_id
        cancellations = self.cancellations()
        if request_id is not None and params.command in ask.SELF_CANCELLING:
            cancellations.expect(request_id)
        call = CommandCall(
            tuple(params.arguments or ()), params.work_done_token, request_id, cancellations
        )
        return (yield handler, (call,), None)

    def _handle_cancel_notification(self, msg_id: int | str) -> None:
        if not self.cancellations().cancel_request(msg_id):
            super()._handle_cancel_notification(msg_id)

    @lsp_method(types.WINDOW_WORK_DONE_PROGRESS_CANCEL)
    def lsp_work_done_progress_cancel(
        self, params: types.WorkDoneProgressCancelParams
    ) -> Generator[Any, Any, None]:
        if self.cancellations().cancel_progress(params.token):
            return  # a request's own token, which pygls would call unknown
        yield from super().lsp_work_done_progress_cancel(params)


class LspOutput:
    """The session's `Output`, sent through pygls."""

    def __init__(self, server: SiyadaServer) -> None:
        self._server = server

    def publish_diagnostics(self, params: PublishedDiagnostics) -> None:
        self._server.protocol.notify_json(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, params)

    def show_message(self, message: str, kind: types.MessageType) -> None:
        self._server.window_show_message(types.ShowMessageParams(type=kind, message=message))

    def log_message(self, message: str, kind: types.MessageType) -> None:
        self._server.window_log_message(types.LogMessageParams(type=kind, message=message))

    def notify_status(self, status: dict[str, Any]) -> None:
        self._server.protocol.notify(STATUS_NOTIFICATION, status)

    def progress(self, token: types.ProgressToken, value: ProgressValue) -> None:
        self._server.protocol.notify(types.PROGRESS, types.ProgressParams(token=token, value=value))

    async def create_progress(self, token: types.ProgressToken) -> None:
        await self._server.window_work_done_progress_create_async(
            types.WorkDoneProgressCreateParams(token=token)
        )

    async def configuration(self, section: str) -> Sequence[Any]:
        return await self._server.workspace_configuration_async(
            types.ConfigurationParams(items=[types.ConfigurationItem(section=section)])
        )

    async def apply_edit(self, edit: types.WorkspaceEdit) -> types.ApplyWorkspaceEditResult:
        return await self._server.workspace_apply_edit_async(
            types.ApplyWorkspaceEditParams(edit=edit, label="Siyada")
        )


class SiyadaServer(LanguageServer):
    protocol: SiyadaProtocol

    def __init__(self) -> None:
        super().__init__("siyada", __version__, protocol_cls=SiyadaProtocol)
        self.session: Session | None = None
        self.cancellations = Cancellations()

    def bind(self, handler: Handler, *, request: bool) -> Callable[[Any], Any]:
        """`handler` as pygls calls it (with its params only), given the session.
        Before `initialize` there is none: a request is refused with
        ServerNotInitialized, a notification is dropped."""

        def session_for(argument: Any) -> Session | None:
            if self.session is None:
                if request:
                    raise JsonRpcServerNotInitialized()
                log.warning("Dropped a notification sent before initialize: %r", argument)
            return self.session

        if inspect.iscoroutinefunction(handler):

            async def run_async(argument: Any) -> Any:
                session = session_for(argument)
                return None if session is None else await handler(session, argument)

            return run_async

        def run(argument: Any) -> Any:
            session = session_for(argument)
            return None if session is None else handler(session, argument)

        return run

    def report_server_error(self, error: Exception, source: Any) -> None:
        if isinstance(error, UnicodeDecodeError | json.JSONDecodeError):
            # pygls' reader hands here a body it could not parse; the client still
            # waits for an answer, which only the protocol can give.
            self.protocol.answer_unparsable(error)
            return
        super().report_server_error(error, source)


NOTIFICATIONS: tuple[tuple[str, Any, Handler], ...] = (
    (types.INITIALIZED, None, configuration.initialized),
    (types.WORKSPACE_DID_CHANGE_CONFIGURATION, None, configuration.did_change_configuration),
    (types.WORKSPACE_DID_CHANGE_WATCHED_FILES, None, configuration.did_change_watched_files),
    (types.TEXT_DOCUMENT_DID_OPEN, None, documents.did_open),
    (types.TEXT_DOCUMENT_DID_CHANGE, None, documents.did_change),
    (types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False), documents.did_save),
    (types.TEXT_DOCUMENT_DID_CLOSE, None, documents.did_close),
    (documents.FOCUS_NOTIFICATION, None, documents.did_focus),
)
REQUESTS: tuple[tuple[str, Any, Handler], ...] = (
    (
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
        code_actions.code_actions,
    ),
    (types.TEXT_DOCUMENT_HOVER, None, hover.hover),
)


def create_server() -> SiyadaServer:
    server = SiyadaServer()
    _register_lifecycle(server)
    for method, options, handler in NOTIFICATIONS:
        server.feature(method, options)(server.bind(handler, request=False))
    for method, options, handler in REQUESTS:
        server.feature(method, options)(server.bind(handler, request=True))
    for name, command in {**commands.COMMANDS, **ask.COMMANDS}.items():
        server.command(name)(server.bind(command, request=True))
    return server


def _register_lifecycle(server: SiyadaServer) -> None:
    @server.feature(types.INITIALIZE)
    def initialize(params: types.InitializeParams) -> None:
        codec = server.workspace.position_codec
        server.session = lifecycle.start_session(LspOutput(server), params, codec)
        editor_log.forward_to(server.session)

    @server.feature(types.SHUTDOWN)
    async def shutdown(params: None) -> None:
        await lifecycle.shutdown(server.session)

    @server.feature(types.EXIT)
    def exit_now(params: None) -> None:
        lifecycle.exit_now(server.session)
