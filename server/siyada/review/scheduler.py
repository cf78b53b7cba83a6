"""When each function is reviewed: triggers, debounce, in-flight reviews, cancellation.

Documents keep their text, functions and answers (`OpenDocument`), `ranking.py` says
what goes first, the pipeline holds the limits, cache and gate. A review in flight for
a function no open document contains any more is cancelled, which closes its HTTP
request and guarantees its result is never shown. Everything runs on the event loop
as asyncio tasks; no threads, no timers.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from siyada.code.context import FunctionContext
from siyada.code.functions import FunctionUnit
from siyada.code.languages import LanguageSpec
from siyada.code.source import TextEdit
from siyada.models.ollama import ModelError
from siyada.review.engine import Reviewed, Reviewer
from siyada.review.findings import Finding
from siyada.review.in_flight import InFlight, ReviewTask
from siyada.review.open_document import DocumentSnapshot, OpenDocument
from siyada.review.outcomes import SKIPPED, ReviewOutcomes
from siyada.review.pipeline import ReviewPipeline, Selection, review_key, within_limit
from siyada.review.priority import Rank
from siyada.review.ranking import NOT_OPEN, Attention, Focus
from siyada.review.review_report import ReviewRecord, file_name
from siyada.review.settings import Settings
from siyada.review.team_settings import local_path
from siyada.review.typing_timers import COALESCE_ABOVE_CHARS, TypingTimers
from siyada.tasks import TaskGroup

__all__ = ["DocumentSnapshot", "Focus", "Scheduler", "SchedulerHooks"]

log = logging.getLogger(__name__)


@dataclass
class SchedulerHooks:
    """How the scheduler tells the outside world what happened."""

    findings_changed: Callable[[str], None]
    activity: Callable[[int], None] = lambda pending: None
    succeeded: Callable[[], None] = lambda: None
    failed: Callable[[ModelError], None] = lambda error: None
    skipped: Callable[[str], None] = lambda message: None
    reviewed: Callable[[ReviewRecord], None] = lambda record: None


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
        self._in_flight = InFlight(self._tasks, hooks.activity)
        self._timers = TypingTimers(
            self._tasks,
            quiet=self._start_reviews,
            refresh=lambda doc: self._functions_changed(doc, doc.last_edited_line),
        )

    @property
    def settings(self) -> Settings:
        return self.reviewer.settings

    @property
    def reviewer(self) -> Reviewer:
        return self._pipeline.reviewer

    @property
    def pending(self) -> int:
        return self._in_flight.pending

    # ----- document events -------------------------------------------------------

    def open(self, uri: str, spec: LanguageSpec, version: int | None, text: str) -> None:
        self._timers.cancel(uri)  # of a document opened again without a close
        cached = functools.partial(self._cached, uri)
        doc = OpenDocument(uri, spec, version, text, cached, cached)
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
            self._timers.debounce(doc, self.settings.debounce_ms / 1000, received)
        doc.apply(version, edits, full_text=full_text, edited_line=edited_line)
        if len(doc.text) > COALESCE_ABOVE_CHARS:
            # On a large file, parsing and extracting on every keystroke would keep the
            # server busy while the user types; a burst of keystrokes costs one.
            self._timers.refresh_soon(doc)
            return
        self._functions_changed(doc, edited_line)

    def focus(self, focus: Focus) -> None:
        """The user looks at `focus`: reviews waiting for a slot are re-ranked."""
        self._attention.focus = focus

    def save(self, uri: str) -> None:
        if self.settings.triggers.on_save:
            self.review_document(uri)

    def review_document(self, uri: str, *, fresh: bool = False) -> OpenDocument | None:
        """Review every function of the document that has no answer yet: on open, on
        save and on demand; `fresh` asks the model about every one, cached or not."""
        doc = self._documents.get(uri)
        if doc is not None:
            self._timers.flush_refresh(doc)
            self._timers.cancel_debounce(uri)
            doc.want_all()
            self._start_reviews(doc, fresh=fresh)
        return doc

    def reviews_of(self, doc: OpenDocument) -> tuple[list[FunctionUnit], list[ReviewTask]]:
        """The functions of `doc` within `maxFunctionsPerFile`, and their reviews in flight."""
        units = self._selection(doc).units
        guidance = self._guidance(doc)
        keys = [review_key(u, doc.context_of(u), guidance) for u in units]
        return units, [t for key in keys if (t := self._in_flight.task(key)) is not None]

    def close(self, uri: str) -> None:
        doc = self._documents.pop(uri, None)
        if doc is not None:
            self._timers.cancel(uri)
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
            self._in_flight.cancel_all()
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
        self._timers.forget_all()
        self._tasks.cancel_all()

    async def aclose(self) -> None:
        self.cancel_all()
        await self._tasks.wait()

    async def idle(self) -> None:
        """Wait until no review is running (for the command line)."""
        await self._tasks.wait()

    # ----- functions of a document -----------------------------------------------

    def _cached(
        self, uri: str, language: str, unit: FunctionUnit, context: FunctionContext | None = None
    ) -> tuple[Finding, ...] | None:
        """The cache's answer as a document first looks a function up (once per text)."""
        findings = self._pipeline.cached(language, unit, context, path=local_path(uri))
        if findings is not None:
            self._hooks.reviewed(ReviewRecord(file_name(uri), unit.name, len(findings), None))
        return findings

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

    # ----- reviews ---------------------------------------------------------------

    def _start_reviews(self, doc: OpenDocument, *, fresh: bool = False) -> None:
        if self._paused:
            return
        computed = doc.check_contexts()
        if computed:
            self._cancel_orphaned_reviews()  # reviews with a context that is gone
        from_cache = False
        selection = self._selection(doc)
        guidance = self._guidance(doc)
        if selection.beyond_limit:
            self._outcomes.capped(doc, len(selection.units))
        for unit in selection.units:
            if unit.hash not in doc.wanted or not doc.context_known(unit):
                continue
            if not fresh and doc.answer(unit) is not None:
                doc.wanted.discard(unit.hash)
                # Looked up only now that its context is known: not shown yet.
                from_cache = from_cache or unit.hash in computed
                continue
            context = doc.context_of(unit)
            key = review_key(unit, context, guidance)
            if key not in self._in_flight:
                review = self._review(doc.uri, doc.spec.id, unit, context, guidance, fresh=fresh)
                self._in_flight.start(key, review)
        if from_cache:
            self._hooks.findings_changed(doc.uri)
        self._hooks.activity(self.pending)

    def _selection(self, doc: OpenDocument) -> Selection:
        by_priority = sorted(doc.units, key=lambda unit: self._rank(doc.uri, unit))
        return within_limit(by_priority, self.settings)

    def _guidance(self, doc: OpenDocument) -> str:
        """The digest of the team's guidance for the document (by language and path):
        reviews with other guidance are other reviews."""
        return self.reviewer.instructions.digest_for(doc.spec.id, local_path(doc.uri))

    def _rank(self, uri: str, unit: FunctionUnit) -> Rank:
        doc = self._documents.get(uri)
        if doc is None:
            return NOT_OPEN
        return self._attention.rank(
            unit, uri=uri, edited_line=doc.last_edited_line, recent_edits=doc.recent_edits
        )

    async def _review(
        self,
        uri: str,
        language: str,
        unit: FunctionUnit,
        context: FunctionContext | None,
        guidance: str,
        *,
        fresh: bool = False,
    ) -> Reviewed | None:
        """The review of one function, its outcome applied; None when it gave none."""
        try:
            reviewed = await self._pipeline.answer(
                language,
                unit,
                lambda: self._rank(uri, unit),
                context,
                path=local_path(uri),
                fresh=fresh,
            )
        except SKIPPED as skipped:
            self._outcomes.skipped(uri, unit, skipped)
        except ModelError as error:
            self._hooks.failed(error)
        except Exception as error:
            self._outcomes.crashed(uri, unit, error)
        else:
            self._hooks.reviewed(ReviewRecord.of(uri, unit, reviewed))
            self._outcomes.reviewed(
                unit, reviewed.findings, context, lambda other: self._guidance(other) == guidance
            )
            return reviewed
        return None

    def _cancel_orphaned_reviews(self) -> None:
        """Reviews of functions no open document contains, or of a context they no
        longer have, are cancelled."""
        alive = {
            review_key(u, d.context_of(u), guidance)
            for d in self._documents.values()
            for guidance in (self._guidance(d),)  # once per document, not per function
            for u in d.units
        }
        self._in_flight.cancel_all_but(alive)
