"""What users do with findings, and what the model answered, kept on this machine.

One SQLite file, `feedback.sqlite3`, beside the answer cache (`siyada.cacheDir`, else the
user's cache folder). It is shared by every Siyada process of the user, so a finding
dismissed in the editor is hidden by `siyada check` too. Nothing in it is ever sent
anywhere; the dataset export reads it.

Two tables: `events` (a fix applied, a fix edited afterwards, an ignore comment, a
dismissal, a finding changed by hand; a dismissal is undone by marking it, never by
deleting it) and `reviews` (the messages the engine sent and the findings the model
gave, one row per function hash, model and prompt). The values are `records.py`'s, the
schema and the rows `tables.py`'s.

Like the answer cache (`siyada.review.cache`), the store never raises: the file is
private (0600 in a 0700 folder), a busy database drops the write after the busy timeout,
a damaged file is set aside as `feedback.sqlite3.corrupt-<timestamp>` and a new one
started, and a folder that cannot be used turns the store into a no-op with `problem`
saying why.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any, Final

from siyada.feedback.fingerprint import FindingKey, is_same_finding
from siyada.feedback.records import (
    EVENT_KINDS,
    Dismissal,
    EventKind,
    FeedbackEvent,
    ReviewRecord,
    StoredEvent,
)
from siyada.feedback.tables import (
    EVENT_COLUMNS,
    INSERT_EVENT,
    REVIEW_COLUMNS,
    SCHEMA_VERSION,
    UPSERT_REVIEW,
    create_tables,
    event_row,
    review_row,
    stored_events,
    stored_reviews,
)
from siyada.i18n import _
from siyada.review.cache_file import (
    create_private_file,
    ensure_schema,
    immediate_transaction,
    is_busy,
    is_corruption,
    open_shared,
)
from siyada.review.cache_folder import default_cache_dir
from siyada.review.settings import Settings
from siyada.review.sqlite_store import SqliteStore

# The values are defined in records.py; they are named here too, so one import serves.
__all__ = [
    "EVENT_KINDS",
    "FILE_NAME",
    "NOT_RECORDED",
    "Dismissal",
    "EventKind",
    "FeedbackEvent",
    "FeedbackStore",
    "ReviewRecord",
    "StoredEvent",
    "covers",
    "open_feedback",
]

log = logging.getLogger(__name__)

FILE_NAME: Final = "feedback.sqlite3"

# What `record` and `dismiss` return when nothing was written (row ids start at 1).
NOT_RECORDED: Final = 0


class FeedbackStore(SqliteStore):
    """Feedback events, dismissals and review records in SQLite, shared between processes.

    No method raises on a damaged, busy or unusable file: writes return NOT_RECORDED
    (or False) and reads return nothing, and the reason is logged (`problem` when the
    store cannot be used at all). Thread-safe (one lock). `clock` is for tests.
    """

    NAME = "feedback store"

    def __init__(self, folder: Path, *, clock: Callable[[], float] = time.time) -> None:
        super().__init__(folder, FILE_NAME, clock)
        self._failure_reported = False
        with self._lock:
            self._start()

    # --- events and dismissals -----------------------------------------------------

    def record(self, event: FeedbackEvent) -> int:
        """Store `event`; its row id, or NOT_RECORDED when it could not be written."""
        cursor = self._run("record feedback", INSERT_EVENT, event_row(event))
        return int(cursor.lastrowid or NOT_RECORDED) if cursor is not None else NOT_RECORDED

    def dismiss(self, event: FeedbackEvent) -> int:
        """Record a dismissal of `event.key`; its ID, or NOT_RECORDED."""
        return self.record(event.as_kind("dismissed"))

    def dismissals(self) -> list[Dismissal]:
        """The active dismissals, newest first."""
        rows = self._rows(
            "list dismissals",
            f"SELECT {EVENT_COLUMNS} FROM events WHERE kind = 'dismissed' AND undone = 0"
            " ORDER BY created_at DESC, id DESC",
            (),
        )
        return [stored.as_dismissal() for stored in stored_events(rows)]

    def undo(self, dismissal_id: int) -> bool:
        """Bring back the finding dismissed as `dismissal_id`; False if there is no such
        active dismissal (or the store could not be written)."""
        cursor = self._run(
            "undo a dismissal",
            "UPDATE events SET undone = 1 WHERE id = ? AND kind = 'dismissed' AND undone = 0",
            (int(dismissal_id),),
        )
        return cursor is not None and cursor.rowcount == 1

    def is_dismissed(self, key: FindingKey) -> bool:
        """Whether an active dismissal covers `key` (the same or a near-identical finding)."""
        rows = self._rows(
            "look up dismissals",
            f"SELECT {EVENT_COLUMNS} FROM events WHERE kind = 'dismissed' AND undone = 0"
            " AND (fingerprint = ? OR (path = ? AND function = ? AND category = ?))",
            (key.fingerprint, key.path, key.function, key.category),
        )
        return any(is_same_finding(s.event.key, key) for s in stored_events(rows))

    def events(self) -> Iterator[StoredEvent]:
        """Every event, oldest first, undone dismissals included (marked)."""
        rows = self._rows("read events", f"SELECT {EVENT_COLUMNS} FROM events ORDER BY id", ())
        yield from stored_events(rows)

    # --- reviews -------------------------------------------------------------------

    def record_review(self, review: ReviewRecord) -> None:
        """Keep what the model answered for a function (the newest answer per function
        hash, model and prompt)."""
        self._run("record a review", UPSERT_REVIEW, review_row(review))

    def reviews(self) -> Iterator[ReviewRecord]:
        """Every review kept, oldest first; a damaged row is skipped (and logged)."""
        rows = self._rows(
            "read reviews", f"SELECT {REVIEW_COLUMNS} FROM reviews ORDER BY created_at", ()
        )
        yield from stored_reviews(rows)

    # --- lifetime ------------------------------------------------------------------

    def close(self) -> None:
        """Close the file; later calls are no-ops."""
        with self._lock:
            self._closed = True
            conn, self._conn = self._conn, None
            if conn is not None:
                with contextlib.suppress(sqlite3.Error):
                    conn.close()

    def __enter__(self) -> FeedbackStore:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    # --- queries (never raise) -----------------------------------------------------

    def _run(self, action: str, sql: str, parameters: tuple[Any, ...]) -> sqlite3.Cursor | None:
        """One write in its own transaction; None when it failed."""
        with self._lock:
            for _attempt in range(2):  # once more on a file rebuilt after damage
                conn = self._conn
                if conn is None:
                    return None
                try:
                    with immediate_transaction(conn):
                        return conn.execute(sql, parameters)
                except sqlite3.Error as error:
                    if not self._failed(action, error):
                        return None
            return None

    def _rows(self, action: str, sql: str, parameters: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        with self._lock:
            for _attempt in range(2):
                conn = self._conn
                if conn is None:
                    return []
                try:
                    return list(conn.execute(sql, parameters).fetchall())
                except sqlite3.Error as error:
                    if not self._failed(action, error):
                        return []
            return []

    # --- opening and recovery (called with the lock held) -------------------------

    def _open(self) -> sqlite3.Connection:
        self._identity = create_private_file(self.path)
        conn = open_shared(self.path)
        try:
            ensure_schema(conn, SCHEMA_VERSION, create_tables)
            # A damaged file may open fine and fail only when read: read it now.
            conn.execute("SELECT count(*) FROM events").fetchone()
        except BaseException:
            conn.close()
            raise
        return conn

    def _problem(self, reason: str) -> str:
        return _(
            "Siyada's feedback store at {folder} cannot be used: {reason}; reviews still "
            "work, but dismissals and feedback are not kept.",
            folder=self.folder,
            reason=reason,
        )

    def _failed(self, action: str, error: sqlite3.Error) -> bool:
        """A query failed: log it, recover from damage; whether to try once more."""
        if is_corruption(error):
            return not self._closed and self._recover(error)
        if is_busy(error):
            log.warning("Siyada's feedback store is busy; could not %s (%s).", action, error)
        elif not self._failure_reported:
            self._failure_reported = True
            log.warning("Siyada's feedback store at %s could not %s: %s", self.path, action, error)
        else:
            log.debug("Feedback store could not %s: %s", action, error)
        return False


def open_feedback(settings: Settings) -> FeedbackStore:
    """The store in the folder of the answer cache for `settings`."""
    folder = Path(settings.cache_dir) if settings.cache_dir else default_cache_dir(os.environ)
    return FeedbackStore(folder)


def covers(dismissals: Sequence[Dismissal], key: FindingKey) -> bool:
    """Whether one of `dismissals` (as `FeedbackStore.dismissals` gives them, read once
    for many findings) hides the finding `key`."""
    return any(is_same_finding(dismissal.key, key) for dismissal in dismissals)
