from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from siyada.code.functions import FunctionUnit, extract_functions
from siyada.code.languages import language_for
from siyada.code.text import split_lines
from siyada.models.chat import ChatRequest, ChatResult
from siyada.models.errors import ServerBusy
from siyada.review.answer_cache import AnswerCache, AnswerIdentity
from siyada.review.cache import DiskCache
from siyada.review.engine import Reviewer
from siyada.review.findings import Finding
from siyada.review.not_reviewed import AnswerCutOff, AnswerUnusable, NotReviewed
from siyada.review.placement import is_shown, place_findings
from siyada.review.settings import Settings
from tests.e2e.conftest import MODEL, finding
from tests.model_server import OllamaDouble

PYTHON = language_for("python")
SOURCE = """# header


def a(x):
    # siyada: ignore[security]
    return eval(x)


def b(y):
    return y / 0
"""


def _finding(
    line: int, category: str = "bug", severity: str = "warning", confidence: float = 0.9
) -> Finding:
    return Finding(
        category=category,
        severity=severity,
        title=f"{category} at {line}",
        explanation="...",
        evidence="...",
        replacement=None,
        confidence=confidence,
        start_line=line,
        end_line=line,
    )


def test_findings_are_placed_relative_to_their_function() -> None:
    assert PYTHON is not None
    units = extract_functions(PYTHON, SOURCE)
    a, b = units
    placed = place_findings(
        units,
        {a.hash: [_finding(2, "security")], b.hash: [_finding(1)]},
        split_lines(SOURCE),
        SOURCE,
        Settings(),
        spec=PYTHON,
    )
    # a's security finding is suppressed by the comment above its line; b's is moved.
    assert [(p.unit.name, p.start_line) for p in placed] == [("b", 9)]


def test_ignore_file_hides_everything() -> None:
    assert PYTHON is not None
    text = SOURCE + "# siyada: ignore-file\n"
    units = extract_functions(PYTHON, text)
    findings = {u.hash: [_finding(1)] for u in units}
    assert place_findings(units, findings, split_lines(text), text, Settings(), spec=PYTHON) == []


def test_filters() -> None:
    settings = Settings(min_severity="warning", min_confidence=0.7, categories=("bug",))
    assert is_shown(_finding(0), settings)
    assert is_shown(_finding(0, severity="error"), settings)
    assert not is_shown(_finding(0, severity="info"), settings)
    assert not is_shown(_finding(0, confidence=0.6), settings)
    assert not is_shown(_finding(0, category="performance"), settings)


def test_answer_cache_is_bounded_and_keeps_the_recently_used() -> None:
    cache = AnswerCache(capacity=2)
    one, two, three = (AnswerIdentity(h, "m", "python") for h in ("1", "2", "3"))
    cache.put(one, ())
    cache.put(two, (_finding(0),))
    assert cache.get(one) == ()
    cache.put(three, ())
    assert cache.get(two) is None
    assert cache.get(one) == () and cache.get(three) == ()
    assert cache.get(AnswerIdentity("1", "other-model", "python")) is None
    assert cache.get(AnswerIdentity("1", "m", "go")) is None


def test_answers_survive_in_the_disk_cache(tmp_path: Path) -> None:
    key = AnswerIdentity("1", "m", "python")
    first = AnswerCache(DiskCache(tmp_path))
    first.put(key, (_finding(3),))
    first.close()
    second = AnswerCache(DiskCache(tmp_path))
    assert second.get(key) == (_finding(3),)
    assert second.get(AnswerIdentity("1", "m", "python", prompt_version="other")) is None
    second.close()


# --- case 4: only a valid, complete answer is remembered ---------------------------

LOAD = "def load(path):\n    f = open(path)\n    return f.read()"
LOAD_EVIDENCE = "    f = open(path)"


def _load_unit(text: str = LOAD) -> FunctionUnit:
    assert PYTHON is not None
    (unit,) = extract_functions(PYTHON, text)
    return unit


@pytest.fixture
def double() -> Iterator[OllamaDouble]:
    with OllamaDouble(models=[MODEL]) as running:
        yield running


@pytest.fixture
async def reviewer(double: OllamaDouble, tmp_path: Path) -> AsyncIterator[Reviewer]:
    running = Reviewer(Settings(endpoint=double.url), AnswerCache(DiskCache(tmp_path)))
    yield running
    await running.aclose()
    running.cache.close()


def _stored(reviewer: Reviewer, unit: FunctionUnit, tmp_path: Path) -> object:
    """What the disk cache holds for `unit`, read by a fresh process's cache."""
    fresh = AnswerCache(DiskCache(tmp_path))
    try:
        return fresh.get(AnswerIdentity(unit.hash, reviewer.settings.model, "python"))
    finally:
        fresh.close()


