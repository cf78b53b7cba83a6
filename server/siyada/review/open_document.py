"""A document open in the editor, as the scheduler reviews it.

It keeps the text and its tree in step (`ParsedSource`), the lines and functions of
the text within the limits, the answers known for those functions, and which ones
still need a model answer. Each function is identified by the hash of its text, and
findings belong to that hash, so they move with the function when lines above it
change. When a function is edited, its findings stay on their evidence lines while
those are unchanged (`carry_over.py`) until its own review lands, so warnings do not
flicker away on every keystroke.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from siyada.code.context import FunctionContext
from siyada.code.functions import FunctionUnit
from siyada.code.languages import LanguageSpec
from siyada.code.source import ParsedSource, TextEdit, edit_between
from siyada.review.carry_over import CarryOver
from siyada.review.document_contexts import DocumentContexts
from siyada.review.findings import Finding
from siyada.review.notices import Told
from siyada.review.pipeline import document_units
from siyada.review.placement import PlacedFinding, place_findings
from siyada.review.settings import Settings
from siyada.review.settings_table import FILE_CONTEXT

Findings = tuple[Finding, ...]
# The cached answer for a function in a language (None: not reviewed yet), and for a
# function with the context sent beside it (the `context` setting "file").
CachedAnswer = Callable[[str, FunctionUnit], Findings | None]
CachedWithContext = Callable[[str, FunctionUnit, FunctionContext], Findings | None]

_RECENT_EDITS = 5


@dataclass(frozen=True)
class DocumentSnapshot:
    """A document as published: its text and the findings placed in it."""

    uri: str
    spec: LanguageSpec
    version: int | None
    text: str
    lines: list[str]
    findings: list[PlacedFinding]
    source: ParsedSource


class OpenDocument:
    """One open document; `cached` looks up the answer the cache has for a function,
    `cached_with_context` the one for a function with its context."""

    def __init__(
        self,
        uri: str,
        spec: LanguageSpec,
        version: int | None,
        text: str,
        cached: CachedAnswer,
        cached_with_context: CachedWithContext | None = None,
    ) -> None:
        self.uri = uri
        self.spec = spec
        self.version = version
        self.source = ParsedSource(spec, text, parse=False)
        self.lines: list[str] = []
        self.units: list[FunctionUnit] = []
        # Hashes that still need a model answer (changed, or a review that failed).
        self.wanted: set[str] = set()
        # Findings of edited functions carried over to their new text, by new hash.
        self.provisional: dict[str, Findings] = {}
        self.last_edited_line: int | None = None
        # Names of the functions edited lately, most recent first.
        self.recent_edits: list[str] = []
        # Why the document is not reviewed (too large, minified...), None when it is.
        self.not_reviewed: str | None = None
        self.told = Told()
        self._cached = cached
        self._cached_with_context = cached_with_context
        # Answers known by hash, so publishing after a keystroke does not ask the
        # cache about every function again.
        self._answers: dict[str, Findings | None] = {}
        # Functions as they were before the current burst of edits.
        self._units_before_burst: list[FunctionUnit] | None = None
        self._contexts = DocumentContexts()
        self._carry = CarryOver()

    @property
    def text(self) -> str:
        return self.source.text

    # ----- text ------------------------------------------------------------------

    def apply(
        self,
        version: int | None,
        edits: Sequence[TextEdit],
        *,
        full_text: str | None = None,
        edited_line: int | None = None,
    ) -> None:
        """The text changed by `edits` (or was replaced by `full_text`, applied as the
        edit between the two texts). Functions follow at the next `functions_changed`."""
        if full_text is not None:
            edits = [edit_between(self.text, full_text)]
        self.source.apply(edits)
        self.version = version
        if edited_line is not None:
            self.last_edited_line = edited_line
        if self._units_before_burst is None:
            self._units_before_burst = self.units
        self._contexts.text_changed()

    async def parse_caught_up(self) -> None:
        """Parse the pending edits in slices, so requests (a code action at the
        cursor) are answered meanwhile; edits typed during a parse are parsed next, so
        a burst of keystrokes ends with its functions refreshed without a parse that
        blocks."""
        while self.source.parse_pending:
            await self.source.parse_in_slices()

    # ----- functions -------------------------------------------------------------

    def refresh(self, settings: Settings) -> str | None:
        """Lines and functions of the current text, within the limits. Returns why the
        document is not reviewed when that is new (it went over a limit, or another)."""
        prepared = document_units(self.spec, self.text, settings, self.source.functions)
        self.lines = prepared.lines
        if prepared.not_reviewed is not None:
            before, self.not_reviewed = self.not_reviewed, prepared.not_reviewed.reason
            self.source.stop_parsing()
            self.units = []
            return self.not_reviewed if self.not_reviewed != before else None
        self.not_reviewed = None
        old_answers = self._answers
        self.units = prepared.units
        self._answers = {u.hash: old_answers[u.hash] for u in self.units if u.hash in old_answers}
        self._contexts.use(settings.context == FILE_CONTEXT)
        return None

    def functions_changed(self, settings: Settings, edited_line: int | None) -> str | None:
        """After the text changed: new functions are wanted, findings of edited ones
        carried over. Without `edited_line` (a whole-document change), the first
        changed function is where the user is working. Returns what `refresh` does."""
        old_units = self._units_before_burst or []
        self._units_before_burst = None
        self._carry.remember(old_units, {u.hash: self._shown(u) for u in old_units})
        newly_not_reviewed = self.refresh(settings)
        known = {u.hash for u in old_units}
        new_units = [u for u in self.units if u.hash not in known]
        if edited_line is None and new_units:
            self.last_edited_line = new_units[0].start_line
        self._note_edit(new_units)
        self.wanted |= {u.hash for u in new_units}
        self.provisional = self._carry.carry(new_units)
        tree = self.source.tree
        if tree is not None and not tree.root_node.has_error:
            # A clean parse: a function missing now is gone, not half-typed.
            self._carry.forget_all_but(u.name for u in self.units)
        return newly_not_reviewed

    # ----- context (the `context` setting "file") ----------------------------------

    def context_of(self, unit: FunctionUnit) -> FunctionContext | None:
        """The context sent beside `unit`: None with "function", and with "file" until
        `check_contexts` has run since the last edit."""
        return self._contexts.known.get(unit.hash)

    def context_known(self, unit: FunctionUnit) -> bool:
        return not self._contexts.on or unit.hash in self._contexts.known

    def check_contexts(self) -> set[str]:
        """With "file", after edits: the contexts of the functions that need one. When
        the file's imports, signatures or type headers changed, every function's
        context is computed again, and those whose context changed are wanted again
        (their old findings stay shown until the new answer lands). Otherwise only
        new functions get one: an edit inside a body costs nobody else anything.
        Returns the hashes of the functions whose context was computed (the cache may
        have answers for them)."""
        if not self._contexts.needs_check(self.units) or self._units_before_burst is not None:
            return set()  # nothing to check, or the functions are not those of the text yet
        tree = self.source.tree
        if tree is None:
            return set()
        checked = self._contexts.check(self.spec, tree, self.units)
        for unit in checked.changed:
            self._context_changed(unit)
        return checked.computed

    def _context_changed(self, unit: FunctionUnit) -> None:
        previous = self._answers.pop(unit.hash, None)
        if previous:
            self.provisional[unit.hash] = previous
        self.wanted.add(unit.hash)

    def want_all(self) -> None:
        self.wanted |= {u.hash for u in self.units}

    def contains(self, function_hash: str) -> bool:
        return any(u.hash == function_hash for u in self.units)

    # ----- answers ---------------------------------------------------------------

    def answer(self, unit: FunctionUnit) -> Findings | None:
        if unit.hash in self._answers:
            return self._answers[unit.hash]
        if not self.context_known(unit):
            return None  # asked again once `check_contexts` knows it
        context = self.context_of(unit)
        if context is not None and self._cached_with_context is not None:
            answer = self._cached_with_context(self.spec.id, unit, context)
        else:
            answer = self._cached(self.spec.id, unit)
        self._answers[unit.hash] = answer
        return answer

    def answered(
        self, function_hash: str, findings: Findings, context: FunctionContext | None = None
    ) -> bool:
        """The function's own review landed: it replaces what was carried over, unless
        it was given another context than the one the function has here now (then
        False: it is still wanted)."""
        if self._contexts.on and self._contexts.known.get(function_hash) != context:
            return False
        self.provisional.pop(function_hash, None)
        self._answers[function_hash] = findings
        self.wanted.discard(function_hash)
        return True

    def forget_answers(self, settings: Settings | None = None) -> None:
        """Answers no longer hold (another model, prompt or `context`): look them up
        again."""
        self._answers.clear()
        if settings is not None:
            self._contexts.use(settings.context == FILE_CONTEXT)

    def snapshot(self, settings: Settings) -> DocumentSnapshot:
        findings_of: dict[str, Findings] = dict(self.provisional)
        for unit in self.units:
            answer = self.answer(unit)
            if answer is not None:
                findings_of[unit.hash] = answer
        placed = place_findings(
            self.units, findings_of, self.lines, self.text, settings, spec=self.spec
        )
        return DocumentSnapshot(
            self.uri, self.spec, self.version, self.text, self.lines, placed, self.source
        )

    # ----- internals -------------------------------------------------------------

    def _note_edit(self, new_units: list[FunctionUnit]) -> None:
        names = [u.name for u in new_units]
        self.recent_edits = [*names, *(n for n in self.recent_edits if n not in names)]
        del self.recent_edits[_RECENT_EDITS:]

    def _shown(self, unit: FunctionUnit) -> Findings | None:
        """The findings published for one of the current functions: its answer, else
        what was carried over to it; None while neither is known."""
        answer = self.answer(unit)
        return answer if answer is not None else self.provisional.get(unit.hash)
