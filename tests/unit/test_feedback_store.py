"""Unit tests for the feedback store (siyada.feedback.store)."""

from __future__ import annotations

import logging
import multiprocessing
import os
import sqlite3
import stat
import sys
from pathlib import Path

import pytest

from siyada.feedback import store as store_module
from siyada.feedback.fingerprint import FindingKey, finding_key
from siyada.feedback.store import (
    FILE_NAME,
    NOT_RECORDED,
    FeedbackEvent,
    FeedbackStore,
    ReviewRecord,
    covers,
    open_feedback,
)
from siyada.review.findings import Finding
from siyada.review.settings import Settings

KEY = finding_key(
    path="src/io.py",
    function="Loader.load",
    function_hash="hash-1",
    category="bug",
    evidence="    f = open(path)",
)
FINDING = Finding(
    category="bug",
    severity="warning",
    title="File handle is never closed",
    explanation="`open` without `with` leaks — «unicode» kept.",
    evidence="    f = open(path)",
    replacement="    with open(path) as f:",
    confidence=0.9,
    start_line=1,
    end_line=1,
)
MESSAGES = (
    {"role": "system", "content": "You review code."},
    {"role": "user", "content": "def load(path):\n    f = open(path)"},
)


def _event(
    kind: store_module.EventKind = "dismissed",
    key: FindingKey = KEY,
    created_at: float = 1_700_000_000.0,
    final_text: str | None = None,
) -> FeedbackEvent:
    return FeedbackEvent(
        kind=kind,
        key=key,
        language="python",
        title="File handle is never closed",
        explanation="`open` without `with` leaks.",
        replacement="    with open(path) as f:",
        final_text=final_text,
        model="qwen2.5-coder:7b",
        created_at=created_at,
    )


def _review(function_hash: str = "hash-1", content: str = "def load") -> ReviewRecord:
    return ReviewRecord(
        key_path="src/io.py",
        function="Loader.load",
        function_hash=function_hash,
        language="python",
        model="qwen2.5-coder:7b",
        messages=(MESSAGES[0], {"role": "user", "content": content}),
        findings=(FINDING,),
        created_at=1_700_000_000.0,
    )


# --- round trips ---------------------------------------------------------------------


def test_events_round_trip_across_reopening(tmp_path: Path) -> None:
    recorded = [
        _event("fix_applied"),
        _event("fix_edited", final_text="    with open(path) as handle:"),
        _event("ignore_comment"),
        _event("changed_by_hand"),
    ]
    with FeedbackStore(tmp_path) as store:
        ids = [store.record(event) for event in recorded]
    assert ids == sorted(ids) and len(set(ids)) == 4 and NOT_RECORDED not in ids
    with FeedbackStore(tmp_path) as reopened:
        stored = list(reopened.events())
    assert [s.id for s in stored] == ids
    assert [s.event for s in stored] == recorded
    assert not any(s.undone for s in stored)
    # Only dismissals are dismissals.
    with FeedbackStore(tmp_path) as reopened:
        assert reopened.dismissals() == []
        assert not reopened.is_dismissed(KEY)


