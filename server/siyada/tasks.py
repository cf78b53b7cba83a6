"""One way to run work in the background.

asyncio keeps only a weak reference to a task, so a task nobody holds can vanish
mid-run; and an exception in a task nobody awaits is lost. `TaskGroup` holds every
task it starts until it ends and logs any failure, so neither can happen silently.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


class TaskGroup:
    """Background tasks with strong references, logged failures and one cancel."""

    def __init__(self, name: str, log: logging.Logger) -> None:
        self._name = name
        self._log = log
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False

    def __len__(self) -> int:
        return len(self._tasks)

    @property
    def closed(self) -> bool:
        return self._closed

    def spawn(self, coroutine: Coroutine[Any, Any, T]) -> asyncio.Task[T]:
        """Start `coroutine`; after `cancel_all(close=True)` it starts cancelled."""
        task = asyncio.ensure_future(coroutine)
        if self._closed:
            task.cancel()
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def cancel_all(self, *, close: bool = False) -> None:
        """Cancel every running task; with `close`, also every later one."""
        self._closed = self._closed or close
        for task in list(self._tasks):
            task.cancel()

    async def wait(self) -> None:
        """Wait until no task is running, including tasks started meanwhile."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def aclose(self) -> None:
        self.cancel_all(close=True)
        await self.wait()

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            self._log.error("%s task failed", self._name, exc_info=task.exception())
