"""The SQLite file under the answer store (`cache.py`): made private, opened for several
processes at once, its schema built, and set aside when damaged.

SQLite errors are told apart here (`is_corruption`, `is_busy`) so the store can recover
from damage and shrug off a busy database.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final, TypeVar

log = logging.getLogger(__name__)

# Stored as PRAGMA user_version; a file with another version is emptied and rebuilt.
SCHEMA_VERSION: Final = 1

_BUSY_TIMEOUT_MS: Final = 2000
_CORRUPTION_CODES: Final = ("SQLITE_CORRUPT", "SQLITE_NOTADB")
_BUSY_CODES: Final = ("SQLITE_BUSY", "SQLITE_LOCKED")

_Opened = TypeVar("_Opened")

# Which file this is (device, inode), so a damaged one is only set aside if no other
# process has replaced it already.
FileIdentity = tuple[int, int]


def make_private_folder(folder: Path) -> None:
    """Create `folder` readable by its owner only; NotADirectoryError if it is a file."""
    try:
        folder.mkdir(mode=0o700, parents=True)
    except FileExistsError:
        if not folder.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "it is not a folder") from None
    else:
        # mkdir's mode is masked by the umask; the folder holds snippets of code.
        with contextlib.suppress(OSError):
            os.chmod(folder, 0o700)


def create_private_file(path: Path) -> FileIdentity:
    """Create `path` (0600) if absent; the identity of the file now there."""
    # Created here, not by SQLite, so the file (and the -wal/-shm files SQLite gives
    # the same permissions) are private even in a folder others can read.
    os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
    stat = os.stat(path)
    return (stat.st_dev, stat.st_ino)


def connect(path: Path) -> tuple[sqlite3.Connection, int]:
    """A connection to the store at `path`, its schema ready, and its entry count."""
    conn = open_shared(path)
    try:
        ensure_schema(conn, SCHEMA_VERSION, _create_answers)
        entries = int(conn.execute("SELECT count(*) FROM answers").fetchone()[0])
    except BaseException:
        conn.close()
        raise
    return conn, entries


def open_shared(path: Path) -> sqlite3.Connection:
    """A connection to the SQLite file at `path` set up for several processes at once
    (WAL, a busy timeout); its schema is the caller's (`ensure_schema`)."""
    conn = sqlite3.connect(
        path,
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
    except BaseException:
        conn.close()
        raise
    return conn


def when_free(attempt: Callable[[], _Opened]) -> _Opened:
    """`attempt()`, retried while another process holds the lock it needs.

    Switching a new file to WAL fails at once with "database is locked" (SQLite
    does not wait on the busy handler there) when another process does the same, as
    when two servers start together; so waiting is done here, up to the busy timeout.
    """
    deadline = time.monotonic() + _BUSY_TIMEOUT_MS / 1000
    pause = 0.005
    while True:
        try:
            return attempt()
        except sqlite3.Error as error:
            if not is_busy(error) or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


def ensure_schema(
    conn: sqlite3.Connection, version: int, create: Callable[[sqlite3.Connection], None]
) -> None:
    """Build the schema with `create` unless the file has `version` already; a file of
    another version is emptied first (its PRAGMA user_version says which it is)."""
    if _user_version(conn) == version:
        return
    with immediate_transaction(conn):
        found = _user_version(conn)  # another process may have just built it
        if found != version:
            if found != 0:
                log.info("Schema version %s is not %s; rebuilding it.", found, version)
            objects = conn.execute(
                "SELECT type, name FROM sqlite_master "
                "WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%'"
            ).fetchall()
            for kind, name in objects:
                quoted = '"' + str(name).replace('"', '""') + '"'
                conn.execute(f"DROP {'VIEW' if kind == 'view' else 'TABLE'} IF EXISTS {quoted}")
            create(conn)
            conn.execute(f"PRAGMA user_version = {int(version)}")


def _create_answers(conn: sqlite3.Connection) -> None:
    conn.execute(
        "CREATE TABLE answers ("
        " key TEXT PRIMARY KEY,"
        " findings TEXT NOT NULL,"
        " last_used INTEGER NOT NULL)"
    )
    conn.execute("CREATE INDEX answers_by_last_use ON answers (last_used)")


def set_aside(path: Path, identity: FileIdentity | None, now: float) -> Path | None:
    """Move the damaged file (and its -wal/-shm) aside; only the latest copy is kept.

    Returns where it went, or None when another process already replaced it.
    """
    try:
        stat = os.stat(path)
    except FileNotFoundError:
        return None
    if identity is not None and identity != (stat.st_dev, stat.st_ino):
        return None  # someone else set it aside and started a new file: use that one
    for old in path.parent.glob(f"{path.name}.corrupt-*"):
        with contextlib.suppress(OSError):
            old.unlink()
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    aside = path.parent / f"{path.name}.corrupt-{stamp}"
    os.replace(path, aside)
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.replace(f"{path}{suffix}", f"{aside}{suffix}")
    return aside


@contextlib.contextmanager
def immediate_transaction(conn: sqlite3.Connection) -> Iterator[None]:
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


def is_corruption(error: sqlite3.Error) -> bool:
    name = _error_name(error)
    if name:
        return name.startswith(_CORRUPTION_CODES)
    text = str(error).lower()
    return "malformed" in text or "not a database" in text


def is_busy(error: sqlite3.Error) -> bool:
    name = _error_name(error)
    if name:
        return name.startswith(_BUSY_CODES)
    return "locked" in str(error).lower() or "busy" in str(error).lower()
