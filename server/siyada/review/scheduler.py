"""Which function is reviewed when: triggers, debounce, cancellation, concurrency.

Open documents are tracked as text + functions. Each function is identified by the
hash of its text, and findings belong to that hash, so they move with the function when
lines above it change and vanish when it is edited. A review in flight for a function
that no open document contains any more is cancelled, which closes its HTTP request
(Ollama then stops generating) and guarantees its result is never shown.

Everything runs on the event loop as asyncio tasks; no threads, no timers.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from siyada.code.functions import FunctionUnit
from siyada.code.languages import LanguageSpec
from siyada.code.source import ParsedSource, TextEdit, edit_between
from siyada.models.ollama import ModelError
from siyada.review.anchor import anchor
from siyada.review.engine import (
    AnswerCutOff,
    AnswerUnusable,
    FunctionTooLong,
    PlacedFinding,
    Reviewer,
    place_findings,
)
from siyada.review.findings import Finding
from siyada.review.pipeline import ReviewPipeline, document_units, within_limit
from siyada.review.settings import Settings

log = logging.getLogger(__name__)


@dataclass
class TrackedDocument:
    uri: str
    spec: LanguageSpec
    version: int | None
    source: ParsedSource
    lines: list[str]
    units: list[FunctionUnit]
    # Hashes that still need a model answer (changed, or a review that failed).
    wanted: set[str] = field(default_factory=set)
    # Findings of an edited function re-anchored in its new text, shown until its own
    # review lands, so warnings do not flicker away on every keystroke.
    provisional: dict[str, tuple[Finding, ...]] = field(default_factory=dict)
    last_edited_line: int | None = None
    # Functions as they were before the current burst of edits, and the pending refresh
    # of a large document's functions (see Scheduler.change).
    units_before_burst: list[FunctionUnit] | None = None
    refresh: asyncio.Task[None] | None = None
    # Names of the functions edited lately, most recent first.
    recent_edits: list[str] = field(default_factory=list)
    debounce: asyncio.Task[None] | None = None

    # Answers known for the document's functions by hash (None: not reviewed yet), so
    # publishing after a keystroke does not ask the cache about every function again.
    answers: dict[str, tuple[Finding, ...] | None] = field(default_factory=dict)
    # Why the document is not reviewed (too large, minified...), told once per reason.
    not_reviewed: str | None = None
    told: set[str] = field(default_factory=set)

    @property
    def text(self) -> str:
        return self.source.text


@dataclass(frozen=True)
class Focus:
    """Where the user is looking, as the client tells: a cursor line and the visible
    line ranges (inclusive) of one document."""

    uri: str
    line: int | None = None
    visible: tuple[tuple[int, int], ...] = ()


_RECENT_EDITS = 5
# Above this size, a document's functions are refreshed once per burst of keystrokes,
# this long after the last one, instead of after every keystroke.
_COALESCE_ABOVE_CHARS = 50_000
_COALESCE_SECONDS = 0.075


@dataclass(frozen=True)
class DocumentSnapshot:
    uri: str
    spec: LanguageSpec
    version: int | None
    text: str
    lines: list[str]
    findings: list[PlacedFinding]
    source: ParsedSource


@dataclass
class SchedulerHooks:
    """How the scheduler tells the outside world what happened."""

    findings_changed: Callable[[str], None]
    activity: Callable[[int], None] = lambda pending: None
    succeeded: Callable[[], None] = lambda: None
    failed: Callable[[ModelError], None] = lambda error: None
    skipped: Callable[[str], None] = lambda message: None


class Scheduler:
    def __init__(self, reviewer: Reviewer, hooks: SchedulerHooks) -> None:
        self._hooks = hooks
        self._documents: dict[str, TrackedDocument] = {}
        self._in_flight: dict[str, asyncio.Task[None]] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._pipeline = ReviewPipeline(reviewer)
        self._focus: Focus | None = None
        self._paused = False
        self._last_changed: str | None = None

    @property
    def settings(self) -> Settings:
        return self.reviewer.settings

    @property
    def reviewer(self) -> Reviewer:
        return self._pipeline.reviewer

    @property
    def pending(self) -> int:
        return len(self._in_flight)

    # ----- document events -------------------------------------------------------

    def open(self, uri: str, spec: LanguageSpec, version: int | None, text: str) -> None:
        doc = TrackedDocument(uri, spec, version, ParsedSource(spec, text, parse=False), [], [])
        self._documents[uri] = doc
        self._refresh(doc)
        self._hooks.findings_changed(uri)
        if self.settings.triggers.on_open:
            self.review_document(uri)

    def text_of(self, uri: str) -> str | None:
        doc = self._documents.get(uri)
        return doc.text if doc is not None else None

    def change(
        self,
        uri: str,
        version: int | None,
        edits: Sequence[TextEdit],
        *,
        full_text: str | None = None,
        edited_line: int | None = None,
        received: float | None = None,
    ) -> None:
        """The document changed by `edits` (or was replaced by `full_text`, applied as
        the edit between the two texts); `received` is when the change arrived (event
        loop time), where the quiet period starts."""
        doc = self._documents.get(uri)
        if doc is None:
            return
        if self.settings.triggers.on_type:
            # The work below runs inside the quiet period instead of delaying the review.
            self._debounce(doc, received)
        if full_text is not None:
            edits = [edit_between(doc.text, full_text)]
        doc.source.apply(edits)
        doc.version = version
        if edited_line is not None:
            doc.last_edited_line = edited_line
        if doc.units_before_burst is None:
            doc.units_before_burst = doc.units
        if len(doc.text) > _COALESCE_ABOVE_CHARS:
            # On a large file, parsing and extracting on every keystroke would keep the
            # server busy while the user types; a burst of keystrokes costs one.
            if doc.refresh is None:
                doc.refresh = self._spawn(self._refresh_soon(doc))
            return
        self._functions_changed(doc, edited_line)

    def _functions_changed(self, doc: TrackedDocument, edited_line: int | None) -> None:
        """After the text changed: new functions, moved findings, stale reviews."""
        old_units = doc.units_before_burst or []
        doc.units_before_burst = None
        self._refresh(doc)
        known = {u.hash for u in old_units}
        new_units = [u for u in doc.units if u.hash not in known]
        # Without a range (a whole-document change), the first changed function is
        # where the user is working.
        if edited_line is None and new_units:
            doc.last_edited_line = new_units[0].start_line
        self._note_edit(doc, new_units)
        doc.wanted |= {u.hash for u in new_units}
        doc.provisional = self._carry_over(doc, old_units, new_units)
        self._cancel_orphaned_reviews()
        self._hooks.findings_changed(doc.uri)

    async def _refresh_soon(self, doc: TrackedDocument) -> None:
        await asyncio.sleep(_COALESCE_SECONDS)
        await _parse_caught_up(doc)
        doc.refresh = None
        self._functions_changed(doc, doc.last_edited_line)

    def _flush_refresh(self, doc: TrackedDocument) -> None:
        """Bring functions up to date now (before a save or an explicit review)."""
        if doc.refresh is not None:
            doc.refresh.cancel()
            doc.refresh = None
            self._functions_changed(doc, doc.last_edited_line)

    def focus(self, focus: Focus) -> None:
        """The user looks at `focus`: reviews waiting for a slot are re-ranked."""
        self._focus = focus

    def save(self, uri: str) -> None:
        doc = self._documents.get(uri)
        if doc is not None and self.settings.triggers.on_save:
            self._flush_refresh(doc)
            self._cancel_debounce(doc)
            doc.wanted |= {u.hash for u in doc.units}
            self._start_reviews(doc)

    def close(self, uri: str) -> None:
        doc = self._documents.pop(uri, None)
        if doc is not None:
            if doc.refresh is not None:
                doc.refresh.cancel()
            self._cancel_debounce(doc)
            self._cancel_orphaned_reviews()

    def review_document(self, uri: str) -> None:
        """Review every function of the document that has no answer yet (on demand)."""
        doc = self._documents.get(uri)
        if doc is not None:
            self._flush_refresh(doc)
            self._cancel_debounce(doc)
            doc.wanted |= {u.hash for u in doc.units}
            self._start_reviews(doc)

    def pause(self) -> None:
        """Hold reviews back (while the client's settings are still on their way)."""
        self._paused = True

    def resume(self) -> None:
        self._paused = False
        for doc in self._documents.values():
            self._start_reviews(doc)

    def use_reviewer(self, reviewer: Reviewer) -> None:
        """Settings changed: cancel what the old reviewer was doing, re-show, re-review."""
        answer_changed = (
            reviewer.settings.answer_inputs() != self.settings.answer_inputs()
            or not reviewer.shares_client_with(self.reviewer)
        )
        self._pipeline = ReviewPipeline(reviewer)
        if answer_changed:
            for task in list(self._in_flight.values()):
                task.cancel()
        for uri, doc in self._documents.items():
            if answer_changed:
                doc.answers.clear()
            self._hooks.findings_changed(uri)
            if answer_changed and self.settings.triggers.on_open:
                doc.wanted |= {u.hash for u in doc.units}
                self._start_reviews(doc)

    def snapshot(self, uri: str) -> DocumentSnapshot | None:
        doc = self._documents.get(uri)
        if doc is None:
            return None
        findings_of: dict[str, tuple[Finding, ...]] = dict(doc.provisional)
        for unit in doc.units:
            answer = self._answer(doc, unit)
            if answer is not None:
                findings_of[unit.hash] = answer
        placed = place_findings(
            doc.units, findings_of, doc.lines, doc.text, self.settings, spec=doc.spec
        )
        return DocumentSnapshot(uri, doc.spec, doc.version, doc.text, doc.lines, placed, doc.source)

    def cancel_all(self) -> None:
        """Cancel every debounce and review, and start no new one."""
        self._paused = True
        for doc in self._documents.values():
            self._cancel_debounce(doc)
            doc.refresh = None
        for task in list(self._tasks):
            task.cancel()

    async def aclose(self) -> None:
        self.cancel_all()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def idle(self) -> None:
        """Wait until no review is running (for the command line)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    # ----- internals -------------------------------------------------------------

    def _refresh(self, doc: TrackedDocument) -> None:
        """Lines and functions of the current text, within the limits."""
        prepared = document_units(doc.spec, doc.text, self.settings, doc.source.functions)
        doc.lines = prepared.lines
        if prepared.not_reviewed is not None:
            doc.not_reviewed = prepared.not_reviewed.reason
            doc.source.stop_parsing()
            doc.units = []
            self._tell_once(doc, f"Siyada does not review {_name(doc.uri)}: {doc.not_reviewed}.")
            return
        doc.not_reviewed = None
        old_answers = doc.answers
        doc.units = prepared.units
        doc.answers = {u.hash: old_answers[u.hash] for u in doc.units if u.hash in old_answers}

    def _answer(self, doc: TrackedDocument, unit: FunctionUnit) -> tuple[Finding, ...] | None:
        if unit.hash in doc.answers:
            return doc.answers[unit.hash]
        answer = self._pipeline.cached(doc.spec.id, unit)
        doc.answers[unit.hash] = answer
        return answer

    def _tell_once(self, doc: TrackedDocument, message: str) -> None:
        if message not in doc.told:
            doc.told.add(message)
            self._hooks.skipped(message)

    def _carry_over(
        self, doc: TrackedDocument, old_units: list[FunctionUnit], new_units: list[FunctionUnit]
    ) -> dict[str, tuple[Finding, ...]]:
        old_by_name = {u.name: u for u in old_units}
        carried: dict[str, tuple[Finding, ...]] = {}
        for unit in new_units:
            before = old_by_name.get(unit.name)
            if before is None:
                continue
            previous = self._answer(doc, before) or doc.provisional.get(before.hash, ())
            moved = tuple(_reanchored(f, unit) for f in previous)
            kept = tuple(f for f in moved if f is not None)
            if kept:
                carried[unit.hash] = kept
        return carried

    def _debounce(self, doc: TrackedDocument, since: float | None = None) -> None:
        self._cancel_debounce(doc)
        # The deadline is fixed now: the task only starts once the current handler
        # returns, and the quiet period must not wait for that.
        start = asyncio.get_running_loop().time() if since is None else since
        deadline = start + self.settings.debounce_ms / 1000
        doc.debounce = self._spawn(self._after_quiet(doc, deadline))

    async def _after_quiet(self, doc: TrackedDocument, deadline: float) -> None:
        await asyncio.sleep(max(0.0, deadline - asyncio.get_running_loop().time()))
        await _parse_caught_up(doc)
        doc.debounce = None
        self._flush_refresh(doc)
        self._start_reviews(doc)

    @staticmethod
    def _cancel_debounce(doc: TrackedDocument) -> None:
        if doc.debounce is not None and not doc.debounce.done():
            doc.debounce.cancel()
        doc.debounce = None

    def _start_reviews(self, doc: TrackedDocument) -> None:
        if self._paused:
            return
        selection = within_limit(self._by_priority(doc), self.settings)
        if selection.beyond_limit:
            self._tell_once(
                doc,
                f"Siyada reviews {len(selection.units)} of the {len(doc.units)} functions in "
                f"{_name(doc.uri)}, nearest to your edits first (siyada.maxFunctionsPerFile).",
            )
        for unit in selection.units:
            if unit.hash not in doc.wanted:
                continue
            if self._answer(doc, unit) is not None:
                doc.wanted.discard(unit.hash)
                continue
            if unit.hash not in self._in_flight:
                task = self._spawn(self._review(doc.uri, doc.spec.id, unit))
                self._in_flight[unit.hash] = task
                task.add_done_callback(functools.partial(self._finished, unit.hash))
        self._hooks.activity(self.pending)

    def _note_edit(self, doc: TrackedDocument, new_units: list[FunctionUnit]) -> None:
        names = [u.name for u in new_units]
        doc.recent_edits = [*names, *(n for n in doc.recent_edits if n not in names)]
        del doc.recent_edits[_RECENT_EDITS:]
        self._last_changed = doc.uri

    def _by_priority(self, doc: TrackedDocument) -> list[FunctionUnit]:
        return sorted(doc.units, key=lambda unit: self._rank(doc.uri, unit))

    def _rank(self, uri: str, unit: FunctionUnit) -> tuple[int, ...]:
        """Lower is sooner: the document in focus, then within it the function at the
        cursor (or being edited), visible ones, recently edited ones, then the rest by
        distance from the cursor."""
        doc = self._documents.get(uri)
        if doc is None:
            return (9,)
        focus = self._focus if self._focus is not None and self._focus.uri == uri else None
        focused_doc = focus is not None or (self._focus is None and uri == self._last_changed)
        line = doc.last_edited_line if focus is None or focus.line is None else focus.line
        if line is not None and unit.start_line <= line <= unit.end_line:
            kind = 0
        elif focus is not None and any(
            unit.start_line <= end and start <= unit.end_line for start, end in focus.visible
        ):
            kind = 1
        elif unit.name in doc.recent_edits:
            kind = 2
        else:
            kind = 3
        distance = (
            0 if line is None else min(abs(unit.start_line - line), abs(unit.end_line - line))
        )
        return (0 if focused_doc else 1, kind, distance)

    async def _review(self, uri: str, language: str, unit: FunctionUnit) -> None:
        try:
            findings = await self._pipeline.review(language, unit, lambda: self._rank(uri, unit))
        except FunctionTooLong as too_long:
            self._report_once(uri, "too long", str(too_long))
            self._forget_wanted(unit.hash)
            return
        except AnswerCutOff as cut_off:
            # Not wanted any more: the reviewer skips it until its text changes.
            self._report_once(uri, "cut off", str(cut_off))
            self._forget_wanted(unit.hash)
            self._hooks.succeeded()
            return
        except AnswerUnusable as unusable:
            # Still wanted: the next trigger asks again.
            self._report_once(uri, "unusable", str(unusable))
            self._hooks.succeeded()
            return
        except ModelError as error:
            self._hooks.failed(error)
            return
        except Exception as error:
            self._report_crash(uri, unit, error)
            return
        self._forget_wanted(unit.hash)
        self._hooks.succeeded()
        for uri in self._documents_with(unit.hash):
            doc = self._documents[uri]
            doc.provisional.pop(unit.hash, None)
            doc.answers[unit.hash] = findings
            self._hooks.findings_changed(uri)

    def _finished(self, function_hash: str, _task: asyncio.Task[None]) -> None:
        self._in_flight.pop(function_hash, None)
        self._hooks.activity(self.pending)

    def _report_once(self, uri: str, kind: str, message: str) -> None:
        """Told once per document and kind: a file of many long functions, or a model
        that answers prose every time, gives one note; the others go to the log."""
        doc = self._documents.get(uri)
        if doc is None or kind in doc.told:
            log.info("%s", message)
            return
        doc.told.add(kind)
        self._hooks.skipped(message)

    def _report_crash(self, uri: str, unit: FunctionUnit, error: Exception) -> None:
        """A review failed in a way nobody foresaw: the log gets the traceback, the user
        one message per document; the function is asked about again on the next trigger."""
        log.error("The review of %s in %s failed", unit.name, _name(uri), exc_info=error)
        message = (
            f"Siyada could not review {unit.name} in {_name(uri)}: an internal error "
            f"({type(error).__name__}). Details are in the log; it is tried again on the next "
            "save or edit."
        )
        self._report_once(uri, "internal error", message)

    def _forget_wanted(self, function_hash: str) -> None:
        for doc in self._documents.values():
            doc.wanted.discard(function_hash)

    def _documents_with(self, function_hash: str) -> Iterable[str]:
        return [
            uri
            for uri, d in self._documents.items()
            if any(u.hash == function_hash for u in d.units)
        ]

    def _cancel_orphaned_reviews(self) -> None:
        alive = {u.hash for d in self._documents.values() for u in d.units}
        for function_hash, task in list(self._in_flight.items()):
            if function_hash not in alive:
                task.cancel()

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        # Strong references keep tasks alive; the callback makes failures visible.
        task = asyncio.ensure_future(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("A review task failed", exc_info=task.exception())


async def _parse_caught_up(doc: TrackedDocument) -> None:
    """Parse the pending edits in slices, so requests (a code action at the cursor)
    are answered meanwhile; edits typed during a parse are parsed next, so a burst of
    keystrokes ends with its functions refreshed without a parse that blocks."""
    while doc.source.parse_pending:
        await doc.source.parse_in_slices()


def _name(uri: str) -> str:
    return uri.rsplit("/", 1)[-1]


def _reanchored(finding: Finding, unit: FunctionUnit) -> Finding | None:
    lines = anchor(finding.evidence, unit.text)
    # Evidence now on a nested unit's placeholder or signature is no longer this unit's.
    if lines is None or unit.document_range(*lines) is None:
        return None
    start, end = lines
    return Finding(
        category=finding.category,
        severity=finding.severity,
        title=finding.title,
        explanation=finding.explanation,
        evidence=finding.evidence,
        replacement=finding.replacement,
        confidence=finding.confidence,
        start_line=start,
        end_line=end,
    )
