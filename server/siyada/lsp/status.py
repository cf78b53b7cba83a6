"""What the user sees of Siyada's state: status notification, progress, rare messages.

While everything works the user gets no message at all: only the `siyada/status`
notification (for a status item) and work-done progress while reviews run. A failure
is told once per kind, with what to do, until the state changes.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Final, Literal

from lsprotocol import types

from siyada.i18n import _, ngettext
from siyada.lsp.progress import WorkDone, server_progress
from siyada.models.errors import ModelError

if TYPE_CHECKING:
    from siyada.lsp.session import Session

log = logging.getLogger(__name__)

STATUS_NOTIFICATION = "siyada/status"

State = Literal[
    "starting",
    "loading",
    "ready",
    "reviewing",
    "unreachable",
    "modelMissing",
    "unauthorized",
    "refused",
    "error",
]

# The states a failure is shown as: those spelled like its `ModelError.kind`. A failure
# of any other kind (a busy or failing server, a cut-off answer...) is an "error".
PROBLEM_STATES: Final[dict[str, State]] = {
    "unreachable": "unreachable",
    "modelMissing": "modelMissing",
    "unauthorized": "unauthorized",
    "refused": "refused",
}

# The outages a client that says so (`ClientFlags.status_messages`) tells the user
# itself, from `siyada/status`, with buttons and closed when the state ends: the server
# then sends no `window/showMessage` for them, which no client could close.
CLIENT_TOLD_STATES: Final[frozenset[State]] = frozenset({"unreachable", "modelMissing"})


@dataclass(frozen=True)
class Status:
    state: State
    model: str
    endpoint: str
    remote: bool
    pending: int
    message: str


def state_of(error: ModelError) -> State:
    return PROBLEM_STATES.get(error.kind, "error")


class StatusReporter:
    def __init__(self, session: Session) -> None:
        self._session = session
        self._problem: ModelError | None = None
        # "starting" until the model server first answers (or fails to); "loading"
        # while the model is being loaded into memory.
        self._answered = False
        self._loads = 0  # loads under way: two checks in a row may each load
        # Failures told since the last success: each is told once, even when several
        # kinds alternate (one function gets 500s while another gets 503s).
        self._told: set[tuple[type[ModelError], str]] = set()
        self._pending = 0
        self._last_sent: Status | None = None
        self._progress = _ReviewProgress(session)

    def current(self) -> Status:
        settings = self._session.settings
        remote = self._session.endpoint_is_remote
        if self._problem is not None:
            state: State = state_of(self._problem)
            message = str(self._problem)
        elif not self._answered:
            state = "starting"
            message = _("Checking the model server at {endpoint}", endpoint=settings.endpoint)
        elif self._loads:
            state = "loading"
            message = _("Loading {model} into memory", model=settings.model)
        elif self._pending:
            state, message = "reviewing", _reviewing(self._pending)
        else:
            state, message = "ready", _("Ready")
        if remote and state in ("ready", "reviewing"):
            message = _(
                "{status} (remote endpoint {endpoint}: code is sent there)",
                status=message,
                endpoint=settings.endpoint,
            )
        return Status(state, settings.model, settings.endpoint, remote, self._pending, message)

    @property
    def has_problem(self) -> bool:
        return self._problem is not None

    def loading(self, active: bool) -> None:
        self._loads = max(0, self._loads + (1 if active else -1))
        self.publish()

    def activity(self, pending: int) -> None:
        self._pending = pending
        self._progress.update(pending)
        self.publish()

    def succeeded(self) -> None:
        if self._problem is not None:
            endpoint = self._session.settings.endpoint
            message = f"The model server at {endpoint} answers again."
            self._session.output.log_message(message, types.MessageType.Info)
        self._answered = True
        self._problem = None
        self._told.clear()
        self.publish()

    def failed(self, error: ModelError) -> None:
        self._answered = True
        self._problem = error
        state = state_of(error)
        told = (type(error), str(error))
        if told not in self._told:
            self._told.add(told)
            log.warning("%s", error)
            if not (self._session.client_flags.status_messages and state in CLIENT_TOLD_STATES):
                self._session.output.show_message(str(error), types.MessageType.Warning)
        self.publish()
        if state == "unreachable":
            self._session.health.watch()

    def settings_changed(self) -> None:
        self._problem = None
        self._told.clear()
        self.publish()

    def publish(self) -> None:
        if self._session.closing:
            return
        status = self.current()
        if status != self._last_sent:
            self._last_sent = status
            self._session.output.notify_status(asdict(status))


def _reviewing(count: int) -> str:
    return ngettext("Reviewing {count} function", "Reviewing {count} functions", count)


class _ReviewProgress:
    """Work-done progress while reviews run, reconciled by one task so that create,
    begin, report and end always reach the client in order."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._wanted = 0
        self._changed = asyncio.Event()
        self._runner: asyncio.Task[None] | None = None

    def update(self, pending: int) -> None:
        if not self._session.client_flags.work_done_progress or self._session.closing:
            return
        self._wanted = pending
        self._changed.set()
        if self._runner is None or self._runner.done():
            self._runner = self._session.spawn(self._run())

    async def _run(self) -> None:
        progress: WorkDone | None = None
        shown = 0
        while True:
            if progress is None and self._wanted == 0:
                return
            await self._changed.wait()
            self._changed.clear()
            wanted = self._wanted
            if progress is None and wanted > 0:
                progress = await server_progress(self._session.output, supported=True)
                if not progress.shown:
                    return
                progress.begin("Siyada", message=_("{status}…", status=_reviewing(wanted)))
            elif progress is not None and wanted > 0 and wanted != shown:
                progress.report(message=_("{status}…", status=_reviewing(wanted)))
            elif progress is not None and wanted == 0:
                progress.end(_("Review done"))
                progress = None
            shown = wanted
