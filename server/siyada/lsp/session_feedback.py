"""The feedback store as an editor session uses it: dismissed findings hidden where
findings are published, events recorded with the session's language and model, and
what the user does with findings followed (lsp/feedback_tracking.py).

The store is local (the answer cache's folder), never sent anywhere. Its dismissals are
read once and kept; they are read again when a document is opened or saved, so a
`siyada feedback undo` run meanwhile shows there."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path

from siyada.code.text import split_lines
from siyada.feedback.fingerprint import FindingKey
from siyada.feedback.store import (
    NOT_RECORDED,
    Dismissal,
    EventKind,
    FeedbackEvent,
    FeedbackStore,
    covers,
)
from siyada.lsp.feedback_tracking import FeedbackTracking, Tracked, TrackedKind
from siyada.lsp.finding_data import feedback_path, key_of
from siyada.review.placement import PlacedFinding
from siyada.review.settings import Settings

log = logging.getLogger(__name__)

# Verdicts kept per finding key before they are all dropped (a bound, not a tuning).
_VERDICTS = 4096


class SessionFeedback:
    """See the module. `language_of` gives the language id of an open document; `warn`
    tells the user when the store cannot be used (reviews go on without it)."""

    def __init__(
        self,
        settings: Settings,
        store: FeedbackStore,
        folders: Sequence[Path],
        language_of: Callable[[str], str | None],
        warn: Callable[[str], None],
    ) -> None:
        self._folders = tuple(folders)
        self._language_of = language_of
        self._warn = warn
        self._model = settings.model
        self._dismissals: list[Dismissal] = []
        self._hidden: dict[FindingKey, bool] = {}
        self._paths: dict[str, str] = {}
        self.tracking = FeedbackTracking(self._tracked_event)
        self.store = store
        self._take(store)

    @property
    def problem(self) -> str | None:
        return self.store.problem

    def use_settings(self, settings: Settings, store: FeedbackStore) -> None:
        """Settings changed: events name the new model; `store` is the reviewer's, another
        one when the cache folder changed (the reviewer owns it and closes it)."""
        self._model = settings.model
        if store is not self.store:
            self.store = store
            self._take(store)

    def saved(self, uri: str, text: str | None) -> None:
        """The document was saved (its text `text`): dismissals are read again, fixes
        applied in it judged (`FeedbackTracking.saved`)."""
        self.refresh()
        if text is not None:
            self.tracking.saved(uri, split_lines(text))

    def _take(self, store: FeedbackStore) -> None:
        if store.problem is not None:
            self._warn(store.problem)
        self._dismissals = store.dismissals()
        self._hidden.clear()

    # ----- dismissals ---------------------------------------------------------------

    def refresh(self) -> None:
        """Read the active dismissals again."""
        self._dismissals = self.store.dismissals()
        self._hidden.clear()

    def dismissals(self) -> list[Dismissal]:
        return list(self._dismissals)

    def path_of(self, uri: str) -> str:
        """The path findings of `uri` are keyed by (found once: it may look for a git
        work tree on disk)."""
        path = self._paths.get(uri)
        if path is None:
            path = self._paths[uri] = feedback_path(uri, self._folders)
        return path

    def visible(self, uri: str, findings: Sequence[PlacedFinding]) -> list[PlacedFinding]:
        """`findings` of `uri` but those a dismissal hides."""
        if not self._dismissals:
            return list(findings)
        path = self.path_of(uri)
        return [placed for placed in findings if not self._is_hidden(key_of(placed, path))]

    def _is_hidden(self, key: FindingKey) -> bool:
        hidden = self._hidden.get(key)
        if hidden is None:
            if len(self._hidden) >= _VERDICTS:
                self._hidden.clear()
            hidden = self._hidden[key] = covers(self._dismissals, key)
        return hidden

    def dismiss(self, uri: str, tracked: Tracked) -> int | None:
        """Dismiss the finding; the dismissal's id, None when the store could not keep it."""
        dismissal = self.store.dismiss(self._event(uri, "dismissed", tracked, None))
        self.refresh()
        return None if dismissal == NOT_RECORDED else dismissal

    def undo(self, dismissal_id: int) -> bool:
        undone = self.store.undo(dismissal_id)
        self.refresh()
        return undone

    # ----- events -------------------------------------------------------------------

    def record(
        self, uri: str, kind: EventKind, tracked: Tracked, final_text: str | None = None
    ) -> bool:
        """Record one event; False (and a log line) when the store could not keep it."""
        recorded = self.store.record(self._event(uri, kind, tracked, final_text))
        if recorded == NOT_RECORDED:
            log.warning("The %s event for %s was not recorded.", kind, uri)
        return recorded != NOT_RECORDED

    def _tracked_event(
        self, uri: str, kind: TrackedKind, tracked: Tracked, final_text: str | None
    ) -> None:
        self.record(uri, kind, tracked, final_text)

    def _event(
        self, uri: str, kind: EventKind, tracked: Tracked, final_text: str | None
    ) -> FeedbackEvent:
        finding = tracked.finding
        return FeedbackEvent(
            kind=kind,
            key=tracked.data.key,
            language=self._language_of(uri) or "",
            title=finding.title,
            explanation=finding.explanation,
            replacement=tracked.data.fix.replacement,
            final_text=final_text,
            model=self._model,
        )
