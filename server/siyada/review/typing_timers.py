"""The timers of typing, per document: the quiet period after the last keystroke
(`debounceMs`), and on a large document the one refresh of its functions per burst of
keystrokes. Both wait for the document's parse to catch up (`parse_in_slices`), so a
request typed meanwhile is answered at once."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from siyada.review.open_document import OpenDocument
from siyada.tasks import TaskGroup

# Above this size, a document's functions are refreshed once per burst of keystrokes,
# this long after the first one, instead of after every keystroke.
COALESCE_ABOVE_CHARS = 50_000
COALESCE_SECONDS = 0.075

DocumentStep = Callable[[OpenDocument], None]


class TypingTimers:
    """`quiet` runs when a document's quiet period ends, `refresh` brings its functions
    up to date; both are the scheduler's."""

    def __init__(self, tasks: TaskGroup, *, quiet: DocumentStep, refresh: DocumentStep) -> None:
        self._tasks = tasks
        self._quiet = quiet
        self._refresh = refresh
        self._debounces: dict[str, asyncio.Task[None]] = {}
        self._refreshes: dict[str, asyncio.Task[None]] = {}

    def debounce(self, doc: OpenDocument, seconds: float, since: float | None = None) -> None:
        """Start the quiet period again, `seconds` from `since` (event loop time; now
        when None)."""
        self.cancel_debounce(doc.uri)
        # The deadline is fixed now: the task only starts once the current handler
        # returns, and the quiet period must not wait for that.
        start = asyncio.get_running_loop().time() if since is None else since
        self._debounces[doc.uri] = self._tasks.spawn(self._after_quiet(doc, start + seconds))

    def refresh_soon(self, doc: OpenDocument) -> None:
        """On a large document: refresh its functions once, shortly, for the burst."""
        if doc.uri not in self._refreshes:
            self._refreshes[doc.uri] = self._tasks.spawn(self._refresh_soon(doc))

    def flush_refresh(self, doc: OpenDocument) -> None:
        """Bring functions up to date now (before a save or an explicit review)."""
        refresh = self._refreshes.pop(doc.uri, None)
        if refresh is not None:
            refresh.cancel()
            self._refresh(doc)

    def cancel_debounce(self, uri: str) -> None:
        debounce = self._debounces.pop(uri, None)
        if debounce is not None:
            debounce.cancel()

    def cancel(self, uri: str) -> None:
        self.cancel_debounce(uri)
        refresh = self._refreshes.pop(uri, None)
        if refresh is not None:
            refresh.cancel()

    def forget_all(self) -> None:
        """The tasks are being cancelled with their group: forget them."""
        self._debounces.clear()
        self._refreshes.clear()

    async def _after_quiet(self, doc: OpenDocument, deadline: float) -> None:
        await asyncio.sleep(max(0.0, deadline - asyncio.get_running_loop().time()))
        await doc.parse_caught_up()
        self._debounces.pop(doc.uri, None)
        self.flush_refresh(doc)
        self._quiet(doc)

    async def _refresh_soon(self, doc: OpenDocument) -> None:
        await asyncio.sleep(COALESCE_SECONDS)
        await doc.parse_caught_up()
        self._refreshes.pop(doc.uri, None)
        self._refresh(doc)
