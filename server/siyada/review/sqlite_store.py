"""What the answer cache (`cache.py`) and the feedback store (`siyada.feedback.store`)
share: a private SQLite file in a folder of their own, opened for several processes,
set aside and started afresh when damaged, and turned into a no-op with `problem`
saying why when it cannot be used. The file handling itself is `cache_file.py`'s.

A store subclasses `SqliteStore`, names itself (`NAME`, for the log), opens its file
with its own schema (`_open`) and words its `problem` (`_problem`). Every method here is
called with the store's lock held.
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import ClassVar

from siyada.review.cache_file import (
    FileIdentity,
    is_corruption,
    make_private_folder,
    set_aside,
    when_free,
)

log = logging.getLogger(__name__)


class SqliteStore:
    NAME: ClassVar[str]  # "cache", "feedback store": what the log calls it

    def __init__(self, folder: Path, file_name: str, clock: Callable[[], float]) -> None:
        self.folder = Path(folder).expanduser()
        self.path = self.folder / file_name
        self.problem: str | None = None
        # Where a damaged file was moved, when this store had to start a new one.
        self.set_aside_as: Path | None = None
        self._clock = clock
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None
        self._identity: FileIdentity | None = None
        self._closed = False

    def _open(self) -> sqlite3.Connection:
        """Create the file if absent (setting `_identity`), connect, ready its schema."""
        raise NotImplementedError

    def _problem(self, reason: str) -> str:
        """The user's message when the store cannot be used for `reason`."""
        raise NotImplementedError

    def _start(self) -> None:
        """Open the file; set a damaged one aside; give up with `problem` set."""
        try:
            make_private_folder(self.folder)
            self._conn = when_free(self._open)
            return
        except OSError as error:
            self._give_up(error.strerror or str(error))
            return
        except sqlite3.Error as error:
            if not is_corruption(error):
                self._give_up(str(error))
                return
            damage = error
        self._recover(damage)

    def _recover(self, damage: sqlite3.Error) -> bool:
        """Set the damaged file aside and start a new one; whether that worked."""
        self._drop_connection()
        try:
            aside = set_aside(self.path, self._identity, self._clock())
            if aside is not None:
                self._identity = None
            self._conn = when_free(self._open)
        except (OSError, sqlite3.Error) as error:
            self._drop_connection()
            reason = error.strerror if isinstance(error, OSError) else None
            self._give_up(f"it is damaged ({damage}) and could not be replaced: {reason or error}")
            return False
        self.set_aside_as = aside
        log.warning(
            "Siyada's %s at %s was damaged (%s); it was set aside as %s and a new one started.",
            self.NAME,
            self.path,
            damage,
            aside.name if aside else "(nothing to move)",
        )
        return True

    def _give_up(self, reason: str) -> None:
        self._drop_connection()
        self.problem = self._problem(reason)
        log.warning("%s", self.problem)

    def _drop_connection(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(sqlite3.Error):
                conn.close()
