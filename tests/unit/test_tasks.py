"""The one background-task helper: strong references, logged failures, one cancel."""

from __future__ import annotations

import asyncio
import logging

import pytest

from siyada.tasks import TaskGroup


async def test_a_failing_task_is_logged_and_released(caplog: pytest.LogCaptureFixture) -> None:
    group = TaskGroup("Review", logging.getLogger("test.tasks"))

    async def fail() -> None:
        raise RuntimeError("boom")

    task = group.spawn(fail())
    with caplog.at_level(logging.ERROR, logger="test.tasks"):
        await group.wait()
    assert task.done()
    assert len(group) == 0
    assert "Review task failed" in caplog.text
    assert "boom" in caplog.text


async def test_wait_covers_tasks_started_while_waiting() -> None:
    group = TaskGroup("Review", logging.getLogger("test.tasks"))
    finished: list[str] = []

    async def second() -> None:
        finished.append("second")

    async def first() -> None:
        await asyncio.sleep(0)
        group.spawn(second())
        finished.append("first")

    group.spawn(first())
    await group.wait()
    assert finished == ["first", "second"]


async def test_after_close_new_tasks_start_cancelled() -> None:
    group = TaskGroup("Review", logging.getLogger("test.tasks"))
    started = asyncio.Event()

    async def forever() -> None:
        started.set()
        await asyncio.Event().wait()

    running = group.spawn(forever())
    await started.wait()
    await group.aclose()
    assert running.cancelled()
    late = group.spawn(forever())
    await group.wait()
    assert late.cancelled()
    assert group.closed


async def test_cancel_all_without_close_lets_later_tasks_run() -> None:
    group = TaskGroup("Review", logging.getLogger("test.tasks"))

    async def value() -> int:
        return 7

    group.cancel_all()
    task = group.spawn(value())
    await group.wait()
    assert task.result() == 7
