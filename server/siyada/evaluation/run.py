"""Review every case of a corpus with one model, through the engine the editor uses.

The same prompt (unless a variant replaces its system text), anchoring, cache and
pipeline as `siyada check`; findings are placed and filtered by `place_findings`,
as the editor shows them. Each answer the model gives is measured on its way to the
engine (time, prompt tokens, findings returned and anchored); answers from the cache
were measured when they were given, so they count in the figures about findings
shown but not in those about the answers themselves.
"""

from __future__ import annotations

import asyncio
import sys
import time
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TextIO

from siyada.code.context import FunctionContext
from siyada.code.functions import FunctionUnit
from siyada.evaluation.labels import Case, Corpus
from siyada.evaluation.scoring import Measure, ModelScore, Outcome, Shown, score
from siyada.models.chat import ChatRequest, ChatResult
from siyada.models.errors import ModelError
from siyada.review.anchor import locate
from siyada.review.answer import UnusableAnswer, read_answer, validate
from siyada.review.answer_cache import AnswerCache, open_cache
from siyada.review.connection import ModelClient, open_client
from siyada.review.engine import Reviewer
from siyada.review.findings import Finding
from siyada.review.not_reviewed import NotReviewed
from siyada.review.pipeline import ReviewPipeline, contexts_of, preflight, review_key
from siyada.review.placement import place_findings
from siyada.review.prompt import prompt_tokens
from siyada.review.settings import Settings
from siyada.terminal import TerminalProgress


class CannotEvaluate(Exception):
    """Stops the whole run; the message is the one line printed on stderr."""


@dataclass(frozen=True)
class EvalOptions:
    """What every model of a run is reviewed with, besides its connection settings:
    the options that change what the model is asked."""

    # A system text replacing the fixed one (`--prompt`); None: the fixed one.
    system_prompt: str | None = None
    # False (`--no-cache`): every answer comes fresh from the model, and none is kept.
    use_cache: bool = True


# The answer of which function is being asked for, per review task, so an answer is
# measured against the function it is about.
_Key = tuple[str, str]
_asking: ContextVar[tuple[_Key, FunctionUnit] | None] = ContextVar("asking", default=None)


def _key(case: Case, context: FunctionContext | None) -> _Key:
    return (case.language, review_key(case.unit, context))


def _with_contexts(
    cases: tuple[Case, ...], settings: Settings
) -> list[tuple[Case, FunctionContext | None]]:
    """Each case with what goes beside its function (the `context` setting), each
    file parsed once."""
    by_file: dict[str, list[Case]] = {}
    for case in cases:
        by_file.setdefault(case.file, []).append(case)
    context_of: dict[tuple[str, str], FunctionContext | None] = {}
    for file, in_file in by_file.items():
        document = in_file[0].document
        units = [case.unit for case in in_file]
        for unit, context in zip(
            units, contexts_of(document.spec, document.text, units, settings), strict=True
        ):
            context_of[(file, unit.name)] = context
    return [(case, context_of[(case.file, case.unit.name)]) for case in cases]


async def evaluate_model(
    corpus: Corpus, settings: Settings, options: EvalOptions, stream: TextIO = sys.stderr
) -> ModelScore:
    """The figures of the model `settings` names; raises CannotEvaluate when the model
    server cannot be used (unreachable, no such model, refused endpoint)."""
    try:
        client = open_client(settings)
    except ModelError as refused:
        raise CannotEvaluate(str(refused)) from refused
    measures: dict[_Key, Measure] = {}
    _measure_chats(client, measures)
    cache = open_cache(settings) if options.use_cache else AnswerCache()
    if cache.problem is not None:
        print(f"siyada: {cache.problem}", file=stream)
    reviewer = Reviewer(settings, cache, client, system_prompt=options.system_prompt)
    try:
        asked = _with_contexts(corpus.cases, settings)
        answers = await _answers(ReviewPipeline(reviewer), asked, stream)
    finally:
        await reviewer.aclose()
        cache.close()
    outcomes = _outcomes(asked, answers, measures, settings)
    return score(settings.model, outcomes, settings.explanation_language)


