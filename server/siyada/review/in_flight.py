"""The reviews in flight: one task per `review_key`, cancelled when no open document
needs it any more (which closes its HTTP request, so its result is never shown)."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Collection, Coroutine
from typing import Any

from siyada.review.engine import Reviewed
from siyada.tasks import TaskGroup

ReviewTask = asyncio.Task[Reviewed | None]


class InFlight:
    """Review tasks by key, spawned in `tasks`; `changed` hears the count after each
    start and end."""

    def __init__(self, tasks: TaskGroup, changed: Callable[[int], None]) -> None:
        self._tasks = tasks
        self._changed = changed
        self._by_key: dict[str, ReviewTask] = {}

    @property
    def pending(self) -> int:
        return len(self._by_key)

    def __contains__(self, key: str) -> bool:
        return key in self._by_key

    def task(self, key: str) -> ReviewTask | None:
        return self._by_key.get(key)

    def start(self, key: str, review: Coroutine[Any, Any, Reviewed | None]) -> ReviewTask:
        task = self._tasks.spawn(review)
        self._by_key[key] = task
        task.add_done_callback(functools.partial(self._finished, key))
        return task

    def cancel(self, key: str) -> None:
        """Cancel a review and forget it at once: the function may come back (an undo)
        before the cancelled task has ended, and must then be reviewed afresh."""
        task = self._by_key.pop(key, None)
        if task is not None:
            task.cancel()

    def cancel_all_but(self, alive: Collection[str]) -> None:
        for key in [k for k in self._by_key if k not in alive]:
            self.cancel(key)

    def cancel_all(self) -> None:
        self.cancel_all_but(())

    def _finished(self, key: str, task: ReviewTask) -> None:
        # A cancelled review's callback runs after a new review of the same function
        # may have started: only the task that ended leaves.
        if self._by_key.get(key) is task:
            del self._by_key[key]
        self._changed(self.pending)
