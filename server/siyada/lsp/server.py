"""The language server: state shared by the handlers, and their registration.

Handlers live in one module per area (documents, code_actions, configuration,
commands); this module only holds what they share and wires them up.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Coroutine, Generator
from typing import Any

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.protocol.language_server import lsp_method
from pygls.workspace.position_codec import PositionCodec

from siyada import __version__
from siyada.code.languages import LanguageSpec, language_for
from siyada.lsp import code_actions, commands, configuration, documents, lifecycle
from siyada.lsp.capabilities import ClientFlags
from siyada.lsp.configuration import ClientOptions
from siyada.lsp.published import PublishedFixes
from siyada.lsp.rpc import AnsweringProtocol
from siyada.lsp.status import StatusReporter
from siyada.review.connection import is_remote
from siyada.review.engine import Reviewer
from siyada.review.scheduler import Scheduler, SchedulerHooks
from siyada.review.settings import Settings

log = logging.getLogger(__name__)


class SiyadaProtocol(AnsweringProtocol):
    """pygls' protocol with three changes: a request that cannot be read is answered
    (see lsp/rpc.py), documents are kept by Siyada itself (see lsp/text_sync.py), and a
    command can see the `workDoneToken` of its request, which pygls does not pass to
    command handlers (a pull reports progress on it)."""

    _server: SiyadaServer

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
        self._server.command_work_done_token = params.work_done_token
        return (yield from super().lsp_workspace__execute_command(params))


class SiyadaServer(LanguageServer):
    protocol: SiyadaProtocol

    def __init__(self) -> None:
        super().__init__("siyada", __version__, protocol_cls=SiyadaProtocol)
        self.command_work_done_token: int | str | None = None
        self.options = ClientOptions()
        self.settings = Settings()
        self.client_flags = ClientFlags()
        self.languages: dict[str, LanguageSpec] = {}
        self.status = StatusReporter(self)
        self.published = PublishedFixes()
        self._scheduler: Scheduler | None = None
        self._background: set[asyncio.Task[Any]] = set()
        # Set on shutdown/exit: from then on nothing is sent to the client.
        self.closing = False

    # ----- shared state ------------------------------------------------------------

    @property
    def codec(self) -> PositionCodec:
        return self.workspace.position_codec

    @property
    def endpoint_is_remote(self) -> bool:
        return is_remote(self.settings)

    @property
    def scheduler(self) -> Scheduler:
        if self._scheduler is None:
            reviewer = Reviewer(self.settings)
            self._scheduler = Scheduler(reviewer, self._hooks())
            self._tell_cache_problem(reviewer)
        return self._scheduler

    def _tell_cache_problem(self, reviewer: Reviewer) -> None:
        problem = reviewer.cache.problem
        if problem is not None:
            self.show_message(problem, types.MessageType.Warning)

    def language_of(self, uri: str) -> LanguageSpec | None:
        return self.languages.get(uri)

    def track_language(self, uri: str, language_id: str | None) -> LanguageSpec | None:
        spec = language_for(language_id, uri)
        if spec is not None:
            self.languages[uri] = spec
        return spec

    def apply_settings(self, settings: Settings) -> None:
        """Take new settings: a new reviewer (client, policy), re-shown diagnostics."""
        changed = settings != self.settings
        self.settings = settings
        if self._scheduler is not None and changed:
            old = self._scheduler.reviewer
            new = old.reconfigured(settings)
            self._scheduler.use_reviewer(new)
            if not new.shares_client_with(old):
                self.spawn(old.aclose())
            if not new.shares_cache_with(old):
                old.cache.close()
                self._tell_cache_problem(new)
        self.status.settings_changed()

    # ----- lifecycle ---------------------------------------------------------------

    def stop_work(self) -> None:
        """Stop sending and cancel every review and background task (no waiting)."""
        self.closing = True
        if self._scheduler is not None:
            self._scheduler.cancel_all()
        for task in list(self._background):
            task.cancel()

    async def close(self) -> None:
        """Stop work, wait for it to end, release the client and the cache."""
        self.stop_work()
        if self._scheduler is not None:
            await self._scheduler.aclose()
        await asyncio.gather(*list(self._background), return_exceptions=True)
        if self._scheduler is not None:
            reviewer = self._scheduler.reviewer
            await reviewer.aclose()
            reviewer.cache.close()

    # ----- output ------------------------------------------------------------------

    def publish(self, uri: str) -> None:
        if self.closing:
            return
        snapshot = self.scheduler.snapshot(uri)
        if snapshot is None:
            return
        diagnostics = self.published.diagnostics(
            uri, snapshot.findings, snapshot.lines, snapshot.version, self.codec
        )
        params: dict[str, Any] = {"uri": uri, "diagnostics": diagnostics}
        if snapshot.version is not None:
            params["version"] = snapshot.version
        self.protocol.notify_json(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, params)

    def clear(self, uri: str) -> None:
        self.published.forget(uri)
        if self.closing:
            return
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
        )

    def show_message(self, message: str, kind: types.MessageType) -> None:
        if self.closing:
            return
        self.window_show_message(types.ShowMessageParams(type=kind, message=message))

    def log_to_client(self, message: str, kind: types.MessageType) -> None:
        """A line in the editor's log for this server, without a popup."""
        if self.closing:
            return
        self.window_log_message(types.LogMessageParams(type=kind, message=message))

    def report_server_error(self, error: Exception, source: Any) -> None:
        if isinstance(error, UnicodeDecodeError | json.JSONDecodeError):
            # pygls' reader hands here a body it could not parse; the client still
            # waits for an answer, which only the protocol can give.
            self.protocol.answer_unparsable(error)
            return
        super().report_server_error(error, source)

    def spawn(self, coroutine: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run in the background, keeping a strong reference and logging failures."""
        task = asyncio.ensure_future(coroutine)
        if self.closing:
            task.cancel()
        self._background.add(task)
        task.add_done_callback(self._background_done)
        return task

    def _background_done(self, task: asyncio.Task[Any]) -> None:
        self._background.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("Background task failed", exc_info=task.exception())

    def _hooks(self) -> SchedulerHooks:
        return SchedulerHooks(
            findings_changed=self.publish,
            activity=self.status.activity,
            succeeded=self.status.succeeded,
            failed=self.status.failed,
            skipped=lambda message: self.show_message(message, types.MessageType.Info),
        )


def create_server() -> SiyadaServer:
    server = SiyadaServer()
    for area in (configuration, documents, code_actions, commands, lifecycle):
        area.register(server)
    return server
