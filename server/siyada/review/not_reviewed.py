"""Why a function was not reviewed this time, as exceptions whose message is for the user.

The scheduler and `siyada check` tell the user each kind once; what is remembered (a
cut-off answer, a prompt over the server's context) is the answer cache's business.
"""

from __future__ import annotations

from siyada.code.functions import FunctionUnit
from siyada.i18n import _
from siyada.review.prompt import ANSWER_BUDGET, NUM_CTX


class NotReviewed(Exception):
    """A function was not reviewed this time; the message tells the user why."""


class FunctionTooLong(NotReviewed):
    """The function does not fit in the model's context; it is skipped, not truncated."""

    def __init__(self, unit: FunctionUnit, tokens: int) -> None:
        super().__init__(
            _(
                "{function} is too long to review (~{tokens} tokens; the limit is "
                "{limit}). Split it into smaller functions to have it reviewed.",
                function=unit.name,
                tokens=tokens,
                limit=NUM_CTX - ANSWER_BUDGET,
            )
        )


class TooLongForServer(FunctionTooLong):
    """The model server said the prompt does not fit its context window (a server
    started with a context smaller than Siyada's estimate allows for). The same
    function would be refused again, so it is skipped until its text changes."""

    def __init__(self, unit: FunctionUnit) -> None:
        NotReviewed.__init__(
            self,
            _(
                "{function} does not fit the model server's context window, so it was not "
                "reviewed. Start the server with a larger context (llama-server --ctx-size, "
                "vLLM --max-model-len), or split the function.",
                function=unit.name,
            ),
        )


class AnswerUnusable(NotReviewed):
    """The model answered something other than findings. Not remembered: the function
    is asked about again on the next save, edit or review command."""

    def __init__(self, unit: FunctionUnit, reason: str) -> None:
        super().__init__(
            _(
                "The model's answer about {function} could not be used ({reason}); "
                "Siyada asks again on the next save or edit.",
                function=unit.name,
                reason=reason,
            )
        )
        self.reason = reason


class AnswerCutOff(NotReviewed):
    """The model's answer hit its length limit. Asking again would cut it off again, so
    the function is skipped until its text changes (remembered for the session only)."""

    def __init__(self, unit: FunctionUnit) -> None:
        super().__init__(
            _(
                "The model's answer about {function} was cut off at its length limit, so it "
                "was not used; Siyada asks again once the function changes.",
                function=unit.name,
            )
        )