UNUSABLE = [
    "The function looks fine to me; I found no problems.",
    '{"findings": [{"category": "bug", "severity": ',
    '{"findings": "none"}',
    '{"findings": [{"issue": "leak", "line": 2}]}',
    '{"result": "ok"}',
    "",
]


@pytest.mark.parametrize("content", UNUSABLE)
async def test_case4_unusable_answer_raises_and_is_not_cached(
    reviewer: Reviewer, double: OllamaDouble, tmp_path: Path, content: str
) -> None:
    double.add_rule("def load", content=content, times=1)
    double.add_rule("def load", content={"findings": [finding(LOAD_EVIDENCE)]})
    unit = _load_unit()

    with pytest.raises(AnswerUnusable) as raised:
        await reviewer.review("python", unit)
    assert isinstance(raised.value, NotReviewed) and "load" in str(raised.value)
    assert reviewer.cached("python", unit) is None
    assert _stored(reviewer, unit, tmp_path) is None

    # Asked again, the model's valid answer is used and remembered.
    (found,) = await reviewer.review("python", unit)
    assert found.title == "File handle is never closed" and found.start_line == 1
    assert len(double.chat_requests) == 2
    assert reviewer.cached("python", unit) == (found,)


@pytest.mark.parametrize(
    "content",
    [
        {"findings": []},
        # Usable, though its one finding quotes code the function does not have.
        {"findings": [finding("    os.remove(path)")]},
    ],
)
async def test_case4_valid_answer_without_shown_findings_is_cached(
    reviewer: Reviewer, double: OllamaDouble, tmp_path: Path, content: dict[str, object]
) -> None:
    double.add_rule("def load", content=content)
    unit = _load_unit()

    assert await reviewer.review("python", unit) == ()
    assert await reviewer.review("python", unit) == ()
    assert len(double.chat_requests) == 1
    assert _stored(reviewer, unit, tmp_path) == ()


