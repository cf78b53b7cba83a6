"""A one-line progress display for `siyada check` on a terminal (silent when piped)."""

from __future__ import annotations

import time
from typing import TextIO


class TerminalProgress:
    def __init__(self, total: int, stream: TextIO) -> None:
        self._total = total
        self._done = 0
        self._stream = stream
        self._live = stream.isatty() and total > 0
        self._started = time.monotonic()

    def advance(self) -> None:
        self._done += 1
        if self._live:
            self._stream.write("\r" + self.line())
            self._stream.flush()

    def note(self, message: str) -> None:
        """A message that must not be overwritten by the progress line."""
        if self._live:
            self._stream.write("\r\x1b[K")
        self._stream.write(message + "\n")
        if self._live:
            self._stream.write(self.line())
        self._stream.flush()

    def finish(self) -> None:
        if self._live:
            self._stream.write("\r\x1b[K")
            self._stream.flush()

    def line(self) -> str:
        elapsed = time.monotonic() - self._started
        text = f"Reviewed {self._done}/{self._total} functions, {_clock(elapsed)} elapsed"
        if 0 < self._done < self._total:
            left = elapsed / self._done * (self._total - self._done)
            text += f", about {_clock(left)} left"
        return text


def _clock(seconds: float) -> str:
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes}:{secs:02d}"
