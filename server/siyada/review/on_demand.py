"""A file reviewed on demand ("Review Current File"): once its reviews are started
(`Scheduler.review_document`), they are awaited and what they gave told in one
`FileReview`."""

from __future__ import annotations

import asyncio

from siyada.review.open_document import OpenDocument
from siyada.review.review_report import FileReview, file_name
from siyada.review.scheduler import Scheduler


async def file_review(scheduler: Scheduler, doc: OpenDocument) -> FileReview:
    """Wait for the reviews in flight of `doc`'s functions, then say what they gave:
    the findings shown, how many functions the model answered now and how many were
    answered without it (cached), and how many got no answer."""
    name = file_name(doc.uri)
    if doc.not_reviewed is not None:
        return FileReview(name, 0, 0, 0, not_reviewed=doc.not_reviewed)
    units, tasks = scheduler.reviews_of(doc)
    if tasks:
        await asyncio.wait(tasks)
    asked = sum(1 for t in tasks if not t.cancelled() and (r := t.result()) and not r.cached)
    answered = sum(1 for u in units if doc.answer(u) is not None)
    shown = len(doc.snapshot(scheduler.settings).findings)
    return FileReview(name, len(units), shown, answered - asked, len(units) - answered)
