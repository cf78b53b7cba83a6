"""The review pipeline the editor and `siyada check` share.

Per document: the limits (size, binary, minified), function extraction, the
`maxFunctionsPerFile` cap; per function: the cache, then the model through one
concurrency gate (`maxConcurrentRequests`, the most urgent review first), with
identical functions asked about once. The preflight tells, before any review, whether
the model server is there with the model.

What is particular to each front end stays with it: the editor's scheduler keeps
triggers, debounce, ranking and cancellation; the command line keeps finding files
and printing.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from tree_sitter import Tree

from siyada.code.context import FileOutline, FunctionContext
from siyada.code.functions import FunctionUnit, extract_functions
from siyada.code.languages import LanguageSpec, encode_source
from siyada.code.text import split_lines
from siyada.review.engine import Reviewed, Reviewer
from siyada.review.findings import Finding
from siyada.review.limits import Exceeded, exceeded_limit
from siyada.review.priority import PriorityGate, Rank
from siyada.review.settings import Settings
from siyada.review.settings_table import FILE_CONTEXT


async def preflight(reviewer: Reviewer) -> None:
    """Is the model server there, and does it have the model? Raises the ModelError
    that says what to fix (EndpointRefused when policy forbids the endpoint)."""
    await reviewer.client.show(reviewer.settings.model)


@dataclass(frozen=True)
class DocumentUnits:
    """A document as the pipeline sees it: its lines, and its functions unless a
    limit keeps it from review (`not_reviewed` then says which)."""

    lines: list[str]
    units: list[FunctionUnit]
    not_reviewed: Exceeded | None = None
    # The parse the functions came from, when it was made here: `contexts_of` reuses it.
    tree: Tree | None = None


def document_units(
    spec: LanguageSpec,
    text: str,
    settings: Settings,
    functions: Callable[[list[str]], list[FunctionUnit]] | None = None,
) -> DocumentUnits:
    """The limits first, so a document over them is never parsed; `functions` gives
    the document's functions from its lines when the caller keeps them up to date
    (the editor parses and extracts incrementally)."""
    lines = split_lines(text)
    exceeded = exceeded_limit(text, lines, settings)
    if exceeded is not None:
        return DocumentUnits(lines, [], exceeded)
    if functions is not None:
        return DocumentUnits(lines, functions(lines))
    tree = spec.parse(encode_source(text))
    return DocumentUnits(lines, extract_functions(spec, text, tree), tree=tree)


@dataclass(frozen=True)
class Selection:
    """The functions to review, most urgent first, and how many the cap left out."""

    units: list[FunctionUnit]
    beyond_limit: int


def within_limit(units_by_priority: Sequence[FunctionUnit], settings: Settings) -> Selection:
    limit = settings.max_functions_per_file
    return Selection(list(units_by_priority[:limit]), max(0, len(units_by_priority) - limit))


def contexts_of(
    spec: LanguageSpec,
    text: str,
    units: Sequence[FunctionUnit],
    settings: Settings,
    tree: Tree | None = None,
) -> list[FunctionContext | None]:
    """What goes beside each of `units` (functions of `text`): with the `context`
    setting "file" its context from the file (`tree`, its parse, when the caller has
    it); with "function" nothing."""
    if settings.context != FILE_CONTEXT:
        return [None] * len(units)
    outline = FileOutline(spec, tree or spec.parse(encode_source(text)))
    return [outline.context(unit) for unit in units]


def review_key(unit: FunctionUnit, context: FunctionContext | None, guidance: str = "") -> str:
    """What makes two reviews the same: the function's text and, when there are, the
    context sent beside it and the digest of the team's guidance for its file."""
    key = unit.hash if context is None else f"{unit.hash}:{context.digest}"
    return f"{key}:{guidance}" if guidance else key


def _in_arrival_order() -> Rank:
    return ()


class ReviewPipeline:
    """One reviewer behind one gate: at most `maxConcurrentRequests` model calls at
    a time, and one call per distinct function however many callers ask."""

    def __init__(self, reviewer: Reviewer) -> None:
        self._reviewer = reviewer
        self._gate = PriorityGate(reviewer.settings.max_concurrent_requests)
        # The functions under review by hash, with the answer that callers arriving
        # meanwhile await instead of asking again (None until one waits).
        self._running: dict[str, asyncio.Future[Reviewed] | None] = {}

    @property
    def reviewer(self) -> Reviewer:
        return self._reviewer

    def cached(
        self,
        language: str,
        unit: FunctionUnit,
        context: FunctionContext | None = None,
        *,
        path: Path | None = None,
    ) -> tuple[Finding, ...] | None:
        return self._reviewer.cached(language, unit, context, path=path)

    async def review(
        self,
        language: str,
        unit: FunctionUnit,
        rank_now: Callable[[], Rank] = _in_arrival_order,
        context: FunctionContext | None = None,
        *,
        path: Path | None = None,
    ) -> tuple[Finding, ...]:
        """The function's findings, asking the model when the cache has no answer.

        Raises what `Reviewer.review` raises. `rank_now` orders the waiters for a slot;
        `context` goes beside the function (`review_key` says which calls are the same).
        A caller that finds the same function under review awaits that answer; when
        the caller that asked is cancelled (its request is then closed), the next
        waiting caller asks again.
        """
        return (await self.answer(language, unit, rank_now, context, path=path)).findings

    async def answer(
        self,
        language: str,
        unit: FunctionUnit,
        rank_now: Callable[[], Rank] = _in_arrival_order,
        context: FunctionContext | None = None,
        *,
        path: Path | None = None,
        fresh: bool = False,
    ) -> Reviewed:
        """`review`, saying how the answer came (`Reviewer.answer`); `fresh` asks the
        model even when the cache has an answer."""
        key = review_key(unit, context, self._reviewer.instructions.digest_for(language, path))
        while key in self._running:
            # Made by the first caller that waits, so a lone review costs no future.
            running = self._running[key] or self._awaited(key)
            try:
                # Shielded: a waiting caller that is cancelled leaves the request alone.
                return await asyncio.shield(running)
            except asyncio.CancelledError:
                current = asyncio.current_task()
                if not running.cancelled() or (current is not None and current.cancelling()):
                    raise
        self._running[key] = None
        try:
            async with self._gate.slot(rank_now):
                reviewed = await self._reviewer.answer(
                    language, unit, context, path=path, fresh=fresh
                )
        except asyncio.CancelledError:
            if (answer := self._running.pop(key, None)) is not None:
                answer.cancel()
            raise
        except Exception as error:
            if (answer := self._running.pop(key, None)) is not None:
                answer.set_exception(error)
                answer.exception()  # delivered to this caller: no "never retrieved" warning
            raise
        if (answer := self._running.pop(key, None)) is not None:
            answer.set_result(reviewed)
        return reviewed

    def _awaited(self, key: str) -> asyncio.Future[Reviewed]:
        answer: asyncio.Future[Reviewed] = asyncio.get_running_loop().create_future()
        self._running[key] = answer
        return answer
