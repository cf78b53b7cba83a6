"""The pipeline the editor and `siyada check` share, against the Ollama double."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from siyada.code.functions import FunctionUnit, extract_functions, lines_outside_units
from siyada.code.languages import LanguageSpec, language_for
from siyada.code.text import split_lines
from siyada.review.engine import Reviewer
from siyada.review.pipeline import (
    ReviewPipeline,
    document_units,
    within_limit,
)
from siyada.review.settings import Settings
from tests.model_server import OllamaDouble

PYTHON = language_for("python")
MODEL = "qwen2.5-coder:7b"
SOURCE = "import os\n\n\ndef a(x):\n    return x\n\n\nCONSTANT = 3\n\n\ndef b(y):\n    return y\n"


def _spec() -> LanguageSpec:
    assert PYTHON is not None
    return PYTHON


@pytest.fixture
async def double() -> AsyncIterator[OllamaDouble]:
    with OllamaDouble(models=[MODEL]) as running:
        yield running


def _pipeline(double: OllamaDouble, tmp_path: Path, slots: int = 1) -> ReviewPipeline:
    settings = Settings(endpoint=double.url, cache_dir=str(tmp_path), max_concurrent_requests=slots)
    return ReviewPipeline(Reviewer(settings))


async def _close(pipeline: ReviewPipeline) -> None:
    await pipeline.reviewer.aclose()
    pipeline.reviewer.cache.close()


def test_case11_limits_come_before_parsing() -> None:
    settings = Settings(max_file_kb=1)
    parsed: list[bool] = []

    def functions(lines: list[str]) -> list[FunctionUnit]:
        assert lines == split_lines(SOURCE)
        parsed.append(True)
        return extract_functions(_spec(), SOURCE)

    binary = document_units(_spec(), "def f(x):\n    return x\x00\n", settings, functions)
    minified = document_units(
        _spec(), "def f(x): return " + "x+" * 3_000 + "x\n", Settings(), functions
    )
    large = document_units(_spec(), "def f(x):\n" + "    x += 1\n" * 200, settings, functions)
    within = document_units(_spec(), SOURCE, Settings(), functions)

    assert binary.not_reviewed is not None and binary.not_reviewed.kind == "binary"
    assert minified.not_reviewed is not None and minified.not_reviewed.kind == "minified"
    assert large.not_reviewed is not None and large.not_reviewed.kind == "too large"
    assert binary.units == minified.units == large.units == []
    assert within.not_reviewed is None and [u.name for u in within.units] == ["a", "b"]
    assert parsed == [True]


def test_case11_cap_keeps_the_first_functions_by_priority() -> None:
    units = extract_functions(_spec(), SOURCE)
    capped = within_limit(list(reversed(units)), Settings(max_functions_per_file=1))
    whole = within_limit(units, Settings())

    assert [u.name for u in capped.units] == ["b"] and capped.beyond_limit == 1
    assert whole.units == units and whole.beyond_limit == 0


def test_case12_lines_outside_functions_are_counted() -> None:
    units = extract_functions(_spec(), SOURCE)
    # `import os` and `CONSTANT = 3`; blank lines do not count.
    assert lines_outside_units(units, split_lines(SOURCE)) == 2
    assert lines_outside_units([], split_lines(SOURCE)) == 6


async def test_case11_identical_functions_share_one_request(
    double: OllamaDouble, tmp_path: Path
) -> None:
    (unit, _) = extract_functions(_spec(), SOURCE)
    pipeline = _pipeline(double, tmp_path, slots=4)
    double.add_rule("return x", hold=True)
    callers = [asyncio.create_task(pipeline.review("python", unit)) for _ in range(3)]
    await double.wait_for_async(lambda: double.held == 1)
    double.release()
    answers = await asyncio.gather(*callers)
    await _close(pipeline)

    assert len(double.chat_requests) == 1
    assert answers == [(), (), ()]


async def test_case11_a_waiting_caller_that_leaves_does_not_stop_the_request(
    double: OllamaDouble, tmp_path: Path
) -> None:
    (unit, _) = extract_functions(_spec(), SOURCE)
    pipeline = _pipeline(double, tmp_path)
    double.add_rule("return x", hold=True)
    asking = asyncio.create_task(pipeline.review("python", unit))
    await double.wait_for_async(lambda: double.held == 1)
    waiting = asyncio.create_task(pipeline.review("python", unit))
    await asyncio.sleep(0)  # let it start waiting for the answer
    waiting.cancel()
    double.release()
    answer = await asyncio.wait_for(asyncio.shield(asking), 10)
    await _close(pipeline)

    assert waiting.cancelled() and answer == ()
    assert len(double.chat_requests) == 1 and double.disconnects == 0


async def test_case11_when_the_asking_caller_leaves_a_waiting_one_asks_again(
    double: OllamaDouble, tmp_path: Path
) -> None:
    (unit, _) = extract_functions(_spec(), SOURCE)
    pipeline = _pipeline(double, tmp_path)
    double.add_rule("return x", hold=True)
    asking = asyncio.create_task(pipeline.review("python", unit))
    await double.wait_for_async(lambda: double.held == 1)
    waiting = asyncio.create_task(pipeline.review("python", unit))
    await asyncio.sleep(0)
    asking.cancel()
    await double.wait_for_async(lambda: double.disconnects == 1)
    await double.wait_for_async(lambda: len(double.chat_requests) == 2 and double.held == 1)
    double.release()
    answer = await asyncio.wait_for(waiting, 10)
    await _close(pipeline)

    assert asking.cancelled() and answer == ()


async def test_case11_cancelling_every_caller_cancels_the_request(
    double: OllamaDouble, tmp_path: Path
) -> None:
    (unit, _) = extract_functions(_spec(), SOURCE)
    pipeline = _pipeline(double, tmp_path)
    double.add_rule("return x", hold=True)
    callers = [asyncio.create_task(pipeline.review("python", unit)) for _ in range(2)]
    await double.wait_for_async(lambda: double.held == 1)
    for caller in callers:
        caller.cancel()
    await double.wait_for_async(lambda: double.disconnects == 1)
    await asyncio.gather(*callers, return_exceptions=True)
    await _close(pipeline)

    assert all(c.cancelled() for c in callers)
    assert pipeline.cached("python", unit) is None


async def test_case11_the_gate_bounds_model_calls(double: OllamaDouble, tmp_path: Path) -> None:
    text = "".join(f"def f{i}(x):\n    return x + {i}\n\n" for i in range(5))
    units = extract_functions(_spec(), text)
    pipeline = _pipeline(double, tmp_path, slots=2)
    double.add_rule("", hold=True)
    reviews = [asyncio.create_task(pipeline.review("python", u)) for u in units]
    await double.wait_for_async(lambda: double.held == 2)
    assert len(double.chat_requests) == 2
    double.release()
    await double.wait_for_async(lambda: len(double.chat_requests) == 4 and double.held == 2)
    double.release()
    await double.wait_for_async(lambda: len(double.chat_requests) == 5 and double.held == 1)
    double.release()
    await asyncio.gather(*reviews)
    await _close(pipeline)

    assert all(pipeline.cached("python", u) == () for u in units)
