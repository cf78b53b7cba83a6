"""What the fake model server observed, and waiting for it.

Observations (`requests`, `headers`, `chat_requests`, `disconnects`, `held`, `chats()`;
each chat's record says whether its client left before the answer's end)
change in the server's thread; wait for them with `wait_for` / `wait_for_async`, never
with sleeps. `on_change`, if set, is called from that thread whenever they change.
"""

from __future__ import annotations

import asyncio
import copy
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.model_server.serving import Request


@dataclass
class ChatRecord:
    """One chat answered by the policies, as the fake saw it (monotonic seconds)."""

    arrival: float
    prompt_tokens: int
    answer_tokens: int
    findings: int
    slot: int = -1
    started: float = 0.0
    evaluated_tokens: int = 0
    first_byte: float = 0.0
    last_byte: float = 0.0
    completed: bool = False
    free: bool = False  # a free-text answer was asked for (no answer format)
    pieces_sent: int = 0  # streamed pieces written so far
    disconnected: bool = False  # the client closed the connection before the end

    @property
    def service_seconds(self) -> float:
        """How long the model worked on it (slot granted to last byte)."""
        return self.last_byte - self.started


class Observations:
    """The record of every request and chat; the lock that guards the server's state."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.chat_requests: list[dict[str, Any]] = []
        self.disconnects = 0
        self.held = 0
        self.on_change: Callable[[], None] | None = None
        self._records: list[ChatRecord] = []
        self._cond = threading.Condition()

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Block until `predicate()` (about this server's state) holds, or TimeoutError."""
        with self._cond:
            if not self._cond.wait_for(predicate, timeout):
                name = type(self).__name__
                raise TimeoutError(f"the {name} did not reach the state within {timeout} s")

    async def wait_for_async(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """`wait_for` without blocking the event loop (which may be the one making requests)."""
        await asyncio.to_thread(self.wait_for, predicate, timeout)

    def chats(self, since: float = 0.0) -> list[ChatRecord]:
        """Copies of the chats that arrived at or after `since` (monotonic seconds)."""
        with self._cond:
            return [copy.copy(c) for c in self._records if c.arrival >= since]

    def completed(self, since: float = 0.0) -> list[ChatRecord]:
        return [c for c in self.chats(since) if c.completed]

    def answered(self, since: float = 0.0) -> tuple[int, float]:
        """How many chats since `since` are answered, and the last byte of the latest,
        without copying records (waiters ask this after every notification)."""
        with self._cond:
            done = [c.last_byte for c in self._records if c.arrival >= since and c.completed]
        return len(done), max(done, default=0.0)

    def _changed(self, change: Callable[[], object]) -> None:
        with self._cond:
            change()
            self._cond.notify_all()
        if self.on_change is not None:
            self.on_change()

    def _record(self, request: Request, body: Any, chat: bool) -> None:
        def change() -> None:
            self.requests.append((request.method, request.path, body))
            self.headers.append(dict(request.headers))
            if chat:
                self.chat_requests.append(body)

        self._changed(change)
