"""Which waiting review gets the next free slot: the one that matters most *now*.

A plain semaphore serves waiters in arrival order, so reviews queued when a large file
opened would all run before the function the user has just moved to. Here each waiter
carries a function that ranks it at the moment a slot frees up, so priorities follow
the cursor, the visible part of the editor and the latest edits as they change.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

Rank = tuple[int, ...]


@dataclass(order=True)
class _Waiter:
    rank: Rank
    arrival: int
    ready: asyncio.Future[None] = field(compare=False)
    rank_now: Callable[[], Rank] = field(compare=False)


class PriorityGate:
    def __init__(self, slots: int) -> None:
        self._free = slots
        self._waiting: list[_Waiter] = []
        self._arrivals = itertools.count()

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    @asynccontextmanager
    async def slot(self, rank_now: Callable[[], Rank]) -> AsyncIterator[None]:
        await self._acquire(rank_now)
        try:
            yield
        finally:
            self._release()

    async def _acquire(self, rank_now: Callable[[], Rank]) -> None:
        if self._free > 0 and not self._waiting:
            self._free -= 1
            return
        waiter = _Waiter(
            rank_now(), next(self._arrivals), asyncio.get_running_loop().create_future(), rank_now
        )
        self._waiting.append(waiter)
        try:
            await waiter.ready
        except asyncio.CancelledError:
            if waiter in self._waiting:
                self._waiting.remove(waiter)
            elif waiter.ready.done() and not waiter.ready.cancelled():
                self._release()  # granted and cancelled at once: pass the slot on
            raise

    def _release(self) -> None:
        self._free += 1
        # A waiter cancelled a moment ago may still be listed: its turn is skipped.
        self._waiting = [w for w in self._waiting if not w.ready.done()]
        while self._free > 0 and self._waiting:
            for waiter in self._waiting:
                waiter.rank = waiter.rank_now()
            best = min(self._waiting)
            self._waiting.remove(best)
            self._free -= 1
            best.ready.set_result(None)