def _measure_chats(client: ModelClient, measures: dict[_Key, Measure]) -> None:
    """Measure every answer `client` gives, filed under the function asked about.

    The client's own `chat` is wrapped rather than the engine changed: the engine keeps
    one path for the editor, `siyada check` and this.
    """
    chat = client.chat

    async def measured_chat(request: ChatRequest) -> ChatResult:
        started = time.perf_counter()
        result = await chat(request)
        elapsed_ms = (time.perf_counter() - started) * 1000
        asking = _asking.get()
        if asking is not None:
            key, unit = asking
            measures[key] = _measure(request, result, elapsed_ms, unit)
        return result

    client.chat = measured_chat  # type: ignore[method-assign]


def _measure(
    request: ChatRequest, result: ChatResult, elapsed_ms: float, unit: FunctionUnit
) -> Measure:
    try:
        items = read_answer(result.content)
    except UnusableAnswer:
        items = []
    checked = [item for item in map(validate, items) if item is not None]
    lines = unit.text.split("\n")
    anchored = sum(1 for item in checked if locate(item["evidence"], lines) is not None)
    # The server's count when it gives one (Ollama and llama-server do), else Siyada's
    # own generous estimate.
    tokens = result.prompt_eval_count or prompt_tokens(request.messages)
    return Measure(round(elapsed_ms, 1), tokens, len(checked), anchored)


async def _answers(
    pipeline: ReviewPipeline, cases: list[tuple[Case, FunctionContext | None]], stream: TextIO
) -> dict[_Key, tuple[Finding, ...]]:
    """Cached answers first, then the model's, `--jobs` at a time. A function without
    a usable answer is left out (and noted): it finds nothing and flags nothing."""
    answers: dict[_Key, tuple[Finding, ...]] = {}
    to_ask: dict[_Key, tuple[Case, FunctionContext | None]] = {}
    for case, context in cases:
        cached = pipeline.cached(case.language, case.unit, context)
        if cached is not None:
            answers[_key(case, context)] = cached
        else:
            to_ask.setdefault(_key(case, context), (case, context))
    if not to_ask:
        return answers
    try:
        await preflight(pipeline.reviewer)
    except ModelError as error:
        raise CannotEvaluate(str(error)) from error
    progress = TerminalProgress(len(to_ask), stream)

    async def ask(case: Case, context: FunctionContext | None) -> None:
        key = _key(case, context)
        _asking.set((key, case.unit))
        try:
            answers[key] = await pipeline.review(case.language, case.unit, context=context)
        except NotReviewed as not_reviewed:
            progress.note(f"siyada: {case.file}: {not_reviewed}")
        except ModelError as error:
            raise CannotEvaluate(str(error)) from error
        finally:
            progress.advance()

    try:
        async with asyncio.TaskGroup() as group:
            for case, context in to_ask.values():
                group.create_task(ask(case, context))
    except BaseExceptionGroup as failures:
        first = failures.exceptions[0]
        raise first if isinstance(first, CannotEvaluate) else failures from None
    finally:
        progress.finish()
    return answers


def _outcomes(
    asked: list[tuple[Case, FunctionContext | None]],
    answers: dict[_Key, tuple[Finding, ...]],
    measures: dict[_Key, Measure],
    settings: Settings,
) -> list[Outcome]:
    outcomes: list[Outcome] = []
    measured: set[_Key] = set()
    for case, context in asked:
        key = _key(case, context)
        findings = answers.get(key)
        # A function that appears twice was asked about once: its answer counts once.
        measure = measures.get(key) if key not in measured else None
        measured.add(key)
        outcomes.append(
            Outcome(case, _shown(case, findings or (), settings), findings is not None, measure)
        )
    return outcomes


def _shown(case: Case, findings: tuple[Finding, ...], settings: Settings) -> tuple[Shown, ...]:
    """The findings as the editor would show them: placed, filtered, unsuppressed, and
    with a fix only when it is local and parses."""
    document = case.document
    placed = place_findings(
        [case.unit],
        {case.unit.hash: findings},
        document.lines,
        document.text,
        settings,
        spec=document.spec,
    )
    return tuple(
        Shown(p.finding.category, p.start_line + 1, p.end_line + 1, p.finding.replacement)
        for p in placed
    )
