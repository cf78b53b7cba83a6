"""The engine records what the model answered in the feedback store (for the dataset)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from siyada.code.functions import FunctionUnit, extract_functions
from siyada.code.languages import language_for
from siyada.feedback.store import FeedbackStore, ReviewRecord
from siyada.review.answer_cache import AnswerCache
from siyada.review.cache import DiskCache
from siyada.review.engine import Reviewer
from siyada.review.not_reviewed import AnswerUnusable
from siyada.review.settings import Settings
from tests.e2e.conftest import MODEL, finding
from tests.model_server import OllamaDouble

LOAD = "def load(path):\n    f = open(path)\n    return f.read()"
LOAD_EVIDENCE = "    f = open(path)"


def _unit(text: str = LOAD) -> FunctionUnit:
    spec = language_for("python")
    assert spec is not None
    (unit,) = extract_functions(spec, text)
    return unit


@pytest.fixture
def double() -> Iterator[OllamaDouble]:
    with OllamaDouble(models=[MODEL]) as running:
        yield running


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[FeedbackStore]:
    with FeedbackStore(tmp_path / "feedback") as opened:
        yield opened


@pytest.fixture
async def reviewer(
    double: OllamaDouble, store: FeedbackStore, tmp_path: Path
) -> AsyncIterator[Reviewer]:
    cache = AnswerCache(DiskCache(tmp_path / "cache"))
    running = Reviewer(Settings(endpoint=double.url), cache, feedback=store)
    yield running
    await running.aclose()
    running.cache.close()


async def test_an_answer_of_the_model_is_recorded_with_the_messages_sent(
    reviewer: Reviewer, double: OllamaDouble, store: FeedbackStore, tmp_path: Path
) -> None:
    double.add_rule("def load", content={"findings": [finding(LOAD_EVIDENCE)]})
    unit = _unit()
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)

    findings = await reviewer.review("python", unit, path=repo / "src" / "io.py")

    (record,) = store.reviews()
    assert isinstance(record, ReviewRecord)
    assert record.key_path == "src/io.py"
    assert (record.function, record.function_hash) == ("load", unit.hash)
    assert (record.language, record.model) == ("python", reviewer.settings.model)
    (request,) = double.chat_requests
    assert list(record.messages) == request["messages"]
    assert [m["role"] for m in record.messages] == ["system", "user"]
    assert record.findings == findings and len(findings) == 1


async def test_a_cache_hit_records_nothing_new(
    reviewer: Reviewer, double: OllamaDouble, store: FeedbackStore
) -> None:
    double.add_rule("def load", content={"findings": []})
    unit = _unit()
    await reviewer.review("python", unit)
    first = list(store.reviews())
    with pytest.MonkeyPatch.context() as patch:
        recorded: list[ReviewRecord] = []
        patch.setattr(store, "record_review", recorded.append)
        assert (await reviewer.answer("python", unit)).cached
        assert recorded == []
    assert len(double.chat_requests) == 1
    assert len(first) == 1 and first[0].findings == () and first[0].key_path == ""


async def test_an_unusable_answer_records_nothing(
    reviewer: Reviewer, double: OllamaDouble, store: FeedbackStore
) -> None:
    double.add_rule("def load", content="no JSON here")
    with pytest.raises(AnswerUnusable):
        await reviewer.review("python", _unit())
    assert list(store.reviews()) == []


async def test_a_store_that_fails_never_breaks_a_review(
    reviewer: Reviewer,
    double: OllamaDouble,
    store: FeedbackStore,
    caplog: pytest.LogCaptureFixture,
) -> None:
    double.add_rule("def load", content={"findings": [finding(LOAD_EVIDENCE)]})

    def broken(record: ReviewRecord) -> None:
        raise OSError("disk on fire")

    with pytest.MonkeyPatch.context() as patch, caplog.at_level(logging.WARNING):
        patch.setattr(store, "record_review", broken)
        (found,) = await reviewer.review("python", _unit())
    assert found.evidence.strip() == LOAD_EVIDENCE.strip()
    assert "Could not record the review of load" in caplog.text
    assert reviewer.cached("python", _unit()) == (found,)


async def test_a_closed_store_never_breaks_a_review(
    reviewer: Reviewer, double: OllamaDouble, store: FeedbackStore
) -> None:
    double.add_rule("def load", content={"findings": [finding(LOAD_EVIDENCE)]})
    store.close()
    assert len(await reviewer.review("python", _unit())) == 1
    assert list(store.reviews()) == []


async def test_without_a_store_nothing_is_recorded_and_reconfiguring_keeps_it(
    double: OllamaDouble, store: FeedbackStore, tmp_path: Path
) -> None:
    cache = AnswerCache(DiskCache(tmp_path / "cache"))
    plain = Reviewer(Settings(endpoint=double.url), cache)
    assert plain.feedback is None
    with_store = Reviewer(Settings(endpoint=double.url), cache, feedback=store)
    same_folder = with_store.reconfigured(Settings(endpoint=double.url, min_severity="error"))
    assert same_folder.feedback is store
    moved = with_store.reconfigured(
        Settings(endpoint=double.url, cache_dir=str(tmp_path / "elsewhere"))
    )
    assert moved.feedback is not None and moved.feedback is not store
    assert moved.feedback.path.parent == tmp_path / "elsewhere"
    moved.feedback.close()
    moved.cache.close()
    for made in (plain, with_store, same_folder, moved):
        await made.aclose()
    cache.close()