def test_file_and_folder_are_private(tmp_path: Path) -> None:
    folder = tmp_path / "cache"
    with FeedbackStore(folder) as store:
        store.record(_event())
    assert stat.S_IMODE((folder / FILE_NAME).stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_dismiss_list_and_undo(tmp_path: Path) -> None:
    other = finding_key(
        path="src/io.py",
        function="save",
        function_hash="hash-2",
        category="security",
        evidence="os.system(cmd)",
    )
    with FeedbackStore(tmp_path) as store:
        first = store.dismiss(_event("dismissed", created_at=1_700_000_000.0))
        # dismiss records a dismissal whatever kind the event was built with.
        second = store.dismiss(_event("fix_applied", key=other, created_at=1_700_000_100.0))
        dismissals = store.dismissals()
        assert [d.id for d in dismissals] == [second, first]  # newest first
        assert dismissals[1].key == KEY and dismissals[1].title == "File handle is never closed"
        assert dismissals[0].created_at == 1_700_000_100.0
        assert store.is_dismissed(KEY) and store.is_dismissed(other)

        assert store.undo(first)
        assert not store.undo(first)  # already undone
        assert not store.undo(9_999)  # no such ID
        assert not store.is_dismissed(KEY)
        assert [d.id for d in store.dismissals()] == [second]
    with FeedbackStore(tmp_path) as reopened:
        events = {s.id: s for s in reopened.events()}
        assert events[first].undone and not events[second].undone
        assert events[second].event.kind == "dismissed"


def test_undo_refuses_an_event_that_is_not_a_dismissal(tmp_path: Path) -> None:
    with FeedbackStore(tmp_path) as store:
        applied = store.record(_event("fix_applied"))
        assert not store.undo(applied)
        assert not next(store.events()).undone


def test_a_dismissal_covers_the_finding_after_an_edit_elsewhere(tmp_path: Path) -> None:
    edited = FindingKey(KEY.path, KEY.function, "hash-after-edit", KEY.category, KEY.evidence)
    moved_category = FindingKey(KEY.path, KEY.function, "hash-1", "security", KEY.evidence)
    with FeedbackStore(tmp_path) as store:
        store.dismiss(_event())
        assert store.is_dismissed(edited)
        assert not store.is_dismissed(moved_category)
        dismissals = store.dismissals()
    assert covers(dismissals, edited)
    assert not covers(dismissals, moved_category)
    assert not covers([], KEY)


def test_reviews_round_trip_and_are_upserted(tmp_path: Path) -> None:
    with FeedbackStore(tmp_path) as store:
        store.record_review(_review())
        store.record_review(_review(content="def load"))  # the same prompt again: replaced
        store.record_review(_review(content="def load, with file context"))
        store.record_review(_review(function_hash="hash-2"))
    with FeedbackStore(tmp_path) as reopened:
        reviews = list(reopened.reviews())
    assert len(reviews) == 3
    assert reviews[0] == _review()
    assert reviews[0].messages == (MESSAGES[0], {"role": "user", "content": "def load"})
    assert reviews[0].findings == (FINDING,)
    assert {r.function_hash for r in reviews} == {"hash-1", "hash-2"}


def test_a_damaged_review_row_is_skipped_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with FeedbackStore(tmp_path) as store:
        store.record_review(_review())
        store.record_review(_review(function_hash="hash-2"))
    with sqlite3.connect(tmp_path / FILE_NAME) as raw:
        raw.execute(
            "UPDATE reviews SET findings = '[{\"nope\": 1}]' WHERE function_hash = ?", ("hash-2",)
        )
    with caplog.at_level(logging.WARNING), FeedbackStore(tmp_path) as store:
        assert [r.function_hash for r in store.reviews()] == ["hash-1"]
    assert "damaged review record" in caplog.text


def test_open_feedback_uses_the_cache_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with open_feedback(Settings(cache_dir=str(tmp_path / "chosen"))) as store:
        assert store.path == tmp_path / "chosen" / FILE_NAME
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    if sys.platform not in ("win32", "darwin"):
        with open_feedback(Settings()) as store:
            assert store.path == tmp_path / "xdg" / "siyada" / FILE_NAME
        assert (tmp_path / "xdg" / "siyada" / FILE_NAME).is_file()


def test_closed_store_is_a_no_op(tmp_path: Path) -> None:
    store = FeedbackStore(tmp_path)
    store.close()
    assert store.record(_event()) == NOT_RECORDED
    assert store.dismissals() == [] and list(store.events()) == []
    assert not store.undo(1)
    store.record_review(_review())
    assert list(store.reviews()) == []
    store.close()


# --- several processes ---------------------------------------------------------------


def _dismisser(folder: str, worker: int, count: int, start: object) -> None:
    start.wait()  # type: ignore[attr-defined]
    with FeedbackStore(Path(folder)) as store:
        for n in range(count):
            key = FindingKey("a.py", f"f{worker}", f"h{n}", "bug", f"line {n}")
            if store.dismiss(_event(key=key)) == NOT_RECORDED:
                raise SystemExit(3)
            store.record_review(_review(function_hash=f"w{worker}-{n}"))
            store.dismissals()  # read what the others are writing: never raises


def test_two_processes_write_at_once_and_see_each_others_dismissals(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    workers, count = 2, 100
    start = context.Barrier(workers)
    processes = [
        context.Process(target=_dismisser, args=(str(tmp_path), worker, count, start))
        for worker in range(workers)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [process.exitcode for process in processes] == [0] * workers
    with FeedbackStore(tmp_path) as store:
        dismissals = store.dismissals()
        assert len(dismissals) == workers * count
        assert len({d.id for d in dismissals}) == workers * count
        assert store.is_dismissed(FindingKey("a.py", "f1", "h99", "bug", "line 99"))
        assert len(list(store.reviews())) == workers * count


def test_a_dismissal_in_one_store_is_seen_by_another_open_one(tmp_path: Path) -> None:
    # The editor and `siyada check` each open the file: no caching hides new rows.
    with FeedbackStore(tmp_path) as editor, FeedbackStore(tmp_path) as check:
        assert not check.is_dismissed(KEY)
        dismissal = editor.dismiss(_event())
        assert check.is_dismissed(KEY)
        assert check.undo(dismissal)
        assert not editor.is_dismissed(KEY)


# --- damage and unusable folders -----------------------------------------------------


def _aside(folder: Path) -> list[Path]:
    found = folder.glob(f"{FILE_NAME}.corrupt-*")
    return sorted(path for path in found if not path.name.endswith(("-wal", "-shm")))


def test_a_damaged_file_is_set_aside_and_rebuilt_with_a_logged_problem(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    garbage = os.urandom(64) + b"this is not a database" * 500
    (tmp_path / FILE_NAME).write_bytes(garbage)
    with caplog.at_level(logging.WARNING), FeedbackStore(tmp_path) as store:
        assert store.problem is None
        assert store.set_aside_as is not None
        assert store.dismissals() == []
        dismissal = store.dismiss(_event())
        assert dismissal != NOT_RECORDED and store.is_dismissed(KEY)
    assert "feedback store" in caplog.text and "damaged" in caplog.text
    aside = _aside(tmp_path)
    assert len(aside) == 1 and aside[0].read_bytes() == garbage
    assert store.set_aside_as == aside[0]
    with FeedbackStore(tmp_path) as reopened:
        assert reopened.set_aside_as is None
        assert [d.id for d in reopened.dismissals()] == [dismissal]


def test_damage_found_while_reading_is_set_aside_and_the_read_retried(tmp_path: Path) -> None:
    with FeedbackStore(tmp_path) as store:
        for n in range(300):
            store.record_review(_review(function_hash=f"h{n}", content="x" * 500))
    with sqlite3.connect(tmp_path / FILE_NAME) as raw:
        root = raw.execute("SELECT rootpage FROM sqlite_master WHERE name = 'reviews'").fetchone()
        page_size = raw.execute("PRAGMA page_size").fetchone()[0]
    path = tmp_path / FILE_NAME
    data = bytearray(path.read_bytes())
    start = (root[0] - 1) * page_size
    data[start : start + page_size] = b"\xa5" * page_size  # the reviews table's root page
    path.write_bytes(bytes(data))
    with FeedbackStore(tmp_path) as store:
        assert list(store.reviews()) == []  # no exception: set aside, rebuilt, empty
        assert len(_aside(tmp_path)) == 1
        assert store.problem is None
        store.record_review(_review())
        assert list(store.reviews()) == [_review()]


def test_a_busy_database_drops_the_write_without_raising(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from siyada.review import cache_file

    monkeypatch.setattr(cache_file, "_BUSY_TIMEOUT_MS", 10)
    with (
        FeedbackStore(tmp_path) as store,
        sqlite3.connect(tmp_path / FILE_NAME, isolation_level=None) as other,
    ):
        before = store.dismiss(_event())
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        with caplog.at_level(logging.WARNING):
            assert store.record(_event("fix_applied")) == NOT_RECORDED
            assert not store.undo(before)
        assert "busy" in caplog.text
        assert store.is_dismissed(KEY)  # reads still work (WAL)
        other.execute("ROLLBACK")
        assert store.undo(before)
        assert store.problem is None


def test_an_unusable_folder_degrades_without_raising(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with FeedbackStore(blocker / "sub") as store:
        assert store.problem is not None
        assert str(blocker / "sub") in store.problem and "cannot be used" in store.problem
        assert store.record(_event()) == NOT_RECORDED
        assert store.dismiss(_event()) == NOT_RECORDED
        assert store.dismissals() == [] and not store.is_dismissed(KEY)
        assert not store.undo(1)
        store.record_review(_review())
        assert list(store.reviews()) == [] and list(store.events()) == []


def test_a_folder_that_refuses_the_file_degrades_without_raising(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # What a read-only folder does, simulated so it holds for root too.
    def refuse(path: Path) -> object:
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(store_module, "create_private_file", refuse)
    with caplog.at_level(logging.WARNING), FeedbackStore(tmp_path) as store:
        assert store.problem is not None and "Permission denied" in store.problem
        assert store.dismiss(_event()) == NOT_RECORDED
        assert store.dismissals() == []
    assert "Permission denied" in caplog.text
    assert not (tmp_path / FILE_NAME).exists()


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root ignores permissions")
def test_a_read_only_folder_degrades_without_raising(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with FeedbackStore(folder) as store:
            assert store.problem is not None
            assert store.dismiss(_event()) == NOT_RECORDED
            assert store.dismissals() == []
    finally:
        folder.chmod(0o700)


def test_a_file_of_another_schema_version_is_rebuilt(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / FILE_NAME) as raw:
        raw.execute("CREATE TABLE events (whatever TEXT)")
        raw.execute("PRAGMA user_version = 99")
    with FeedbackStore(tmp_path) as store:
        assert store.problem is None
        dismissal = store.dismiss(_event())
        assert [d.id for d in store.dismissals()] == [dismissal]


def test_an_event_of_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown feedback kind 'liked'"):
        _event("liked")  # type: ignore[arg-type]


def test_a_stored_event_of_an_unknown_kind_is_skipped_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    with FeedbackStore(tmp_path) as store:
        kept = store.dismiss(_event())
        odd = store.record(_event("fix_applied"))
    with sqlite3.connect(tmp_path / FILE_NAME) as raw:
        raw.execute("UPDATE events SET kind = 'from-the-future' WHERE id = ?", (odd,))
    with caplog.at_level(logging.WARNING), FeedbackStore(tmp_path) as store:
        assert [s.id for s in store.events()] == [kept]
        assert [d.id for d in store.dismissals()] == [kept]
    assert "unknown kind 'from-the-future'" in caplog.text
