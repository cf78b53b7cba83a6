"""The server's Python logging, shown in the editor's log at each record's own level.

An editor cannot tell the level of a line the server writes on stderr: VS Code logs
every such line as an error, so a warning read `[error] WARNING ...`. Once a session
exists, records go as `window/logMessage` with the `MessageType` of their level, which
every LSP client files under that level. Before `initialize`, once the session is
closing, and from any thread but the server's, they still go to stderr: the protocol
stream is not there yet, may be gone, or must not be written from two threads.
"""

from __future__ import annotations

import logging
import sys
import threading
from typing import Final, Protocol

from lsprotocol import types

from siyada.lsp.output import Output

FORMAT: Final = "%(name)s: %(message)s"
STDERR_FORMAT: Final = "%(levelname)s %(name)s: %(message)s"


class LogTarget(Protocol):
    """What a record is sent through: a session's output, while it is open."""

    @property
    def output(self) -> Output: ...

    @property
    def closing(self) -> bool: ...


def message_type(level: int) -> types.MessageType:
    """The LSP message type of a logging level; DEBUG and below are `Log`."""
    if level >= logging.ERROR:
        return types.MessageType.Error
    if level >= logging.WARNING:
        return types.MessageType.Warning
    if level >= logging.INFO:
        return types.MessageType.Info
    return types.MessageType.Log


class EditorLogHandler(logging.Handler):
    """Sends records as `window/logMessage` to the attached target, else to `fallback`."""

    def __init__(self, fallback: logging.Handler) -> None:
        super().__init__()
        self.setFormatter(logging.Formatter(FORMAT))
        self._fallback = fallback
        self._target: LogTarget | None = None
        self._thread: int | None = None
        # Sending a notification may log (pygls traces at DEBUG): that record goes to
        # stderr instead of recursing.
        self._sending = False

    def attach(self, target: LogTarget) -> None:
        """Send later records through `target`, from the calling thread only."""
        self._target = target
        self._thread = threading.get_ident()

    def emit(self, record: logging.LogRecord) -> None:
        target = self._target
        if (
            target is None
            or target.closing
            or self._sending
            or threading.get_ident() != self._thread
        ):
            self._fallback.handle(record)
            return
        self._sending = True
        try:
            target.output.log_message(self.format(record), message_type(record.levelno))
        except Exception:  # the stream failed: keep the record on stderr, say why there
            self._fallback.handle(record)
            self.handleError(record)
        finally:
            self._sending = False


def install(level: str) -> EditorLogHandler:
    """Routes the root logger through an `EditorLogHandler` falling back to stderr."""
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setFormatter(logging.Formatter(STDERR_FORMAT))
    handler = EditorLogHandler(stderr)
    root = logging.getLogger()
    root.setLevel(level)
    root.addHandler(handler)
    return handler


def forward_to(target: LogTarget) -> None:
    """Attach every installed `EditorLogHandler` of the root logger to `target`; with
    none installed (the server run in-process by a test) this does nothing."""
    for handler in logging.getLogger().handlers:
        if isinstance(handler, EditorLogHandler):
            handler.attach(target)
