"""The feedback store's SQLite schema, and its rows to and from values (`records.py`).

A row that cannot be read back (an unknown event kind, damaged JSON) is skipped with a
warning, so one bad row never hides the rest.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterator
from typing import Any, Final

from siyada.feedback.fingerprint import FindingKey
from siyada.feedback.records import EVENT_KINDS, FeedbackEvent, ReviewRecord, StoredEvent
from siyada.review.findings import findings_from_json, findings_to_json

log = logging.getLogger(__name__)

# Stored as PRAGMA user_version; a file with another version is emptied and rebuilt.
SCHEMA_VERSION: Final = 1

EVENT_COLUMNS: Final = (
    "id, kind, path, function, function_hash, category, evidence, language, title, "
    "explanation, replacement, final_text, model, created_at, undone"
)
INSERT_EVENT: Final = (
    "INSERT INTO events (kind, path, function, function_hash, category, evidence,"
    " fingerprint, language, title, explanation, replacement, final_text, model,"
    " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
REVIEW_COLUMNS: Final = (
    "key_path, function, function_hash, language, model, messages, findings, created_at"
)
UPSERT_REVIEW: Final = (
    "INSERT OR REPLACE INTO reviews (function_hash, model, prompt_hash, key_path,"
    " function, language, messages, findings, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)


def create_tables(conn: sqlite3.Connection) -> None:
    conn.execute(
        "CREATE TABLE events ("
        " id INTEGER PRIMARY KEY AUTOINCREMENT,"
        " kind TEXT NOT NULL,"
        " path TEXT NOT NULL,"
        " function TEXT NOT NULL,"
        " function_hash TEXT NOT NULL,"
        " category TEXT NOT NULL,"
        " evidence TEXT NOT NULL,"
        " fingerprint TEXT NOT NULL,"
        " language TEXT NOT NULL,"
        " title TEXT NOT NULL,"
        " explanation TEXT NOT NULL,"
        " replacement TEXT,"
        " final_text TEXT,"
        " model TEXT NOT NULL,"
        " created_at REAL NOT NULL,"
        " undone INTEGER NOT NULL DEFAULT 0)"
    )
    conn.execute("CREATE INDEX events_by_fingerprint ON events (fingerprint)")
    conn.execute("CREATE INDEX events_by_place ON events (path, function, category)")
    conn.execute(
        "CREATE TABLE reviews ("
        " function_hash TEXT NOT NULL,"
        " model TEXT NOT NULL,"
        " prompt_hash TEXT NOT NULL,"
        " key_path TEXT NOT NULL,"
        " function TEXT NOT NULL,"
        " language TEXT NOT NULL,"
        " messages TEXT NOT NULL,"
        " findings TEXT NOT NULL,"
        " created_at REAL NOT NULL,"
        " PRIMARY KEY (function_hash, model, prompt_hash))"
    )


def event_row(event: FeedbackEvent) -> tuple[Any, ...]:
    """The values of INSERT_EVENT."""
    key = event.key
    return (
        event.kind,
        key.path,
        key.function,
        key.function_hash,
        key.category,
        key.evidence,
        key.fingerprint,
        event.language,
        event.title,
        event.explanation,
        event.replacement,
        event.final_text,
        event.model,
        float(event.created_at),
    )


def stored_events(rows: list[tuple[Any, ...]]) -> Iterator[StoredEvent]:
    """Rows of EVENT_COLUMNS as events; one of an unknown kind is skipped."""
    for row in rows:
        (id_, kind, path, function, function_hash, category, evidence, *rest) = row
        language, title, explanation, replacement, final_text, model, created_at, undone = rest
        if kind not in EVENT_KINDS:
            log.warning("Skipping a feedback event of unknown kind %r (id %s).", kind, id_)
            continue
        key = FindingKey(path, function, function_hash, category, evidence)
        event = FeedbackEvent(
            kind, key, language, title, explanation, replacement, final_text, model, created_at
        )
        yield StoredEvent(int(id_), event, bool(undone))


def review_row(review: ReviewRecord) -> tuple[Any, ...]:
    """The values of UPSERT_REVIEW."""
    return (
        review.function_hash,
        review.model,
        review.prompt_hash,
        review.key_path,
        review.function,
        review.language,
        json.dumps(list(review.messages), ensure_ascii=False),
        json.dumps(findings_to_json(review.findings), ensure_ascii=False),
        float(review.created_at),
    )


def stored_reviews(rows: list[tuple[Any, ...]]) -> Iterator[ReviewRecord]:
    """Rows of REVIEW_COLUMNS as records; a damaged one is skipped."""
    for row in rows:
        review = _review(row)
        if review is not None:
            yield review


def _review(row: tuple[Any, ...]) -> ReviewRecord | None:
    key_path, function, function_hash, language, model, messages, findings, created_at = row
    try:
        sent = json.loads(messages)
        if not isinstance(sent, list) or not all(
            isinstance(m, dict) and all(isinstance(v, str) for v in m.values()) for m in sent
        ):
            raise ValueError("the messages are not a list of text fields")
        given = tuple(findings_from_json(json.loads(findings)))
    except (ValueError, TypeError, RecursionError) as error:
        log.warning("Skipping a damaged review record of %s (%s).", function, error)
        return None
    return ReviewRecord(
        key_path, function, function_hash, language, model, tuple(sent), given, created_at
    )
