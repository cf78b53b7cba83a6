"""Random edit and save sequences against slow model answers (hypothesis).

The engine and scheduler run in this process against the Ollama double over real HTTP.
Each function carries a marker line `    x = "<token>"`; the double answers for a token
with a finding whose evidence is that line and whose title names the token. At every
publication the test checks that each shown finding's lines are exactly its evidence
in the text being published, and that its token is the function's current one: a
result for an older version of a function is never shown.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from siyada.code.languages import language_for
from siyada.code.source import TextEdit
from siyada.review.answer_cache import AnswerCache
from siyada.review.engine import Reviewer
from siyada.review.scheduler import Scheduler, SchedulerHooks
from siyada.review.setting_values import Triggers
from siyada.review.settings import Settings
from tests.e2e.conftest import MODEL, finding
from tests.model_server import OllamaDouble

TOKENS = "abcdef"
PYTHON = language_for("python")
URI = "file:///work/edits.py"


@pytest.fixture(scope="module")
def double() -> Iterator[OllamaDouble]:
    with OllamaDouble(models=[MODEL]) as running:
        for token in TOKENS:
            evidence = f'    x = "{token}"'
            running.add_rule(
                evidence,
                content={"findings": [finding(evidence, title=f"seen {token}")]},
                chunk_delay=0.002,
            )
        yield running


@dataclass
class Model:
    """The document as a list of functions (name, token) with blank lines between."""

    functions: list[tuple[str, str]] = field(default_factory=list)
    header_lines: int = 0

    def text(self) -> str:
        header = "".join(f"# header {i}\n" for i in range(self.header_lines))
        body = "\n\n".join(
            f'def {name}(p):\n    x = "{token}"\n    return p\n' for name, token in self.functions
        )
        return header + body


steps = st.lists(
    st.one_of(
        st.tuples(st.just("retoken"), st.integers(0, 5), st.sampled_from(TOKENS)),
        st.tuples(st.just("header"), st.integers(-2, 2), st.just("")),
        st.tuples(st.just("add"), st.integers(0, 5), st.sampled_from(TOKENS)),
        st.tuples(st.just("remove"), st.integers(0, 5), st.just("")),
        st.tuples(st.just("save"), st.just(0), st.just("")),
    ),
    min_size=1,
    max_size=12,
)


def _check_published(scheduler: Scheduler, problems: list[str]) -> None:
    snapshot = scheduler.snapshot(URI)
    assert snapshot is not None
    for placed in snapshot.findings:
        shown = [line.strip() for line in snapshot.lines[placed.start_line : placed.end_line + 1]]
        if shown != [placed.finding.evidence.strip()]:
            problems.append(
                f"v{snapshot.version}: range shows {shown}, evidence {placed.finding.evidence!r}"
            )
        token = placed.finding.title.removeprefix("seen ")
        if f'x = "{token}"' not in placed.unit.text:
            problems.append(
                f"v{snapshot.version}: stale finding {placed.finding.title} in {placed.unit.name}"
            )


async def _run(double: OllamaDouble, plan: list[tuple[str, int, str]], seed: int) -> list[str]:
    assert PYTHON is not None
    rng = random.Random(seed)
    problems: list[str] = []
    settings_ = Settings(
        endpoint=double.url, debounce_ms=rng.choice([0, 5, 20]), triggers=Triggers(on_save=True)
    )
    reviewer = Reviewer(settings_, AnswerCache())
    scheduler: Scheduler

    def published(uri: str) -> None:
        _check_published(scheduler, problems)

    scheduler = Scheduler(reviewer, SchedulerHooks(findings_changed=published))
    model = Model([("f0", "a"), ("f1", "b"), ("f2", "c")], header_lines=1)
    scheduler.open(URI, PYTHON, 1, model.text())
    for version, (kind, index, token) in enumerate(plan, start=2):
        before = model.text()
        if kind == "save":
            scheduler.save(URI)
        else:
            _mutate(model, kind, index, token)
            after = model.text()
            scheduler.change(URI, version, [_edit(before, after)])
        await asyncio.sleep(rng.choice([0, 0, 0.001, 0.01, 0.03]))
    scheduler.save(URI)
    await _until_idle(scheduler)
    _check_published(scheduler, problems)
    final = scheduler.snapshot(URI)
    assert final is not None
    shown = sorted(p.finding.title for p in final.findings)
    expected = sorted(f"seen {token}" for _, token in model.functions)
    if shown != expected:
        problems.append(f"final findings {shown}, expected {expected}")
    await scheduler.aclose()
    await reviewer.aclose()
    return problems


async def _until_idle(scheduler: Scheduler) -> None:
    async with asyncio.timeout(20):
        await scheduler.idle()


def _mutate(model: Model, kind: str, index: int, token: str) -> None:
    count = len(model.functions)
    if kind == "retoken" and count:
        name, _ = model.functions[index % count]
        model.functions[index % count] = (name, token)
    elif kind == "header":
        model.header_lines = max(0, model.header_lines + index)
    elif kind == "add":
        model.functions.insert(index % (count + 1), (f"g{len(model.functions)}{token}", token))
    elif kind == "remove" and count > 1:
        model.functions.pop(index % count)


def _edit(before: str, after: str) -> TextEdit:
    """The smallest single edit turning `before` into `after`, as an editor sends it."""
    start = 0
    while start < min(len(before), len(after)) and before[start] == after[start]:
        start += 1
    end_before, end_after = len(before), len(after)
    while (
        end_before > start and end_after > start and before[end_before - 1] == after[end_after - 1]
    ):
        end_before -= 1
        end_after -= 1
    return TextEdit(start, end_before, after[start:end_after])


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(plan=steps, seed=st.integers(0, 2**16))
# A function edited away and back while its review was being cancelled: the old task
# still held its place, so the function's return was never reviewed.
@example(
    plan=[
        ("retoken", 0, "e"),
        ("save", 0, ""),
        ("retoken", 4, "e"),
        ("retoken", 4, "e"),
        ("retoken", 1, "e"),
        ("retoken", 4, "f"),
        ("retoken", 4, "e"),
    ],
    seed=1404,
)
def test_published_findings_always_match_their_version(
    double: OllamaDouble, plan: list[tuple[str, int, str]], seed: int
) -> None:
    problems = asyncio.run(_run(double, plan, seed))
    assert problems == []
