from __future__ import annotations

import io

from siyada.terminal import TerminalProgress


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_shows_done_total_and_time_left_on_a_terminal() -> None:
    stream = _Terminal()
    progress = TerminalProgress(4, stream)
    progress.advance()
    assert "Reviewed 1/4 functions" in stream.getvalue()
    assert "elapsed, about" in stream.getvalue() and "left" in stream.getvalue()
    progress.note("a note")
    assert "a note\n" in stream.getvalue()
    for _ in range(3):
        progress.advance()
    assert "Reviewed 4/4 functions" in stream.getvalue()
    progress.finish()
    assert stream.getvalue().endswith("\r\x1b[K")


def test_progress_is_silent_when_piped() -> None:
    stream = io.StringIO()
    progress = TerminalProgress(3, stream)
    progress.advance()
    progress.finish()
    assert stream.getvalue() == ""
