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
import errno
import json
import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from types import TracebackType
from typing import Final

from siyada.review.findings import Finding, findings_from_json, findings_to_json

log = logging.getLogger(__name__)

FILE_NAME: Final = "answers.sqlite3"
# Stored as PRAGMA user_version; a file with another version is emptied and rebuilt.
SCHEMA_VERSION: Final = 1
DEFAULT_MAX_ENTRIES: Final = 50_000

_BUSY_TIMEOUT_MS: Final = 2000
# A read refreshes an entry's last use only when it is older than this, so reads
# almost never write; eviction only needs to know what was used recently, roughly.
_TOUCH_AFTER_SECONDS: Final = 60
# Refreshed last uses wait in memory for the next write, or until there are this many.
_TOUCH_BATCH: Final = 64
# The entry count is checked after this many writes (or sooner when the writes alone
# could exceed the bound); eviction then goes 10% below the bound, so it stays rare.
_CHECK_EVERY_PUTS: Final = 500

_CORRUPTION_CODES: Final = ("SQLITE_CORRUPT", "SQLITE_NOTADB")
_BUSY_CODES: Final = ("SQLITE_BUSY", "SQLITE_LOCKED")


class DiskCache:
    """Findings per answer digest in SQLite, shared safely between processes.

    `get` and `put` never raise. Thread-safe (one lock); meant for one asyncio thread.
    `clock` (seconds) is for tests.
    """

    def __init__(
        self,
        folder: Path,
        *,
        max_entries: int = DEFAULT_MAX_ENTRIES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, not {max_entries}")
        self.folder = Path(folder).expanduser()
        self.path = self.folder / FILE_NAME
        self.max_entries = max_entries
        self.problem: str | None = None
        self._clock = clock
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._identity: tuple[int, int] | None = None
        self._touches: dict[str, int] = {}
        self._known_entries = 0
        self._puts_since_check = 0
        self._write_failure_reported = False
        self._closed = False
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

    def _start(self) -> None:
        """Open the file; set a damaged one aside; give up with `problem` set."""
        try:
            self._make_folder()
            self._conn = self._open_when_free()
            return
        except OSError as error:
            self._give_up(error.strerror or str(error))
            return
        except sqlite3.Error as error:
            if not _is_corruption(error):
                self._give_up(str(error))
                return
            damage = error
        self._recover(damage)

    def _recover(self, damage: sqlite3.Error) -> None:
        self._drop_connection()
        try:
            aside = self._set_aside()
            self._conn = self._open_when_free()
        except (OSError, sqlite3.Error) as error:
            self._drop_connection()
            reason = error.strerror if isinstance(error, OSError) else None
            self._give_up(f"it is damaged ({damage}) and could not be replaced: {reason or error}")
            return
        log.warning(
            "Siyada's cache at %s was damaged (%s); it was set aside as %s and a new one started.",
            self.path,
            damage,
            aside.name if aside else "(nothing to move)",
        )

    def _make_folder(self) -> None:
        try:
            self.folder.mkdir(mode=0o700, parents=True)
        except FileExistsError:
            if not self.folder.is_dir():
                raise NotADirectoryError(errno.ENOTDIR, "it is not a folder") from None
        else:
            # mkdir's mode is masked by the umask; the folder holds snippets of code.
            with contextlib.suppress(OSError):
                os.chmod(self.folder, 0o700)

    def _open_when_free(self) -> sqlite3.Connection:
        """`_open`, retried while another process holds the lock it needs.

        Switching a new file to WAL fails at once with "database is locked" (SQLite
        does not wait on the busy handler there) when another process does the same, as
        when two servers start together; so waiting is done here, up to the busy timeout.
        """
        deadline = time.monotonic() + _BUSY_TIMEOUT_MS / 1000
        pause = 0.005
        while True:
            try:
                return self._open()
            except sqlite3.Error as error:
                if not _is_busy(error) or time.monotonic() + pause > deadline:
                    raise
            time.sleep(pause)
            pause = min(pause * 2, 0.1)

    def _open(self) -> sqlite3.Connection:
        # Created here, not by SQLite, so the file (and the -wal/-shm files SQLite gives
        # the same permissions) are private even in a folder others can read.
        os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
        # Which file this is, so a damaged one is only set aside if no other process
        # has replaced it already.
        stat = os.stat(self.path)
        self._identity = (stat.st_dev, stat.st_ino)
        conn = sqlite3.connect(
            self.path,
            timeout=_BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,  # autocommit; transactions are explicit and short
            check_same_thread=False,
        )
        try:
            conn.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
            # Readers and a writer at once, across processes. Set once per file (it is
            # persistent); afterwards it is only read, which needs no lock.
            if str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower() != "wal":
                conn.execute("PRAGMA journal_mode = WAL")
            # With WAL, NORMAL loses at most the last writes on a power cut, never the
            # database; a lost cache entry costs one model call.
            conn.execute("PRAGMA synchronous = NORMAL")
            self._ensure_schema(conn)
            self._known_entries = int(conn.execute("SELECT count(*) FROM answers").fetchone()[0])
        except BaseException:
            conn.close()
            raise
        self._puts_since_check = 0
        return conn

    def _ensure_schema(self, conn: sqlite3.Connection) -> None:
        if _user_version(conn) == SCHEMA_VERSION:
            return
        with _immediate_transaction(conn):
            found = _user_version(conn)  # another process may have just built it
            if found != SCHEMA_VERSION:
                if found != 0:
                    log.info("Cache schema %s is not %s; rebuilding it.", found, SCHEMA_VERSION)
                objects = conn.execute(
                    "SELECT type, name FROM sqlite_master "
                    "WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'"
                ).fetchall()
                for kind, name in objects:
                    quoted = '"' + str(name).replace('"', '""') + '"'
                    conn.execute(f"DROP {'VIEW' if kind == 'view' else 'TABLE'} IF EXISTS {quoted}")
                conn.execute(
                    "CREATE TABLE answers ("
                    " key TEXT PRIMARY KEY,"
                    " findings TEXT NOT NULL,"
                    " last_used INTEGER NOT NULL)"
                )
                conn.execute("CREATE INDEX answers_by_last_use ON answers (last_used)")
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _set_aside(self) -> Path | None:
        """Move the damaged file (and its -wal/-shm) aside; only the latest copy is kept.

        Returns where it went, or None when another process already replaced it.
        """
        try:
            stat = os.stat(self.path)
        except FileNotFoundError:
            return None
        if self._identity is not None and self._identity != (stat.st_dev, stat.st_ino):
            return None  # someone else set it aside and started a new file: use that one
        for old in self.folder.glob(f"{FILE_NAME}.corrupt-*"):
            with contextlib.suppress(OSError):
                old.unlink()
        stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(self._clock()))
        aside = self.folder / f"{FILE_NAME}.corrupt-{stamp}"
        os.replace(self.path, aside)
        for suffix in ("-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.replace(f"{self.path}{suffix}", f"{aside}{suffix}")
        self._identity = None
        return aside

    def _give_up(self, reason: str) -> None:
        self._drop_connection()
        self.problem = (
            f"Siyada's cache at {self.folder} cannot be used: {reason}; reviews still work "
            "but are not remembered across restarts."
        )
        log.warning("%s", self.problem)

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(sqlite3.Error):
                conn.close()

    def _failed(self, action: str, error: sqlite3.Error) -> None:
        """A query failed: recover from damage; otherwise the cache just misses."""
        if _is_corruption(error):
            if not self._closed:
                self._recover(error)
            return
        if _is_busy(error):
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
            with _immediate_transaction(conn):
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
            with _immediate_transaction(conn):
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


@contextlib.contextmanager
def _immediate_transaction(conn: sqlite3.Connection) -> Iterator[None]:
    """A write transaction, taken at once (BEGIN IMMEDIATE), rolled back on any error."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
        raise


def _user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _error_name(error: sqlite3.Error) -> str:
    return str(getattr(error, "sqlite_errorname", "") or "")


def _is_corruption(error: sqlite3.Error) -> bool:
    name = _error_name(error)
    if name:
        return name.startswith(_CORRUPTION_CODES)
    text = str(error).lower()
    return "malformed" in text or "not a database" in text


def _is_busy(error: sqlite3.Error) -> bool:
    name = _error_name(error)
    if name:
        return name.startswith(_BUSY_CODES)
    return "locked" in str(error).lower() or "busy" in str(error).lower()
