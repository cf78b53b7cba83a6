"""The one rule for telling the user about reviews that did not happen: once per
document and notice.

A file of many long functions, or a model that answers prose every time, would
otherwise raise a message per function and per trigger. Each `Notice` is told the
first time it occurs in a document; every later occurrence goes to the log only
(`ReviewOutcomes.tell`).
"""

from __future__ import annotations

from enum import Enum


class Notice(Enum):
    """Why a review did not happen. `NOT_REVIEWED` and `CAPPED` are told with a
    detail (the reason, the counts), so a different reason or count is told again."""

    NOT_REVIEWED = "not reviewed"  # the document is over a limit
    CAPPED = "capped"  # siyada.maxFunctionsPerFile left functions out
    TOO_LONG = "too long"  # a function too long for the model or the server
    CUT_OFF = "cut off"  # the answer reached its length limit
    UNUSABLE = "unusable"  # the answer could not be read
    INTERNAL_ERROR = "internal error"  # a defect of Siyada's


class Told:
    """The notices one document has told the user."""

    def __init__(self) -> None:
        self._told: set[tuple[Notice, str]] = set()

    def first_time(self, notice: Notice, detail: str = "") -> bool:
        """True once per notice and detail: the caller tells the user now."""
        if (notice, detail) in self._told:
            return False
        self._told.add((notice, detail))
        return True
