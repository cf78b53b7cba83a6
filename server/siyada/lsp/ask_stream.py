"""The answer of `siyada.ask` streamed from the model into cumulative progress
reports, and stopped when the client cancels.

The model is read in a task of its own, so a cancellation (`stop`) cancels only that
task, which closes the HTTP request; the command then still answers, with the answer so
far and `doneReason` "cancelled".
"""

from __future__ import annotations

import asyncio
import time
from contextlib import aclosing
from typing import TYPE_CHECKING, Final

from siyada.ask.prompt import ASK_OPTIONS
from siyada.lsp.progress import WorkDone
from siyada.models.chat import ChatRequest
from siyada.models.errors import ModelError

if TYPE_CHECKING:
    from siyada.lsp.session import Session

CANCELLED: Final = "cancelled"
# A report carries the whole answer so far: at most this often, so a long answer does
# not cost the square of its length in notifications. The first piece goes at once.
REPORT_INTERVAL_S: Final = 0.05


class Streamed:
    """The answer as it streams in, reported as cumulative progress."""

    def __init__(self, progress: WorkDone) -> None:
        self._progress = progress
        self._pieces: list[str] = []
        self._reported_at: float | None = None
        self._reported_length = 0
        self.done = False

    @property
    def text(self) -> str:
        return "".join(self._pieces)

    def add(self, piece: str) -> None:
        if not piece:
            return
        self._pieces.append(piece)
        now = time.monotonic()
        if self._reported_at is None or now - self._reported_at >= REPORT_INTERVAL_S:
            self.report(now)

    def report(self, now: float | None = None) -> None:
        """Report the whole answer so far, unless that was already reported."""
        text = self.text
        if len(text) == self._reported_length:
            return
        self._reported_at = time.monotonic() if now is None else now
        self._reported_length = len(text)
        self._progress.report(message=text)


async def streamed_answer(
    session: Session, messages: list[dict[str, str]], streamed: Streamed, stop: asyncio.Event
) -> str:
    """Stream the answer into `streamed`; its done reason, or "cancelled" when `stop`
    is set first (the model's request is closed then)."""
    request = ChatRequest(
        model=session.settings.model,
        messages=messages,
        options=ASK_OPTIONS,
        keep_alive=session.settings.keep_alive,
    )
    reading = asyncio.ensure_future(_read(session, request, streamed))
    stopping = asyncio.ensure_future(stop.wait())
    try:
        await asyncio.wait({reading, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stopping.cancel()
        if not reading.done():
            reading.cancel()
            await asyncio.gather(reading, return_exceptions=True)
    streamed.report()
    if reading.cancelled():
        return CANCELLED
    return reading.result()


async def _read(session: Session, request: ChatRequest, streamed: Streamed) -> str:
    client = session.scheduler.reviewer.client
    done_reason = ""
    try:
        async with aclosing(client.stream_chat(request)) as chunks:
            async for chunk in chunks:
                streamed.add(chunk.content)
                if chunk.done_reason is not None:
                    done_reason = chunk.done_reason
    except ModelError as error:
        session.status.failed(error)
        raise
    streamed.done = True
    session.status.succeeded()
    return done_reason
