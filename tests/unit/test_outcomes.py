"""What follows a review, and the one rule for telling the user: once per document,
notice and detail; later times go to the log."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from siyada.code.functions import FunctionUnit
from siyada.code.languages import language_for
from siyada.review.findings import Finding
from siyada.review.not_reviewed import AnswerCutOff, AnswerUnusable, FunctionTooLong
from siyada.review.notices import Notice, Told
from siyada.review.open_document import OpenDocument
from siyada.review.outcomes import ReviewOutcomes, Skipped
from siyada.review.settings import Settings

PYTHON = language_for("python")
SOURCE = "def load(path):\n    return open(path).read()\n"
A = "file:///work/a.py"
B = "file:///work/b.py"


class Recorder:
    def __init__(self) -> None:
        self.told: list[str] = []
        self.changed: list[str] = []
        self.succeeded = 0

    def outcomes(self, documents: dict[str, OpenDocument]) -> ReviewOutcomes:
        return ReviewOutcomes(
            documents,
            findings_changed=self.changed.append,
            succeeded=self._succeeded,
            skipped=self.told.append,
        )

    def _succeeded(self) -> None:
        self.succeeded += 1


def _documents(*uris: str) -> dict[str, OpenDocument]:
    assert PYTHON is not None
    documents = {}
    for uri in uris:
        doc = OpenDocument(uri, PYTHON, 1, SOURCE, lambda language, unit: None)
        doc.refresh(Settings())
        doc.want_all()
        documents[uri] = doc
    return documents


def test_told_is_true_once_per_notice_and_detail() -> None:
    told = Told()
    assert told.first_time(Notice.TOO_LONG)
    assert not told.first_time(Notice.TOO_LONG)
    assert told.first_time(Notice.CUT_OFF)
    assert told.first_time(Notice.CAPPED, "3/10")
    assert not told.first_time(Notice.CAPPED, "3/10")
    assert told.first_time(Notice.CAPPED, "3/11")


def test_a_notice_is_told_once_per_document_then_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    recorder = Recorder()
    documents = _documents(A, B)
    outcomes = recorder.outcomes(documents)
    with caplog.at_level(logging.INFO, logger="siyada.review.outcomes"):
        outcomes.tell(A, Notice.UNUSABLE, "first")
        outcomes.tell(A, Notice.UNUSABLE, "second")
        outcomes.tell(B, Notice.UNUSABLE, "in b")
        outcomes.tell("file:///work/closed.py", Notice.UNUSABLE, "closed meanwhile")
    assert recorder.told == ["first", "in b"]
    logged = [r.getMessage() for r in caplog.records]
    assert logged == ["second", "closed meanwhile"]


def test_the_limit_and_the_cap_are_told_again_only_for_a_new_reason_or_count() -> None:
    recorder = Recorder()
    documents = _documents(A)
    outcomes = recorder.outcomes(documents)
    doc = documents[A]
    outcomes.over_limit(doc, "it is 60 KB, over the 50 KB limit (siyada.maxFileKb)")
    outcomes.over_limit(doc, "it is 60 KB, over the 50 KB limit (siyada.maxFileKb)")
    outcomes.over_limit(doc, "it looks like binary data")
    outcomes.capped(doc, 0)
    outcomes.capped(doc, 0)
    assert recorder.told == [
        "Siyada does not review a.py: it is 60 KB, over the 50 KB limit (siyada.maxFileKb).",
        "Siyada does not review a.py: it looks like binary data.",
        "Siyada reviews 0 of the 1 functions in a.py, nearest to your edits first "
        "(siyada.maxFunctionsPerFile).",
    ]


def test_a_review_shows_its_findings_in_every_document_with_the_function() -> None:
    recorder = Recorder()
    documents = _documents(A, B)
    outcomes = recorder.outcomes(documents)
    unit = documents[A].units[0]
    finding = Finding(
        category="bug",
        severity="warning",
        title="Leak",
        explanation="...",
        evidence="    return open(path).read()",
        replacement=None,
        confidence=0.9,
        start_line=1,
        end_line=1,
    )
    outcomes.reviewed(unit, (finding,))
    assert recorder.changed == [A, B] and recorder.succeeded == 1
    for doc in documents.values():
        assert doc.wanted == set()
        assert [p.finding.title for p in doc.snapshot(Settings()).findings] == ["Leak"]


@pytest.mark.parametrize(
    ("make", "asked_again", "answered"),
    [
        (lambda unit: AnswerUnusable(unit, "prose"), True, True),
        (lambda unit: AnswerCutOff(unit), False, True),
        (lambda unit: FunctionTooLong(unit, 9000), False, False),
    ],
    ids=["unusable", "cut-off", "too-long"],
)
def test_a_skipped_review_is_told_and_asked_again_only_when_that_can_help(
    make: Callable[[FunctionUnit], Skipped], asked_again: bool, answered: bool
) -> None:
    recorder = Recorder()
    documents = _documents(A, B)
    outcomes = recorder.outcomes(documents)
    unit = documents[A].units[0]
    error = make(unit)
    outcomes.skipped(A, unit, error)
    outcomes.skipped(A, unit, error)
    assert recorder.told == [str(error)]
    assert all((unit.hash in d.wanted) == asked_again for d in documents.values())
    assert recorder.succeeded == (2 if answered else 0)
    assert recorder.changed == []


def test_a_crash_is_logged_with_its_traceback_and_told_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    recorder = Recorder()
    documents = _documents(A)
    outcomes = recorder.outcomes(documents)
    unit = documents[A].units[0]
    with caplog.at_level(logging.ERROR, logger="siyada.review.outcomes"):
        outcomes.crashed(A, unit, RuntimeError("a defect"))
        outcomes.crashed(A, unit, RuntimeError("a defect"))
    (message,) = recorder.told
    assert "could not review load in a.py" in message and "RuntimeError" in message
    assert len([r for r in caplog.records if r.exc_info]) == 2
    assert unit.hash in documents[A].wanted  # asked again on the next trigger
