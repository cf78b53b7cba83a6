"""Model answers remembered on disk, so a function reviewed once is never asked about again.

One SQLite file, `answers.sqlite3`, in the user's cache folder (`cache_folder.py`) or
the folder set by `siyada.cacheDir`; each answer is filed under its digest
(`answer_digest.py`). It is shared by every Siyada process of the user:
language servers in several editors and `siyada check` read and write it at the same time.

What is stored: per answer digest, the findings of one answer (category, severity, title,
explanation, replacement, confidence, lines). Source code is never stored, but a finding's
evidence and replacement are snippets of the reviewed code, so the folder is created
readable by its owner only (0700) and the file is created 0600.

The cache is an optimisation, never a failure: every error is caught. A busy database
drops the write (after `busy_timeout`); a damaged file is set aside as
`answers.sqlite3.corrupt-<timestamp>` and a new one started; a folder that cannot be used
at all turns the cache into a no-op and `problem` says so, once, in words for the user.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import TracebackType
from typing import Final

from siyada.i18n import _
from siyada.review.cache_file import (
    connect,
    create_private_file,
    immediate_transaction,
    is_busy,
    is_corruption,
)
from siyada.review.findings import Finding, findings_from_json, findings_to_json
from siyada.review.sqlite_store import SqliteStore

log = logging.getLogger(__name__)

FILE_NAME: Final = "answers.sqlite3"
DEFAULT_MAX_ENTRIES: Final = 50_000

# A read refreshes an entry's last use only when it is older than this, so reads
# almost never write; eviction only needs to know what was used recently, roughly.
_TOUCH_AFTER_SECONDS: Final = 60
# Refreshed last uses wait in memory for the next write, or until there are this many.
_TOUCH_BATCH: Final = 64
# The entry count is checked after this many writes (or sooner when the writes alone
# could exceed the bound); eviction then goes 10% below the bound, so it stays rare.
_CHECK_EVERY_PUTS: Final = 500


class DiskCache(SqliteStore):
    """Findings per answer digest in SQLite, shared safely between processes.

    `get` and `put` never raise. Thread-safe (one lock); meant for one asyncio thread.
    `clock` (seconds) is for tests.
    """

    NAME = "cache"

    def __init__(
        self,
        folder: Path,
        *,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, not {max_entries}")
        super().__init__(folder, FILE_NAME, clock)
        self.max_entries = max_entries
        self._touches: dict[str, int] = {}
        self._known_entries = 0
        self._puts_since_check = 0
        self._write_failure_reported = False
        with self._lock:
            self._start()

    # --- public API ----------------------------------------------------------------

    def get(self, digest: str) -> tuple[Finding, ...] | None:
        """The findings stored for `digest` (possibly none: `()`), or None on a miss."""
        with self._lock:
            conn = self._conn
            if conn is None:
                return None
            try:
                row = conn.execute(
                    "SELECT findings, last_used FROM answers WHERE key = ?", (digest,)
                ).fetchone()
            except sqlite3.Error as error:
                self._failed("read", error)
                return None
            if row is None:
                return None
            stored, last_used = row
            try:
                findings = tuple(findings_from_json(json.loads(stored)))
            except (ValueError, TypeError, RecursionError) as error:
                log.debug("Dropping a damaged cache entry: %s", error)
                self._delete_damaged(conn, digest, stored)
                return None
            now = int(self._clock())
            if not isinstance(last_used, int) or now - last_used >= _TOUCH_AFTER_SECONDS:
                self._touches[digest] = now
                if len(self._touches) >= _TOUCH_BATCH:
                    self._write(conn, [])
            return findings

    def put(self, digest: str, findings: Sequence[Finding]) -> None:
        """Remember `findings` for `digest`; dropped quietly if the database stays busy."""
        stored = json.dumps(findings_to_json(findings), separators=(",", ":"), ensure_ascii=False)
        with self._lock:
            conn = self._conn
            if conn is None:
                return
            if not self._write(conn, [(digest, stored)]):
                return
            self._puts_since_check += 1
            due = self._puts_since_check >= _CHECK_EVERY_PUTS
            if due or self._known_entries + self._puts_since_check > self.max_entries:
                self._evict(conn)

    def close(self) -> None:
        """Write pending last-use times and close; later calls are no-ops."""
        with self._lock:
            self._closed = True
            conn, self._conn = self._conn, None
            if conn is None:
                return
            if self._touches:
                self._write(conn, [])
            with contextlib.suppress(sqlite3.Error):
                conn.close()

    def __enter__(self) -> DiskCache:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    # --- opening and recovery (called with the lock held) -------------------------

    def _open(self) -> sqlite3.Connection:
        self._identity = create_private_file(self.path)
        conn, self._known_entries = connect(self.path)
        self._puts_since_check = 0
        return conn

    def _problem(self, reason: str) -> str:
        return _(
            "Siyada's cache at {folder} cannot be used: {reason}; reviews still work "
            "but are not remembered across restarts.",
            folder=self.folder,
            reason=reason,
        )

    def _failed(self, action: str, error: sqlite3.Error) -> None:
        """A query failed: recover from damage; otherwise the cache just misses."""
        if is_corruption(error):
            if not self._closed:
                self._recover(error)
            return
        if is_busy(error):
            log.debug("Cache %s skipped: the database stayed busy (%s).", action, error)
        elif not self._write_failure_reported:
            self._write_failure_reported = True
            log.warning("Siyada's cache at %s could not %s: %s", self.path, action, error)
        else:
            log.debug("Cache %s failed: %s", action, error)

    # --- writing (called with the lock held) ---------------------------------------

    def _write(self, conn: sqlite3.Connection, rows: list[tuple[str, str]]) -> bool:
        """Store `rows` and the pending last-use times in one short transaction."""
        now = int(self._clock())
        touches = [(used, digest) for digest, used in self._touches.items()]
        try:
            with immediate_transaction(conn):
                conn.executemany(
                    "INSERT OR REPLACE INTO answers (key, findings, last_used) VALUES (?, ?, ?)",
                    [(digest, stored, now) for digest, stored in rows],
                )
                conn.executemany(
                    "UPDATE answers SET last_used = max(last_used, ?) WHERE key = ?", touches
                )
        except sqlite3.Error as error:
            self._failed("write" if rows else "record last uses", error)
            return False
        finally:
            # Last-use times are a hint: on failure they are dropped, not retried forever.
            self._touches.clear()
        return True

    def _evict(self, conn: sqlite3.Connection) -> None:
        """Remove the least recently used entries beyond the bound, down to 90% of it."""
        keep = self.max_entries - self.max_entries // 10
        try:
            with immediate_transaction(conn):
                count = int(conn.execute("SELECT count(*) FROM answers").fetchone()[0])
                if count > self.max_entries:
                    conn.execute(
                        "DELETE FROM answers WHERE rowid IN ("
                        " SELECT rowid FROM answers ORDER BY last_used, rowid LIMIT ?)",
                        (count - keep,),
                    )
                    log.debug("Cache evicted %d entries.", count - keep)
                    count = keep
        except sqlite3.Error as error:
            self._failed("evict", error)
            return
        self._known_entries = count
        self._puts_since_check = 0

    def _delete_damaged(self, conn: sqlite3.Connection, digest: str, stored: str) -> None:
        # Only if unchanged: another process may have just stored a good answer.
        try:
            conn.execute("DELETE FROM answers WHERE key = ? AND findings = ?", (digest, stored))
        except sqlite3.Error as error:
            self._failed("delete a damaged entry", error)
