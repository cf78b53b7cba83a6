"""When each function is reviewed: triggers, debounce, in-flight reviews, cancellation.

Documents keep their text, functions and answers (`OpenDocument`), `ranking.py` says
what goes first, the pipeline holds the limits, cache and gate. A review in flight for
a function no open document contains any more is cancelled, which closes its HTTP
request and guarantees its result is never shown. Everything runs on the event loop
as asyncio tasks; no threads, no timers.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from siyada.code.context import FunctionContext
from siyada.code.functions import FunctionUnit
from siyada.code.languages import LanguageSpec
from siyada.code.source import TextEdit
from siyada.models.ollama import ModelError
from siyada.review.engine import Reviewer
from siyada.review.findings import Finding
from siyada.review.open_document import DocumentSnapshot, OpenDocument
from siyada.review.outcomes import SKIPPED, ReviewOutcomes
from siyada.review.pipeline import ReviewPipeline, review_key, within_limit
from siyada.review.priority import Rank
from siyada.review.ranking import NOT_OPEN, Attention, Focus
from siyada.review.settings import Settings
from siyada.review.team_settings import local_path
from siyada.tasks import TaskGroup

__all__ = ["DocumentSnapshot", "Focus", "Scheduler", "SchedulerHooks"]

log = logging.getLogger(__name__)

# Above this size, a document's functions are refreshed once per burst of keystrokes,
# this long after the first one, instead of after every keystroke.
_COALESCE_ABOVE_CHARS = 50_000
_COALESCE_SECONDS = 0.075


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
        self._documents: dict[str, OpenDocument] = {}
        self._pipeline = ReviewPipeline(reviewer)
        self._attention = Attention()
        self._paused = False
        self._outcomes = ReviewOutcomes(
            self._documents,
            findings_changed=hooks.findings_changed,
            succeeded=hooks.succeeded,
            skipped=hooks.skipped,
        )
        self._tasks = TaskGroup("Review", log)
        self._in_flight: dict[str, asyncio.Task[None]] = {}
        # Per document: the quiet period after typing, and the pending refresh of a
        # large document's functions (see `change`).
        self._debounces: dict[str, asyncio.Task[None]] = {}
        self._refreshes: dict[str, asyncio.Task[None]] = {}

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
        self._cancel_timers(uri)  # of a document opened again without a close
        path = local_path(uri)  # chooses the team's guidance by path glob
        doc = OpenDocument(
            uri,
            spec,
            version,
            text,
            functools.partial(self._cached, path=path),
            functools.partial(self._cached_with_context, path=path),
        )
        self._documents[uri] = doc
        self._refresh(doc)
        doc.check_contexts()
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
        doc.apply(version, edits, full_text=full_text, edited_line=edited_line)
        if len(doc.text) > _COALESCE_ABOVE_CHARS:
            # On a large file, parsing and extracting on every keystroke would keep the
            # server busy while the user types; a burst of keystrokes costs one.
            if uri not in self._refreshes:
                self._refreshes[uri] = self._tasks.spawn(self._refresh_soon(doc))
            return
        self._functions_changed(doc, edited_line)

    def focus(self, focus: Focus) -> None:
        """The user looks at `focus`: reviews waiting for a slot are re-ranked."""
        self._attention.focus = focus

    def save(self, uri: str) -> None:
        if self.settings.triggers.on_save:
            self.review_document(uri)

    def review_document(self, uri: str) -> None:
        """Review every function of the document that has no answer yet: on open, on
        save and on demand."""
        doc = self._documents.get(uri)
        if doc is not None:
            self._flush_refresh(doc)
            self._cancel_debounce(uri)
            doc.want_all()
            self._start_reviews(doc)

    def close(self, uri: str) -> None:
        doc = self._documents.pop(uri, None)
        if doc is not None:
            self._cancel_timers(uri)
            self._cancel_orphaned_reviews()

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
            reviewer.answer_inputs() != self.reviewer.answer_inputs()
            or not reviewer.shares_client_with(self.reviewer)
        )
        self._pipeline = ReviewPipeline(reviewer)
        if answer_changed:
            for key in list(self._in_flight):
                self._cancel_review(key)
        for uri, doc in self._documents.items():
            if answer_changed:
                doc.forget_answers(self.settings)
            self._hooks.findings_changed(uri)
            if answer_changed and self.settings.triggers.on_open:
                doc.want_all()
                self._start_reviews(doc)

    def snapshot(self, uri: str) -> DocumentSnapshot | None:
        doc = self._documents.get(uri)
        return doc.snapshot(self.settings) if doc is not None else None

    def cancel_all(self) -> None:
        """Cancel every debounce and review, and start no new one."""
        self._paused = True
        self._debounces.clear()
        self._refreshes.clear()
        self._tasks.cancel_all()

    async def aclose(self) -> None:
        self.cancel_all()
        await self._tasks.wait()

    async def idle(self) -> None:
        """Wait until no review is running (for the command line)."""
        await self._tasks.wait()

    # ----- functions of a document -----------------------------------------------

    def _cached(
        self, language: str, unit: FunctionUnit, *, path: Path | None
    ) -> tuple[Finding, ...] | None:
        return self._pipeline.cached(language, unit, path=path)

    def _cached_with_context(
        self, language: str, unit: FunctionUnit, context: FunctionContext, *, path: Path | None
    ) -> tuple[Finding, ...] | None:
        return self._pipeline.cached(language, unit, context, path=path)

    def _refresh(self, doc: OpenDocument) -> None:
        if (reason := doc.refresh(self.settings)) is not None:
            self._outcomes.over_limit(doc, reason)

    def _functions_changed(self, doc: OpenDocument, edited_line: int | None) -> None:
        """After the text changed: new functions, moved findings, stale reviews."""
        if (reason := doc.functions_changed(self.settings, edited_line)) is not None:
            self._outcomes.over_limit(doc, reason)
        self._attention.last_changed = doc.uri
        self._cancel_orphaned_reviews()
        self._hooks.findings_changed(doc.uri)

    async def _refresh_soon(self, doc: OpenDocument) -> None:
        await asyncio.sleep(_COALESCE_SECONDS)
        await doc.parse_caught_up()
        self._refreshes.pop(doc.uri, None)
        self._functions_changed(doc, doc.last_edited_line)

    def _flush_refresh(self, doc: OpenDocument) -> None:
        """Bring functions up to date now (before a save or an explicit review)."""
        refresh = self._refreshes.pop(doc.uri, None)
        if refresh is not None:
            refresh.cancel()
            self._functions_changed(doc, doc.last_edited_line)

    # ----- debounce --------------------------------------------------------------

    def _debounce(self, doc: OpenDocument, since: float | None = None) -> None:
        self._cancel_debounce(doc.uri)
        # The deadline is fixed now: the task only starts once the current handler
        # returns, and the quiet period must not wait for that.
        start = asyncio.get_running_loop().time() if since is None else since
        deadline = start + self.settings.debounce_ms / 1000
        self._debounces[doc.uri] = self._tasks.spawn(self._after_quiet(doc, deadline))

    async def _after_quiet(self, doc: OpenDocument, deadline: float) -> None:
        await asyncio.sleep(max(0.0, deadline - asyncio.get_running_loop().time()))
        await doc.parse_caught_up()
        self._debounces.pop(doc.uri, None)
        self._flush_refresh(doc)
        self._start_reviews(doc)

    def _cancel_debounce(self, uri: str) -> None:
        debounce = self._debounces.pop(uri, None)
        if debounce is not None:
            debounce.cancel()

    def _cancel_timers(self, uri: str) -> None:
        self._cancel_debounce(uri)
        refresh = self._refreshes.pop(uri, None)
        if refresh is not None:
            refresh.cancel()

    # ----- reviews ---------------------------------------------------------------

    def _start_reviews(self, doc: OpenDocument) -> None:
        if self._paused:
            return
        fresh = doc.check_contexts()
        if fresh:
            self._cancel_orphaned_reviews()  # reviews with a context that is gone
        from_cache = False
        by_priority = sorted(doc.units, key=lambda unit: self._rank(doc.uri, unit))
        selection = within_limit(by_priority, self.settings)
        guidance = self._guidance(doc)
        if selection.beyond_limit:
            self._outcomes.capped(doc, len(selection.units))
        for unit in selection.units:
            if unit.hash not in doc.wanted or not doc.context_known(unit):
                continue
            if doc.answer(unit) is not None:
                doc.wanted.discard(unit.hash)
                # Looked up only now that its context is known: not shown yet.
                from_cache = from_cache or unit.hash in fresh
                continue
            context = doc.context_of(unit)
            key = review_key(unit, context, guidance)
            if key not in self._in_flight:
                task = self._tasks.spawn(self._review(doc, unit, context, guidance))
                self._in_flight[key] = task
                task.add_done_callback(functools.partial(self._finished, key))
        if from_cache:
            self._hooks.findings_changed(doc.uri)
        self._hooks.activity(self.pending)

    def _rank(self, uri: str, unit: FunctionUnit) -> Rank:
        doc = self._documents.get(uri)
        if doc is None:
            return NOT_OPEN
        return self._attention.rank(
            unit, uri=uri, edited_line=doc.last_edited_line, recent_edits=doc.recent_edits
        )

    def _guidance(self, doc: OpenDocument) -> str:
        """The digest of the team's guidance for the document (by language and path):
        reviews with other guidance are other reviews."""
        return self.reviewer.instructions.digest_for(doc.spec.id, local_path(doc.uri))

    async def _review(
        self, doc: OpenDocument, unit: FunctionUnit, context: FunctionContext | None, guidance: str
    ) -> None:
        uri = doc.uri
        try:
            findings = await self._pipeline.review(
                doc.spec.id, unit, lambda: self._rank(uri, unit), context, path=local_path(uri)
            )
        except SKIPPED as skipped:
            self._outcomes.skipped(uri, unit, skipped)
        except ModelError as error:
            self._hooks.failed(error)
        except Exception as error:
            self._outcomes.crashed(uri, unit, error)
        else:
            self._outcomes.reviewed(
                unit, findings, context, lambda other: self._guidance(other) == guidance
            )

    def _finished(self, key: str, task: asyncio.Task[None]) -> None:
        # A cancelled review's callback runs after a new review of the same function
        # may have started: only the task that ended leaves.
        if self._in_flight.get(key) is task:
            del self._in_flight[key]
        self._hooks.activity(self.pending)

    def _cancel_orphaned_reviews(self) -> None:
        """Reviews of functions no open document contains, or of a context they no
        longer have, are cancelled."""
        alive = {
            review_key(u, d.context_of(u), guidance)
            for d in self._documents.values()
            for guidance in (self._guidance(d),)
            for u in d.units
        }
        for key in list(self._in_flight):
            if key not in alive:
                self._cancel_review(key)

    def _cancel_review(self, key: str) -> None:
        """Cancel a review and forget it at once: the function may come back (an undo)
        before the cancelled task has ended, and must then be reviewed afresh."""
        task = self._in_flight.pop(key, None)
        if task is not None:
            task.cancel()
