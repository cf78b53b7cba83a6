"""What Siyada will not review, so that odd input costs bounded time and memory.

A file beyond these limits is still tracked (its text follows the edits) but not
parsed or sent to the model; the user is told why, once per file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from siyada.i18n import _
from siyada.review.prompt import ANSWER_BUDGET, NUM_CTX
from siyada.review.settings import Settings

# Hand-written code rarely has lines this long; minified or generated code does, and
# every function on such a line would be the whole line.
MAX_LINE_CHARS = 5_000


@dataclass(frozen=True)
class Exceeded:
    """A limit a document is over: `kind` groups documents in a summary ("too large",
    "binary", "minified"), `reason` says it to the user."""

    kind: str
    reason: str


def exceeded_limit(text: str, lines: Sequence[str], settings: Settings) -> Exceeded | None:
    too_large = size_over_limit(len(text.encode("utf-8", "surrogatepass")), settings)
    if too_large is not None:
        return too_large
    if "\x00" in text:
        return Exceeded("binary", _("it looks like binary data"))
    longest = max(map(len, lines), default=0)
    if longest > MAX_LINE_CHARS:
        return Exceeded(
            "minified",
            _(
                "a line of {count} characters suggests minified or generated code",
                count=f"{longest:,}",
            ),
        )
    return None


def size_over_limit(size: int, settings: Settings) -> Exceeded | None:
    """The size limit alone, for a file that is not read when it is over it."""
    if size <= settings.max_file_kb * 1024:
        return None
    shown = f"{size / 1_048_576:.1f} MB" if size >= 1_048_576 else f"{size / 1024:.0f} KB"
    return Exceeded(
        "too large",
        _(
            "it is {size}, over the {limit} KB limit (siyada.maxFileKb)",
            size=shown,
            limit=settings.max_file_kb,
        ),
    )


def fits_context(prompt_tokens: int, context: int = NUM_CTX) -> bool:
    """Whether a prompt of `prompt_tokens` leaves the answer its room in `context`
    tokens; a function whose prompt does not is never sent (`FunctionTooLong`)."""
    return prompt_tokens + ANSWER_BUDGET <= context


def reason_not_reviewed(text: str, lines: Sequence[str], settings: Settings) -> str | None:
    exceeded = exceeded_limit(text, lines, settings)
    return exceeded.reason if exceeded is not None else None
