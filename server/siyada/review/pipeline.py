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

from tree_sitter import Tree

from siyada.code.functions import FunctionUnit, extract_functions
from siyada.code.languages import LanguageSpec
from siyada.code.text import split_lines
from siyada.review.engine import Reviewer
from siyada.review.findings import Finding
from siyada.review.limits import Exceeded, exceeded_limit
from siyada.review.priority import PriorityGate, Rank
from siyada.review.settings import Settings


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


def document_units(
    spec: LanguageSpec,
    text: str,
    settings: Settings,
    tree: Callable[[], Tree | None] = lambda: None,
) -> DocumentUnits:
    """The limits first, so a document over them is never parsed; `tree` gives the
    document's current parse when the caller keeps one (the editor parses
    incrementally)."""
    lines = split_lines(text)
    exceeded = exceeded_limit(text, lines, settings)
    if exceeded is not None:
        return DocumentUnits(lines, [], exceeded)
    return DocumentUnits(lines, extract_functions(spec, text, tree()))


@dataclass(frozen=True)
class Selection:
    """The functions to review, most urgent first, and how many the cap left out."""

    units: list[FunctionUnit]
    beyond_limit: int


def within_limit(units_by_priority: Sequence[FunctionUnit], settings: Settings) -> Selection:
    limit = settings.max_functions_per_file
    return Selection(list(units_by_priority[:limit]), max(0, len(units_by_priority) - limit))


def lines_outside_units(units: Sequence[FunctionUnit], lines: Sequence[str]) -> int:
    """Non-blank lines that belong to no function: code the model never sees."""
    covered = {n for unit in units for n in range(unit.start_line, unit.end_line + 1)}
    return sum(1 for n, line in enumerate(lines) if line.strip() and n not in covered)


def _in_arrival_order() -> Rank:
    return ()


@dataclass
class _Shared:
    """One model request that every caller asking about the same function awaits."""

    task: asyncio.Task[tuple[Finding, ...]]
    callers: int = 0


class ReviewPipeline:
    """One reviewer behind one gate: at most `maxConcurrentRequests` model calls at
    a time, and one call per distinct function however many callers ask."""

    def __init__(self, reviewer: Reviewer) -> None:
        self._reviewer = reviewer
        self._gate = PriorityGate(reviewer.settings.max_concurrent_requests)
        self._running: dict[str, _Shared] = {}

    @property
    def reviewer(self) -> Reviewer:
        return self._reviewer

    def cached(self, language: str, unit: FunctionUnit) -> tuple[Finding, ...] | None:
        return self._reviewer.cached(language, unit)

    async def review(
        self,
        language: str,
        unit: FunctionUnit,
        rank_now: Callable[[], Rank] = _in_arrival_order,
    ) -> tuple[Finding, ...]:
        """The function's findings, asking the model when the cache has no answer.

        Raises what `Reviewer.review` raises. `rank_now` orders the waiters for a slot;
        the first caller's rank stands for a request that several callers share.
        Cancelling every caller cancels the request (closing its HTTP connection).
        """
        shared = self._running.get(unit.hash)
        if shared is None:
            task = asyncio.ensure_future(self._through_gate(language, unit, rank_now))
            shared = self._running[unit.hash] = _Shared(task)
            task.add_done_callback(lambda _: self._finished(unit.hash, shared))
        shared.callers += 1
        try:
            return await asyncio.shield(shared.task)
        finally:
            shared.callers -= 1
            if shared.callers == 0 and not shared.task.done():
                # Forgotten at once: a caller arriving while it winds down asks anew.
                self._forget(unit.hash, shared)
                shared.task.cancel()

    async def _through_gate(
        self, language: str, unit: FunctionUnit, rank_now: Callable[[], Rank]
    ) -> tuple[Finding, ...]:
        async with self._gate.slot(rank_now):
            return await self._reviewer.review(language, unit)

    def _forget(self, function_hash: str, shared: _Shared) -> None:
        if self._running.get(function_hash) is shared:
            del self._running[function_hash]

    def _finished(self, function_hash: str, shared: _Shared) -> None:
        self._forget(function_hash, shared)
        # A request no caller awaits any more ends cancelled; any other outcome was
        # delivered to its callers, so it is not reported again as unretrieved.
        if not shared.task.cancelled():
            shared.task.exception()
