"""The model server's health over a session: checked, recovered, kept warm.

- `check()`: is the server there and does it have the model? Asked at start and after
  each settings change, so the user learns what to fix before the first review.
- Recovery: while it is unreachable a cheap probe (Ollama: `GET /api/version`; an
  OpenAI-compatible server: `GET /v1/models`, the request its health check already
  uses) goes to the configured endpoint, and nowhere else, on a backoff schedule. When
  it answers, the check runs again and the open documents are reviewed: no click.
- Warmth (Ollama): after a successful check the model is loaded, and again when the
  user works after the model sat idle longer than `keepAlive` (Ollama has unloaded it
  by then), so the load overlaps typing instead of the first review. An
  OpenAI-compatible server loads its models itself and has no load request.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from siyada.models.errors import (
    EndpointUnreachable,
    ModelError,
    RequestTimedOut,
    ServerBusy,
    StreamFailure,
)
from siyada.models.ollama import OllamaClient
from siyada.review.engine import Reviewer
from siyada.review.pipeline import preflight
from siyada.review.setting_values import keep_alive_seconds

if TYPE_CHECKING:
    from siyada.lsp.session import Session

log = logging.getLogger(__name__)

# A probe that hangs is no answer; the next one follows on the schedule.
PROBE_TIMEOUT_S: Final = 5.0

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


@dataclass(frozen=True)
class Backoff:
    """Seconds before each probe; the last delay repeats for as long as it takes."""

    delays: tuple[float, ...] = (1.0, 2.0, 5.0, 10.0)

    def delay(self, attempt: int) -> float:
        return self.delays[min(attempt, len(self.delays) - 1)]


class Health:
    """See the module. Its tasks run in the session's task group, so shutdown cancels
    them; a settings change stops them (`stop`) and the check that follows restarts
    what is still needed."""

    def __init__(
        self,
        session: Session,
        *,
        backoff: Backoff | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = time.monotonic,
    ) -> None:
        self._session = session
        self._backoff = backoff or Backoff()
        self._sleep = sleep
        self._clock = clock
        self._probing: asyncio.Task[None] | None = None
        self._warming: asyncio.Task[None] | None = None
        # When the model last answered or was loaded; None before the first time.
        self._last_use: float | None = None

    @property
    def probing(self) -> bool:
        return self._probing is not None and not self._probing.done()

    async def check(self) -> None:
        reviewer = self._session.scheduler.reviewer
        try:
            await preflight(reviewer)
        except ModelError as error:
            if reviewer is self._session.scheduler.reviewer:
                self._session.status.failed(error)
            return
        if reviewer is not self._session.scheduler.reviewer:
            return
        self._session.status.succeeded()
        await self._warm_up(reviewer)

    def watch(self) -> None:
        """Probe the endpoint until it answers; one prober per outage."""
        if not self.probing:
            self._probing = self._session.spawn(self._recover())

    def stop(self) -> None:
        """The endpoint or model changed: what was probed or loaded no longer matters."""
        for task in (self._probing, self._warming):
            if task is not None:
                task.cancel()

    def model_used(self) -> None:
        self._last_use = self._clock()

    def user_active(self) -> None:
        """The user opened or edited a file: load the model again if it sat idle
        longer than `keepAlive`."""
        if self._last_use is None or self._session.status.has_problem:
            return
        if self._warming is not None and not self._warming.done():
            return
        keep_alive = keep_alive_seconds(self._session.settings.keep_alive)
        if keep_alive is None or self._clock() - self._last_use <= keep_alive:
            return
        log.info("The model was idle longer than keepAlive: loading it again.")
        self._warming = self._session.spawn(self._warm_up(self._session.scheduler.reviewer))

    async def _recover(self) -> None:
        reviewer = self._session.scheduler.reviewer
        attempt = 0
        while True:
            await self._sleep(self._backoff.delay(attempt))
            attempt += 1
            if reviewer is not self._session.scheduler.reviewer:
                return  # new settings: the check they start probes again if needed
            if await _answers(reviewer):
                break
        await self.retry()  # its check logs the recovery (`StatusReporter.succeeded`)

    async def retry(self) -> None:
        """Check now; when all is well, stop probing and review the open documents."""
        await self.check()
        if self._session.status.has_problem:
            return
        if self._probing is not None and self._probing is not asyncio.current_task():
            self._probing.cancel()
        for uri in list(self._session.languages):
            self._session.scheduler.review_document(uri)

    async def _warm_up(self, reviewer: Reviewer) -> None:
        client = reviewer.client
        settings = reviewer.settings
        # keep_alive 0 would unload the model, not load it.
        if not isinstance(client, OllamaClient) or keep_alive_seconds(settings.keep_alive) == 0:
            return
        self._last_use = self._clock()
        self._session.status.loading(True)
        try:
            await client.load(settings.model, settings.keep_alive)
        except ModelError as error:
            log.info("Loading %s failed: %s", settings.model, error)
        else:
            self._last_use = self._clock()
        finally:
            self._session.status.loading(False)


# Not an answer yet: nobody listens, the connection drops, or the server is still
# starting (llama-server answers 503 while it loads its model).
_NOT_YET = (EndpointUnreachable, RequestTimedOut, StreamFailure, ServerBusy, TimeoutError)


async def _answers(reviewer: Reviewer) -> bool:
    """Whether the endpoint answers: any other HTTP answer counts, even an error (the
    check that follows tells what it means)."""
    try:
        client = reviewer.client
        async with asyncio.timeout(PROBE_TIMEOUT_S):
            if isinstance(client, OllamaClient):
                await client.version()
            else:
                await client.list_models()
    except _NOT_YET:
        return False
    except ModelError:
        return True
    return True
