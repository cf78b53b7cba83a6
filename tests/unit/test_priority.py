from __future__ import annotations

import asyncio
from collections.abc import Callable

from siyada.review.priority import PriorityGate


async def _until(condition: Callable[[], bool]) -> None:
    """Let the other tasks run until `condition` holds (no time passes)."""
    while not condition():  # noqa: ASYNC110 - sleep(0) only yields to the ready tasks
        await asyncio.sleep(0)


async def test_the_best_ranked_waiter_goes_first_ranked_when_a_slot_frees() -> None:
    gate = PriorityGate(1)
    ranks = {"a": 3, "b": 2, "c": 1}
    order: list[str] = []
    holding = asyncio.Event()
    release = asyncio.Event()

    async def first() -> None:
        async with gate.slot(lambda: (0,)):
            holding.set()
            await release.wait()

    async def review(name: str) -> None:
        async with gate.slot(lambda: (ranks[name],)):
            order.append(name)

    holder = asyncio.create_task(first())
    await holding.wait()
    waiters = [asyncio.create_task(review(n)) for n in "abc"]
    await _until(lambda: gate.waiting == 3)
    ranks["a"] = 0  # the user moved to `a` while everything waited
    release.set()
    await asyncio.gather(holder, *waiters)
    assert order == ["a", "c", "b"]


async def test_equal_ranks_keep_arrival_order_and_slots_are_bounded() -> None:
    gate = PriorityGate(2)
    running = 0
    peak = 0
    order: list[int] = []

    async def review(index: int) -> None:
        nonlocal running, peak
        async with gate.slot(lambda: (1,)):
            running += 1
            peak = max(peak, running)
            order.append(index)
            await asyncio.sleep(0)
            running -= 1

    await asyncio.gather(*(review(i) for i in range(6)))
    assert peak == 2 and order == list(range(6))


async def test_a_cancelled_waiter_gives_its_turn_away() -> None:
    gate = PriorityGate(1)
    release = asyncio.Event()
    holding = asyncio.Event()
    done: list[str] = []

    async def holder() -> None:
        async with gate.slot(lambda: (0,)):
            holding.set()
            await release.wait()

    async def review(name: str) -> None:
        async with gate.slot(lambda: (1,)):
            done.append(name)

    first = asyncio.create_task(holder())
    await holding.wait()
    cancelled = asyncio.create_task(review("cancelled"))
    kept = asyncio.create_task(review("kept"))
    await _until(lambda: gate.waiting == 2)
    cancelled.cancel()
    release.set()
    await asyncio.gather(first, kept)
    assert done == ["kept"] and gate.waiting == 0


async def test_a_waiter_cancelled_just_before_its_turn_is_skipped() -> None:
    gate = PriorityGate(1)
    release = asyncio.Event()
    holding = asyncio.Event()
    done: list[str] = []
    tasks: dict[str, asyncio.Task[None]] = {}

    async def holder() -> None:
        async with gate.slot(lambda: (0,)):
            holding.set()
            await release.wait()
            # Cancelled in the same step as the slot is freed: the waiter is still
            # listed, with its future already cancelled.
            tasks["doomed"].cancel()

    async def review(name: str, rank: int) -> None:
        async with gate.slot(lambda: (rank,)):
            done.append(name)

    first = asyncio.create_task(holder())
    await holding.wait()
    tasks["doomed"] = asyncio.create_task(review("doomed", 0))
    kept = asyncio.create_task(review("kept", 1))
    await _until(lambda: gate.waiting == 2)
    release.set()
    await asyncio.gather(first, kept)
    assert done == ["kept"]
    assert tasks["doomed"].cancelled()
