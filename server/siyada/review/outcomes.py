"""What follows a review: its findings shown, or the user told why there are none
(each notice once per document, see `notices.py`)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Final

from siyada.code.context import FunctionContext
from siyada.code.functions import FunctionUnit
from siyada.i18n import _
from siyada.review.findings import Finding
from siyada.review.not_reviewed import AnswerCutOff, AnswerUnusable, FunctionTooLong
from siyada.review.notices import Notice
from siyada.review.open_document import OpenDocument
from siyada.review.review_report import file_name

log = logging.getLogger(__name__)

# What a review raises when it did not happen for a reason the user can act on: the
# tuple to catch, the union to annotate.
SKIPPED: Final = (FunctionTooLong, AnswerCutOff, AnswerUnusable)
Skipped = FunctionTooLong | AnswerCutOff | AnswerUnusable


class ReviewOutcomes:
    """Applies the outcome of each review to the open documents and tells the user
    (through the scheduler's hooks) what they need to know."""

    def __init__(
        self,
        documents: Mapping[str, OpenDocument],
        *,
        findings_changed: Callable[[str], None],
        succeeded: Callable[[], None],
        skipped: Callable[[str], None],
    ) -> None:
        self._documents = documents
        self._findings_changed = findings_changed
        self._succeeded = succeeded
        self._skipped = skipped

    def reviewed(
        self,
        unit: FunctionUnit,
        findings: tuple[Finding, ...],
        context: FunctionContext | None = None,
        same_guidance: Callable[[OpenDocument], bool] = lambda _: True,
    ) -> None:
        """The model answered: every document with the function (and that context)
        shows its findings; one where the function has another context still wants it.
        A document `same_guidance` rejects (the team's guidance for it differs) is
        left alone: its own review gives its answer."""
        self._succeeded()
        for doc in self._documents.values():
            if not same_guidance(doc):
                continue
            if not doc.contains(unit.hash):
                doc.wanted.discard(unit.hash)
            elif doc.answered(unit.hash, findings, context):
                self._findings_changed(doc.uri)

    def skipped(self, uri: str, unit: FunctionUnit, error: Skipped) -> None:
        if isinstance(error, AnswerUnusable):
            # Still wanted: the next trigger asks again.
            self.tell(uri, Notice.UNUSABLE, str(error))
            self._succeeded()
        elif isinstance(error, AnswerCutOff):
            # Not wanted any more: the reviewer skips it until its text changes.
            self.tell(uri, Notice.CUT_OFF, str(error))
            self._forget_wanted(unit.hash)
            self._succeeded()
        else:
            self.tell(uri, Notice.TOO_LONG, str(error))
            self._forget_wanted(unit.hash)

    def crashed(self, uri: str, unit: FunctionUnit, error: Exception) -> None:
        """A review failed in a way nobody foresaw: the log gets the traceback, the user
        one message per document; the function is asked about again on the next trigger."""
        name = file_name(uri)
        log.error("The review of %s in %s failed", unit.name, name, exc_info=error)
        message = _(
            "Siyada could not review {function} in {file}: an internal error "
            "({error}). Details are in the log; it is tried again on the "
            "next save or edit.",
            function=unit.name,
            file=name,
            error=type(error).__name__,
        )
        self.tell(uri, Notice.INTERNAL_ERROR, message)

    def over_limit(self, doc: OpenDocument, reason: str) -> None:
        message = _(
            "Siyada does not review {file}: {reason}.", file=file_name(doc.uri), reason=reason
        )
        self.tell(doc.uri, Notice.NOT_REVIEWED, message, detail=reason)

    def capped(self, doc: OpenDocument, reviewed: int) -> None:
        functions = len(doc.units)
        message = _(
            "Siyada reviews {reviewed} of the {functions} functions in {file}, "
            "nearest to your edits first (siyada.maxFunctionsPerFile).",
            reviewed=reviewed,
            functions=functions,
            file=file_name(doc.uri),
        )
        self.tell(doc.uri, Notice.CAPPED, message, detail=f"{reviewed}/{functions}")

    def tell(self, uri: str, notice: Notice, message: str, detail: str = "") -> None:
        """The one way the user hears of reviews that did not happen: once per
        document, notice and detail; every later time, and for a closed document, in
        the log only."""
        doc = self._documents.get(uri)
        if doc is not None and doc.told.first_time(notice, detail):
            self._skipped(message)
        else:
            log.info("%s", message)

    def _forget_wanted(self, function_hash: str) -> None:
        for doc in self._documents.values():
            doc.wanted.discard(function_hash)
