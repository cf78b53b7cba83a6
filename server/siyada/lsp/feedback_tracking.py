"""What the user does with findings, seen from the language server.

Three things are followed here, per document, all on the event loop:
- The actions the server offered whose feedback command (`siyada.recordFeedback`) the
  editor may run after applying them: feedback is accepted only for one of those, so
  a client cannot record events for findings the server never showed.
- A fix applied, until the document is saved: if the lines the fix wrote are then
  different, it was corrected by hand (`fix_edited`, with the text as saved). A save is
  where the user says the text is what they mean; reviews run after every pause in
  typing and would catch half-typed lines. The lines are followed through other edits
  by diffing the document against its text right after the fix.
- A published finding whose evidence lines left the document without a fix: when its
  function's next review lands and the finding is not among the new ones (nor a
  near-identical one), the user changed it by hand (`changed_by_hand`).
"""

from __future__ import annotations

import difflib
import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from siyada.feedback.fingerprint import is_same_finding
from siyada.lsp.protocol import FindingData
from siyada.review.findings import Finding
from siyada.review.review_report import file_name

log = logging.getLogger(__name__)

OfferedKind = Literal["fix_applied", "ignore_comment"]
TrackedKind = Literal["fix_edited", "changed_by_hand"]

# Actions offered and remembered per document; older ones age out.
_OFFERED_PER_DOCUMENT = 256


@dataclass(frozen=True)
class Tracked:
    """A finding as it was published: its diagnostic's data (version None) and itself."""

    data: FindingData
    finding: Finding

    @property
    def fingerprint(self) -> str:
        return self.data.key.fingerprint


# How an event found here is told: its kind, the finding, the final text (fix_edited).
Emit = Callable[[str, TrackedKind, Tracked, str | None], None]


@dataclass(frozen=True)
class _AppliedFix:
    tracked: Tracked
    after_fix: tuple[str, ...]  # the document's lines right after the fix
    start: int  # the lines the fix wrote: after_fix[start:end]
    end: int


