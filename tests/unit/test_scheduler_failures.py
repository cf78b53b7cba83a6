"""How the scheduler tells the user about reviews that did not happen (cases 4 and 7).

The engine and scheduler run in this process against the Ollama double over real HTTP.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from siyada.code.context import FunctionContext
from siyada.code.functions import FunctionUnit
from siyada.code.languages import language_for
from siyada.review.answer_cache import AnswerCache
from siyada.review.engine import Reviewed, Reviewer
from siyada.review.scheduler import Scheduler, SchedulerHooks
from siyada.review.settings import Settings, Triggers
from tests.e2e.conftest import MODEL, finding
from tests.model_server import OllamaDouble

PYTHON = language_for("python")
URI = "file:///work/m.py"
TEXT = "def load(path):\n    f = open(path)\n    return f.read()\n\n\ndef other(x):\n    return x\n"


@pytest.fixture
def double() -> Iterator[OllamaDouble]:
    with OllamaDouble(models=[MODEL]) as running:
        yield running


class Recorder:
    def __init__(self) -> None:
        self.told: list[str] = []

    def hooks(self) -> SchedulerHooks:
        return SchedulerHooks(findings_changed=lambda uri: None, skipped=self.told.append)


class Crashing(Reviewer):
    """A reviewer with a defect nobody foresaw."""

    async def answer(
        self,
        language: str,
        unit: FunctionUnit,
        context: FunctionContext | None = None,
        *,
        path: Path | None = None,
        fresh: bool = False,
    ) -> Reviewed:
        raise RuntimeError("a defect")


@pytest.fixture
async def settings(double: OllamaDouble) -> AsyncIterator[Settings]:
    yield Settings(endpoint=double.url, debounce_ms=0)


async def _settle(scheduler: Scheduler) -> None:
    async with asyncio.timeout(10):
        await scheduler.idle()


async def test_case7_review_that_fails_unexpectedly_is_told_once_and_logged(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    assert PYTHON is not None
    recorder = Recorder()
    reviewer = Crashing(settings, AnswerCache())
    scheduler = Scheduler(reviewer, recorder.hooks())
    with caplog.at_level(logging.ERROR, logger="siyada.review.outcomes"):
        scheduler.open(URI, PYTHON, 1, TEXT)
        await _settle(scheduler)
        scheduler.save(URI)  # tried again on the next trigger, told no more
        await _settle(scheduler)

    (message,) = recorder.told
    assert "could not review" in message and "RuntimeError" in message
    failures = [r for r in caplog.records if r.exc_info and "a defect" in str(r.exc_info[1])]
    assert len(failures) == 4  # two functions, two triggers: each with its traceback
    await scheduler.aclose()
    await reviewer.aclose()


async def test_case4_prose_is_told_once_and_asked_again_on_save(
    settings: Settings, double: OllamaDouble
) -> None:
    assert PYTHON is not None
    double.add_rule("def load", content="I think this function is fine.", times=2)
    double.add_rule("def load", content={"findings": [finding("    f = open(path)")]})
    recorder = Recorder()
    reviewer = Reviewer(settings, AnswerCache())
    scheduler = Scheduler(reviewer, recorder.hooks())

    scheduler.open(URI, PYTHON, 1, TEXT)
    await _settle(scheduler)
    assert _titles(scheduler) == []
    scheduler.save(URI)
    await _settle(scheduler)
    assert _titles(scheduler) == []
    scheduler.save(URI)
    await _settle(scheduler)

    assert _titles(scheduler) == ["File handle is never closed"]
    (message,) = recorder.told
    assert "could not be used" in message and "load" in message
    loads = [r for r in double.chat_requests if "def load" in r["messages"][-1]["content"]]
    assert len(loads) == 3
    await scheduler.aclose()
    await reviewer.aclose()


async def test_case4_cut_off_answer_is_told_once_and_not_asked_again_until_edited(
    settings: Settings, double: OllamaDouble
) -> None:
    assert PYTHON is not None
    double.add_rule("open(path)\n", content={"findings": []}, done_reason="length")
    double.add_rule("def load", content={"findings": [finding("    f = open(path, 'rb')")]})
    recorder = Recorder()
    reviewer = Reviewer(settings, AnswerCache())
    scheduler = Scheduler(reviewer, recorder.hooks())

    scheduler.open(URI, PYTHON, 1, TEXT)
    await _settle(scheduler)
    scheduler.save(URI)
    scheduler.review_document(URI)
    await _settle(scheduler)
    loads = [r for r in double.chat_requests if "def load" in r["messages"][-1]["content"]]
    assert len(loads) == 1
    (message,) = recorder.told
    assert "cut off" in message

    edited = TEXT.replace("open(path)", "open(path, 'rb')")
    scheduler.change(URI, 2, [], full_text=edited)
    await _settle(scheduler)
    scheduler.save(URI)
    await _settle(scheduler)
    assert _titles(scheduler) == ["File handle is never closed"]
    await scheduler.aclose()
    await reviewer.aclose()


def _titles(scheduler: Scheduler) -> list[str]:
    snapshot = scheduler.snapshot(URI)
    assert snapshot is not None
    return [p.finding.title for p in snapshot.findings]


async def test_a_document_opened_again_without_a_close_refreshes_its_own_functions(
    double: OllamaDouble,
) -> None:
    assert PYTHON is not None
    no_triggers = Triggers(on_open=False, on_type=False, on_save=False)
    settings = Settings(endpoint=double.url, triggers=no_triggers, max_functions_per_file=1)
    reviewer = Reviewer(settings, AnswerCache())
    scheduler = Scheduler(reviewer, Recorder().hooks())
    # Over 50,000 characters: functions are refreshed by a task after each burst.
    large = "".join(f"def f{i}(x):\n    return x + {i}\n\n\n" for i in range(2000))
    scheduler.open(URI, PYTHON, 1, large)
    scheduler.change(URI, 2, [], full_text=large + "def late(x):\n    return x\n")
    scheduler.open(URI, PYTHON, 1, large)  # the first document's refresh is cancelled
    scheduler.change(URI, 2, [], full_text=large + "def again(y):\n    return y\n")
    await _settle(scheduler)
    # The one function reviewed is the one nearest the edit: the new one.
    scheduler.review_document(URI)
    await _settle(scheduler)
    (request,) = double.chat_requests
    assert "def again(y)" in request["messages"][-1]["content"]
    await scheduler.aclose()
    await reviewer.aclose()