async def test_case4_truncated_answer_is_skipped_until_the_function_changes(
    reviewer: Reviewer, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule(
        "def load", content={"findings": [finding(LOAD_EVIDENCE)]}, done_reason="length"
    )
    unit = _load_unit()

    with pytest.raises(AnswerCutOff):
        await reviewer.review("python", unit)
    with pytest.raises(AnswerCutOff):
        await reviewer.review("python", unit)
    assert len(double.chat_requests) == 1, "a cut-off answer is not asked for again"
    assert _stored(reviewer, unit, tmp_path) is None

    # Settings changed (same cache): still skipped. The function changed: asked again.
    again = reviewer.reconfigured(Settings(endpoint=double.url, min_confidence=0.9))
    with pytest.raises(AnswerCutOff):
        await again.review("python", unit)
    double.clear_rules()
    double.add_rule("def load", content={"findings": [finding(LOAD_EVIDENCE)]})
    edited = _load_unit(LOAD.replace("return f.read()", "return f.read(10)"))
    (found,) = await reviewer.review("python", edited)
    assert found.start_line == 1
    assert len(double.chat_requests) == 2


async def test_case4_truncation_is_remembered_for_the_session_only(
    double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("def load", content={"findings": []}, done_reason="length", times=1)
    unit = _load_unit()
    first = Reviewer(Settings(endpoint=double.url), AnswerCache(DiskCache(tmp_path)))
    with pytest.raises(AnswerCutOff):
        await first.review("python", unit)
    await first.aclose()
    first.cache.close()

    second = Reviewer(Settings(endpoint=double.url), AnswerCache(DiskCache(tmp_path)))
    try:
        assert await second.review("python", unit) == ()
    finally:
        await second.aclose()
        second.cache.close()
    assert len(double.chat_requests) == 2


# --- case 7: text no encoder accepts is replaced, not fatal -----------------------------


async def test_case7_lone_surrogate_reaches_the_model_as_a_replacement_character(
    reviewer: Reviewer, double: OllamaDouble
) -> None:
    double.add_rule("def load", content={"findings": [finding(LOAD_EVIDENCE)]})
    unit = _load_unit(LOAD.replace("open(path)", "open(path)  # \ud800"))

    (found,) = await reviewer.review("python", unit)

    (request,) = double.chat_requests
    sent = request["messages"][-1]["content"]
    assert "# \ufffd" in sent and "\ud800" not in sent
    assert found.start_line == 1


# --- case 5: a fix that is not local is shown without it ------------------------------


def test_case5_placed_finding_loses_a_fix_that_is_not_local() -> None:
    assert PYTHON is not None
    text = (
        "import os\n\n\ndef average(items):\n    total = sum(items)\n"
        "    return total / len(items)\n"
    )
    (unit,) = extract_functions(PYTHON, text)
    benign = "    return total / len(items) if items else 0.0"
    hostile = "    return total / len(items)\nimport subprocess\nsubprocess.run(['curl', 'x'])"
    findings = [
        replace(_finding(2), title="benign", replacement=benign),
        replace(_finding(2, category="security"), title="hostile", replacement=hostile),
        replace(_finding(0, category="performance"), title="whole", end_line=2, replacement="pass"),
    ]

    placed = place_findings(
        [unit], {unit.hash: findings}, split_lines(text), text, Settings(), spec=PYTHON
    )

    by_title = {p.finding.title: p.finding.replacement for p in placed}
    assert by_title == {"benign": benign, "hostile": None, "whole": None}


NESTED = """def outer(a):
    x = a + 1
    def inner(b):
        return b / 0
    return inner(x) / 0
"""


def _spanning(first: int, last: int) -> Finding:
    return Finding(
        category="bug",
        severity="warning",
        title=f"lines {first}-{last}",
        explanation="...",
        evidence="...",
        replacement=None,
        confidence=0.9,
        start_line=first,
        end_line=last,
    )


def test_case2_findings_are_placed_through_the_unit_line_map() -> None:
    assert PYTHON is not None
    outer, inner = extract_functions(PYTHON, NESTED)
    # outer's text: def outer / x = / def inner (context) / placeholder / return inner(x)
    findings = {
        outer.hash: [_spanning(1, 1), _spanning(4, 4), _spanning(3, 3), _spanning(2, 2)],
        inner.hash: [_spanning(1, 1)],
    }
    placed = place_findings(
        [outer, inner], findings, split_lines(NESTED), NESTED, Settings(), spec=PYTHON
    )
    assert [(p.unit.name, p.start_line, p.end_line) for p in placed] == [
        ("outer", 1, 1),
        ("outer", 4, 4),  # text line 4 is document line 4, after inner's hidden body
        ("outer.inner", 3, 3),
    ]


def test_case2_a_finding_spanning_a_placeholder_is_dropped() -> None:
    assert PYTHON is not None
    outer, _ = extract_functions(PYTHON, NESTED)
    placed = place_findings(
        [outer],
        {outer.hash: [_spanning(1, 4)]},
        split_lines(NESTED),
        NESTED,
        Settings(),
        spec=PYTHON,
    )
    assert placed == []


# --- a busy server's Retry-After is honoured ---------------------------------------------


class _BusyThenAnswering:
    """A model client that is busy (asking for `retry_after`) `times` times, then answers."""

    def __init__(self, retry_after: float | None, times: int) -> None:
        self._retry_after = retry_after
        self._busy_left = times

    async def chat(self, request: ChatRequest) -> ChatResult:
        if self._busy_left:
            self._busy_left -= 1
            raise ServerBusy(
                "http://127.0.0.1:8080/v1", provider="openai", retry_after=self._retry_after
            )
        return ChatResult('{"findings": []}', "stop", 1, 1, 1)

    async def aclose(self) -> None:
        return None


@pytest.mark.parametrize(
    ("retry_after", "expected_waits"),
    [
        (None, [1.0, 3.0]),  # our own back-off
        (7.0, [7.0, 7.0]),  # the server asked for longer
        (0.5, [1.0, 3.0]),  # never shorter than our own back-off
        (500.0, [120.0, 120.0]),  # never longer than one request may take
    ],
)
async def test_case4_busy_server_is_retried_after_its_retry_after(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    retry_after: float | None,
    expected_waits: list[float],
) -> None:
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    monkeypatch.setattr("siyada.review.engine.asyncio.sleep", record)
    client = _BusyThenAnswering(retry_after, times=2)
    settings = Settings(provider="openai", endpoint="http://127.0.0.1:8080/v1")
    reviewer = Reviewer(settings, AnswerCache(DiskCache(tmp_path)), client)  # type: ignore[arg-type]
    try:
        assert await reviewer.review("python", _load_unit()) == ()
    finally:
        reviewer.cache.close()
    assert waits == expected_waits


async def test_a_fresh_answer_asks_the_model_despite_the_cache_and_replaces_its_answer(
    reviewer: Reviewer, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("def load", content={"findings": [finding(LOAD_EVIDENCE)]}, times=1)
    unit = _load_unit()

    asked = await reviewer.answer("python", unit)
    assert asked.model_seconds is not None and not asked.cached
    assert len(asked.findings) == 1
    cached = await reviewer.answer("python", unit)
    assert cached.cached and cached.findings == asked.findings
    assert len(double.chat_requests) == 1

    fresh = await reviewer.answer("python", unit, fresh=True)
    assert not fresh.cached and fresh.findings == ()
    assert len(double.chat_requests) == 2
    assert _stored(reviewer, unit, tmp_path) == ()
    assert await reviewer.review("python", unit) == ()
