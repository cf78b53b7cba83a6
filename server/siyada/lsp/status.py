"""What the user sees of Siyada's state: status notification, progress, rare messages.

While everything works the user gets no message at all: only the `siyada/status`
notification (for a status item) and work-done progress while reviews run. A failure
is told once per kind, with what to do, until the state changes.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Literal

from lsprotocol import types

from siyada.models.errors import Unauthorized
from siyada.models.ollama import EndpointUnreachable, ModelError, ModelNotFound
from siyada.review.connection import EndpointRefused

if TYPE_CHECKING:
    from siyada.lsp.server import SiyadaServer

log = logging.getLogger(__name__)

STATUS_NOTIFICATION = "siyada/status"

State = Literal[
    "ready", "reviewing", "unreachable", "modelMissing", "unauthorized", "refused", "error"
]


@dataclass(frozen=True)
class Status:
    state: State
    model: str
    endpoint: str
    remote: bool
    pending: int
    message: str


def _state_of(error: ModelError) -> State:
    if isinstance(error, EndpointRefused):
        return "refused"
    if isinstance(error, EndpointUnreachable):
        return "unreachable"
    if isinstance(error, ModelNotFound):
        return "modelMissing"
    if isinstance(error, Unauthorized):
        return "unauthorized"
    return "error"


class StatusReporter:
    def __init__(self, server: SiyadaServer) -> None:
        self._server = server
        self._problem: ModelError | None = None
        # Failures told since the last success: each is told once, even when several
        # kinds alternate (one function gets 500s while another gets 503s).
        self._told: set[tuple[type[ModelError], str]] = set()
        self._pending = 0
        self._last_sent: Status | None = None
        self._progress = _Progress(server)

    def current(self) -> Status:
        settings = self._server.settings
        remote = self._server.endpoint_is_remote
        if self._problem is not None:
            state: State = _state_of(self._problem)
            message = str(self._problem)
        elif self._pending:
            state, message = "reviewing", f"Reviewing {_functions(self._pending)}"
        else:
            state, message = "ready", "Ready"
        if remote and state in ("ready", "reviewing"):
            message += f" (remote endpoint {settings.endpoint}: code is sent there)"
        return Status(state, settings.model, settings.endpoint, remote, self._pending, message)

    def activity(self, pending: int) -> None:
        self._pending = pending
        self._progress.update(pending)
        self.publish()

    def succeeded(self) -> None:
        if self._problem is not None:
            log.info("The model server answers again.")
        self._problem = None
        self._told.clear()
        self.publish()

    def failed(self, error: ModelError) -> None:
        self._problem = error
        told = (type(error), str(error))
        if told not in self._told:
            self._told.add(told)
            log.warning("%s", error)
            self._server.show_message(str(error), types.MessageType.Warning)
        self.publish()

    def settings_changed(self) -> None:
        self._problem = None
        self._told.clear()
        self.publish()

    def publish(self) -> None:
        if self._server.closing:
            return
        status = self.current()
        if status != self._last_sent:
            self._last_sent = status
            self._server.protocol.notify(STATUS_NOTIFICATION, asdict(status))


def _functions(count: int) -> str:
    return f"{count} function" + ("" if count == 1 else "s")


class _Progress:
    """Server-initiated work-done progress, reconciled by one task so that create,
    begin, report and end always reach the client in order."""

    def __init__(self, server: SiyadaServer) -> None:
        self._server = server
        self._wanted = 0
        self._changed = asyncio.Event()
        self._runner: asyncio.Task[None] | None = None

    def update(self, pending: int) -> None:
        if not self._server.client_flags.work_done_progress or self._server.closing:
            return
        self._wanted = pending
        self._changed.set()
        if self._runner is None or self._runner.done():
            self._runner = asyncio.ensure_future(self._run())

    async def _run(self) -> None:
        token: str | None = None
        shown = 0
        while True:
            if token is None and self._wanted == 0:
                return
            await self._changed.wait()
            self._changed.clear()
            wanted = self._wanted
            if token is None and wanted > 0:
                token = str(uuid.uuid4())
                if not await self._create(token):
                    return
                self._send(
                    token,
                    types.WorkDoneProgressBegin(
                        title="Siyada",
                        message=f"Reviewing {_functions(wanted)}…",
                        cancellable=False,
                    ),
                )
            elif token is not None and wanted > 0 and wanted != shown:
                self._send(
                    token, types.WorkDoneProgressReport(message=f"Reviewing {_functions(wanted)}…")
                )
            elif token is not None and wanted == 0:
                self._send(token, types.WorkDoneProgressEnd(message="Review done"))
                token = None
            shown = wanted

    async def _create(self, token: str) -> bool:
        try:
            await self._server.window_work_done_progress_create_async(
                types.WorkDoneProgressCreateParams(token=token)
            )
        except Exception as error:  # a client may refuse; progress is a courtesy
            log.debug("Client refused work-done progress: %s", error)
            return False
        return True

    def _send(
        self,
        token: str,
        value: types.WorkDoneProgressBegin
        | types.WorkDoneProgressReport
        | types.WorkDoneProgressEnd,
    ) -> None:
        self._server.protocol.notify(types.PROGRESS, types.ProgressParams(token=token, value=value))