class FeedbackTracking:
    """See the module; `emit` is told each `fix_edited` and `changed_by_hand`."""

    def __init__(self, emit: Emit) -> None:
        self._emit = emit
        self._offered: dict[str, OrderedDict[tuple[str, FindingData], Finding]] = {}
        self._applied: dict[str, list[_AppliedFix]] = {}
        self._shown: dict[str, dict[str, Tracked]] = {}
        self._vanished: dict[str, dict[str, Tracked]] = {}
        self._settled: set[str] = set()  # fingerprints fixed or ignored through Siyada
        self._reviewed: set[tuple[str, str]] = set()  # (file name, function) since publish

    # ----- actions offered ------------------------------------------------------------

    def offer(self, uri: str, kind: OfferedKind, tracked: Tracked) -> None:
        offered = self._offered.setdefault(uri, OrderedDict())
        key = (kind, _unversioned(tracked.data))
        offered[key] = tracked.finding
        offered.move_to_end(key)
        while len(offered) > _OFFERED_PER_DOCUMENT:
            offered.popitem(last=False)

    def take_offered(self, uri: str, kind: str, data: FindingData) -> Tracked | None:
        """The finding of an action offered for `uri` with this kind and data (any
        version), forgotten once taken; None when no such action was offered."""
        unversioned = _unversioned(data)
        finding = self._offered.get(uri, OrderedDict()).pop((kind, unversioned), None)
        return None if finding is None else Tracked(unversioned, finding)

    # ----- fixes applied, then edited -----------------------------------------------

    def fix_applied(self, uri: str, tracked: Tracked, lines: Sequence[str]) -> None:
        """The fix of `tracked` was applied; `lines` are the document's now (with the
        fix, or, when its change has not arrived yet, still without it)."""
        self._settled.add(tracked.fingerprint)
        self._vanished.get(uri, {}).pop(tracked.fingerprint, None)
        after_fix = _lines_after_fix(tracked.data, lines)
        if after_fix is None:
            log.info("A fix applied in %s is not where it was offered: not followed.", uri)
            return
        start = tracked.data.fix.start_line
        end = start + len(_written(tracked.data))
        self._applied.setdefault(uri, []).append(_AppliedFix(tracked, after_fix, start, end))

    def ignored(self, uri: str, tracked: Tracked) -> None:
        """An ignore comment was inserted for `tracked`: not a change by hand."""
        self._settled.add(tracked.fingerprint)
        self._vanished.get(uri, {}).pop(tracked.fingerprint, None)

    def saved(self, uri: str, lines: Sequence[str]) -> None:
        """The document was saved as `lines`: fixes whose lines differ from what they
        wrote are told as `fix_edited` and no longer followed."""
        still: list[_AppliedFix] = []
        for applied in self._applied.pop(uri, []):
            start, end = _followed_span(applied, lines)
            now = tuple(lines[start:end])
            if now == _written(applied.tracked.data):
                still.append(applied)  # untouched so far: edits may come later
            elif not now or now == applied.tracked.data.fix.evidence_lines:
                log.info("A fix applied in %s was removed or undone.", uri)
            else:
                self._emit(uri, "fix_edited", applied.tracked, "\n".join(now))
        if still:
            self._applied[uri] = still

    # ----- findings changed by hand ---------------------------------------------------

    def reviewed(self, file: str, function: str) -> None:
        """A review of `function` in the file named `file` landed (or came from the
        cache): findings that left it are judged at the next publication."""
        self._reviewed.add((file, function))

    def published(self, uri: str, shown: Sequence[Tracked], lines: Sequence[str]) -> None:
        """`shown` were published for `uri`, whose lines are `lines`."""
        name = file_name(uri)
        reviewed = {function for file, function in self._reviewed if file == name}
        self._reviewed = {item for item in self._reviewed if item[0] != name}
        current = {tracked.fingerprint: tracked for tracked in shown}
        vanished = self._vanished.setdefault(uri, {})
        for fingerprint, tracked in self._shown.get(uri, {}).items():
            gone = fingerprint not in current and fingerprint not in self._settled
            if gone and not _holds(lines, tracked.data.fix.evidence_lines):
                vanished[fingerprint] = tracked
        for fingerprint, tracked in list(vanished.items()):
            if tracked.data.function in reviewed:
                del vanished[fingerprint]
                if not any(is_same_finding(tracked.data.key, s.data.key) for s in shown):
                    self._emit(uri, "changed_by_hand", tracked, None)
        self._shown[uri] = current

    def forget(self, uri: str) -> None:
        """The document closed: what was followed in it ends unrecorded."""
        for table in (self._offered, self._applied, self._shown, self._vanished):
            table.pop(uri, None)


def _unversioned(data: FindingData) -> FindingData:
    return replace(data, fix=replace(data.fix, version=None))


def _written(data: FindingData) -> tuple[str, ...]:
    return tuple((data.fix.replacement or "").split("\n"))


def _lines_after_fix(data: FindingData, lines: Sequence[str]) -> tuple[str, ...] | None:
    fix, written = data.fix, _written(data)
    start = fix.start_line
    if tuple(lines[start : start + len(written)]) == written:
        return tuple(lines)
    if tuple(lines[start : fix.end_line + 1]) == fix.evidence_lines:
        return (*lines[:start], *written, *lines[fix.end_line + 1 :])
    return None


def _followed_span(applied: _AppliedFix, lines: Sequence[str]) -> tuple[int, int]:
    """Where the fix's lines are in `lines`: between the last unchanged line before
    them and the first unchanged line after them."""
    matcher = difflib.SequenceMatcher(None, applied.after_fix, lines, autojunk=False)
    start, end = 0, len(lines)
    for old, new, size in matcher.get_matching_blocks():
        if size and old < applied.start:
            last = min(old + size, applied.start) - 1
            start = max(start, new + last - old + 1)
        if size and old + size > applied.end:
            first = max(old, applied.end)
            end = min(end, new + first - old)
    return start, max(start, end)


def _holds(lines: Sequence[str], block: Sequence[str]) -> bool:
    """Whether `block` is in `lines` as consecutive lines."""
    count = len(block)
    return any(
        lines[row] == block[0] and tuple(lines[row : row + count]) == tuple(block)
        for row in range(len(lines) - count + 1)
    )
