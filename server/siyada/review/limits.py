"""What Siyada will not review, so that odd input costs bounded time and memory.

A file beyond these limits is still tracked (its text follows the edits) but not
parsed or sent to the model; the user is told why, once per file.
"""

from __future__ import annotations

from collections.abc import Sequence

from siyada.review.settings import Settings

# Hand-written code rarely has lines this long; minified or generated code does, and
# every function on such a line would be the whole line.
MAX_LINE_CHARS = 5_000


def reason_not_reviewed(text: str, lines: Sequence[str], settings: Settings) -> str | None:
    size = len(text.encode("utf-8", "surrogatepass"))
    if size > settings.max_file_kb * 1024:
        return (
            f"it is {size / 1_048_576:.1f} MB, over the {settings.max_file_kb} KB limit "
            "(siyada.maxFileKb)"
        )
    if "\x00" in text:
        return "it looks like binary data"
    longest = max(map(len, lines), default=0)
    if longest > MAX_LINE_CHARS:
        return f"a line of {longest:,} characters suggests minified or generated code"
    return None
