"""Unit tests for the on-disk cache of model answers."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import stat
import sys
import threading
from pathlib import Path
from typing import Any

import pytest

from siyada.review import cache_file
from siyada.review.answer_digest import answer_digest
from siyada.review.cache import FILE_NAME, DiskCache
from siyada.review.cache_file import SCHEMA_VERSION
from siyada.review.findings import Finding

FINDINGS = (
    Finding(
        category="bug",
        severity="error",
        title="Division by zero",
        explanation="`y / 0` always raises.",
        evidence="    return y / 0",
        replacement="    return y",
        confidence=0.9,
        start_line=1,
        end_line=1,
    ),
    Finding(
        category="security",
        severity="warning",
        title="eval of input",
        explanation="Runs arbitrary code — «unicode» kept.",
        evidence="    return eval(x)",
        replacement=None,
        confidence=1.0,
        start_line=0,
        end_line=2,
    ),
)

ANSWER_PARTS: dict[str, Any] = {
    "function_hash": "abc123",
    "model": "qwen2.5-coder:7b",
    "prompt_version": "1",
    "language": "python",
    "extra": {"num_ctx": 8192, "think": False},
}


class FakeClock:
    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def _raw(folder: Path) -> sqlite3.Connection:
    return sqlite3.connect(folder / FILE_NAME, isolation_level=None)


def _entries(folder: Path) -> int:
    """How many answers the file in `folder` holds, read by another connection."""
    with _raw(folder) as raw:
        return int(raw.execute("SELECT count(*) FROM answers").fetchone()[0])


# --- storing and reading -----------------------------------------------------------


def test_hit_after_reopen(tmp_path: Path) -> None:
    digest = answer_digest(**ANSWER_PARTS)
    with DiskCache(tmp_path) as cache:
        assert cache.problem is None
        assert cache.get(digest) is None
        cache.put(digest, FINDINGS)
        assert cache.get(digest) == FINDINGS
    with DiskCache(tmp_path) as reopened:
        assert reopened.get(digest) == FINDINGS
        assert reopened.get(answer_digest(**{**ANSWER_PARTS, "model": "other"})) is None


def test_an_answer_without_findings_is_a_hit_not_a_miss(tmp_path: Path) -> None:
    with DiskCache(tmp_path) as cache:
        cache.put("k", ())
    with DiskCache(tmp_path) as cache:
        assert cache.get("k") == ()


def test_put_replaces_the_previous_answer(tmp_path: Path) -> None:
    with DiskCache(tmp_path) as cache:
        cache.put("k", FINDINGS)
        cache.put("k", FINDINGS[:1])
        assert cache.get("k") == FINDINGS[:1]
        assert _entries(tmp_path) == 1


def test_folder_is_created_private(tmp_path: Path) -> None:
    folder = tmp_path / "a" / "b"
    with DiskCache(folder) as cache:
        cache.put("k", FINDINGS)
    assert folder.is_dir()
    if os.name == "posix":
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700
        assert stat.S_IMODE((folder / FILE_NAME).stat().st_mode) == 0o600


def test_only_findings_are_stored(tmp_path: Path) -> None:
    with DiskCache(tmp_path) as cache:
        cache.put("k", FINDINGS)
    with _raw(tmp_path) as raw:
        columns = [row[1] for row in raw.execute("PRAGMA table_info(answers)")]
    assert columns == ["key", "findings", "last_used"]


def test_closed_cache_is_a_no_op(tmp_path: Path) -> None:
    cache = DiskCache(tmp_path)
    cache.put("k", FINDINGS)
    cache.close()
    cache.close()
    assert cache.get("k") is None
    cache.put("other", FINDINGS)
    with DiskCache(tmp_path) as reopened:
        assert reopened.get("k") == FINDINGS
        assert reopened.get("other") is None


def test_max_entries_must_be_positive(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        DiskCache(tmp_path, max_entries=0)


# --- bounded size ------------------------------------------------------------------


def test_eviction_keeps_the_recently_used(tmp_path: Path) -> None:
    clock = FakeClock()
    with DiskCache(tmp_path, max_entries=10, clock=clock) as cache:
        for n in range(10):
            cache.put(f"k{n}", FINDINGS)
        clock.now += 3600
        assert cache.get("k0") == FINDINGS  # used again: must outlive k1..k9
        for n in range(10, 13):
            cache.put(f"k{n}", FINDINGS)
        entries = _entries(tmp_path)
        assert isinstance(entries, int) and entries <= 10
        assert cache.get("k0") == FINDINGS
        assert cache.get("k12") == FINDINGS
        assert cache.get("k1") is None


def test_recent_use_recorded_by_one_process_protects_it_in_another(tmp_path: Path) -> None:
    clock = FakeClock()
    with DiskCache(tmp_path, max_entries=5, clock=clock) as cache:
        for n in range(5):
            cache.put(f"k{n}", FINDINGS)
    clock.now += 3600
    with DiskCache(tmp_path, max_entries=5, clock=clock) as reader:
        assert reader.get("k0") == FINDINGS  # recorded on close
    with DiskCache(tmp_path, max_entries=5, clock=clock) as writer:
        writer.put("k5", FINDINGS)
        assert writer.get("k0") == FINDINGS
        assert writer.get("k1") is None


def test_reads_do_not_write_each_time(tmp_path: Path) -> None:
    clock = FakeClock()
    with DiskCache(tmp_path, clock=clock) as cache:
        cache.put("k", FINDINGS)
        with _raw(tmp_path) as raw:
            before = raw.execute("SELECT last_used FROM answers").fetchone()[0]
            clock.now += 5  # well under a minute: no need to record the use
            for _ in range(200):
                assert cache.get("k") == FINDINGS
            cache.put("other", ())
            assert raw.execute("SELECT last_used FROM answers WHERE key='k'").fetchone()[0] == (
                before
            )


def test_size_stays_bounded_over_many_puts(tmp_path: Path) -> None:
    with DiskCache(tmp_path, max_entries=100) as cache:
        for n in range(1200):
            cache.put(f"k{n}", ())
            if n % 97 == 0:
                entries = _entries(tmp_path)
                assert isinstance(entries, int) and entries <= 100
        assert cache.get("k1199") == ()


# --- concurrency -------------------------------------------------------------------


def _writer(folder: str, worker: int, count: int, start: Any) -> None:
    start.wait()
    with DiskCache(Path(folder)) as cache:
        assert cache.problem is None
        for n in range(count):
            cache.put(f"w{worker}-{n}", FINDINGS[: n % 3])
            # Read what another worker may be writing right now: never raises.
            cache.get(f"w{(worker + 1) % 4}-{n}")


def test_concurrent_writers_in_several_processes_all_succeed(tmp_path: Path) -> None:
    context = multiprocessing.get_context("spawn")
    workers, count = 4, 300
    start = context.Barrier(workers)
    processes = [
        context.Process(target=_writer, args=(str(tmp_path), worker, count, start))
        for worker in range(workers)
    ]
    for process in processes:
        process.start()
    for process in processes:
        process.join(timeout=120)
    assert [process.exitcode for process in processes] == [0] * workers
    with DiskCache(tmp_path) as cache:
        for worker in range(workers):
            for n in range(count):
                assert cache.get(f"w{worker}-{n}") == FINDINGS[: n % 3], (worker, n)
        assert _entries(tmp_path) == workers * count


def test_threads_sharing_one_cache(tmp_path: Path) -> None:
    errors: list[BaseException] = []
    with DiskCache(tmp_path) as cache:

        def work(thread: int) -> None:
            try:
                for n in range(200):
                    cache.put(f"t{thread}-{n}", FINDINGS)
                    assert cache.get(f"t{thread}-{n}") == FINDINGS
            except BaseException as error:
                errors.append(error)

        threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert _entries(tmp_path) == 800


def test_a_put_while_the_database_stays_locked_is_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(cache_file, "_BUSY_TIMEOUT_MS", 10)
    with DiskCache(tmp_path) as cache, _raw(tmp_path) as other:
        cache.put("before", ())
        other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
        cache.put("during", FINDINGS)  # must not raise
        assert cache.get("before") == ()  # reads still work (WAL)
        other.execute("ROLLBACK")
        assert cache.get("during") is None
        cache.put("after", FINDINGS)
        assert cache.get("after") == FINDINGS
        assert cache.problem is None


# --- damage and unusable folders ---------------------------------------------------


def _aside(folder: Path) -> list[Path]:
    """The damaged files set aside (their -wal and -shm files go with them)."""
    found = folder.glob(f"{FILE_NAME}.corrupt-*")
    return sorted(path for path in found if not path.name.endswith(("-wal", "-shm")))


def test_garbage_file_is_set_aside_and_rebuilt(tmp_path: Path) -> None:
    garbage = os.urandom(64) + b"this is not a database" * 500
    (tmp_path / FILE_NAME).write_bytes(garbage)
    with DiskCache(tmp_path) as cache:
        assert cache.problem is None
        assert cache.get("k") is None
        cache.put("k", FINDINGS)
        assert cache.get("k") == FINDINGS
    aside = _aside(tmp_path)
    assert len(aside) == 1 and aside[0].read_bytes() == garbage
    with DiskCache(tmp_path) as reopened:
        assert reopened.get("k") == FINDINGS


def test_only_the_latest_damaged_file_is_kept(tmp_path: Path) -> None:
    clock = FakeClock()
    for n in range(3):
        (tmp_path / FILE_NAME).write_bytes(f"garbage {n}".encode() * 1000)
        with DiskCache(tmp_path, clock=clock) as cache:
            assert cache.problem is None
        clock.now += 10
    aside = _aside(tmp_path)
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"garbage 2")


def _fill_and_damage(folder: Path, *, table_root_only: bool) -> None:
    with DiskCache(folder) as cache:
        for n in range(400):
            cache.put(f"k{n}", FINDINGS)
    with _raw(folder) as raw:
        root = raw.execute("SELECT rootpage FROM sqlite_master WHERE name = 'answers'").fetchone()
        page_size = raw.execute("PRAGMA page_size").fetchone()[0]
    path = folder / FILE_NAME
    data = bytearray(path.read_bytes())
    assert len(data) > 4 * page_size
    start = (root[0] - 1) * page_size if table_root_only else page_size
    end = start + page_size if table_root_only else len(data)
    data[start:end] = b"\xa5" * (end - start)  # the header and schema page stay intact
    path.write_bytes(bytes(data))


def test_damage_found_while_opening_is_set_aside_and_rebuilt(tmp_path: Path) -> None:
    _fill_and_damage(tmp_path, table_root_only=False)
    with DiskCache(tmp_path) as cache:
        assert cache.problem is None
        assert cache.get("k1") is None
        cache.put("k1", FINDINGS)
        assert cache.get("k1") == FINDINGS
    assert len(_aside(tmp_path)) == 1


def test_damage_found_while_reading_is_set_aside_and_rebuilt(tmp_path: Path) -> None:
    _fill_and_damage(tmp_path, table_root_only=True)
    with DiskCache(tmp_path) as cache:
        assert _aside(tmp_path) == []  # the file opened; the damage is in the table
        assert cache.get("k1") is None  # no exception
        assert len(_aside(tmp_path)) == 1
        assert cache.problem is None
        cache.put("k1", FINDINGS)
        assert cache.get("k1") == FINDINGS
    with DiskCache(tmp_path) as reopened:
        assert reopened.get("k1") == FINDINGS


def test_damage_found_while_writing_is_set_aside_and_rebuilt(tmp_path: Path) -> None:
    _fill_and_damage(tmp_path, table_root_only=True)
    with DiskCache(tmp_path) as cache:
        cache.put("new", FINDINGS)  # no exception; this answer is lost
        assert len(_aside(tmp_path)) == 1
        cache.put("new", FINDINGS)
        assert cache.get("new") == FINDINGS


def test_folder_that_cannot_be_created_disables_the_cache(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    cache = DiskCache(blocker / "sub")
    assert cache.problem is not None
    assert str(blocker / "sub") in cache.problem
    assert "cannot be used" in cache.problem
    assert "not remembered across restarts" in cache.problem
    cache.put("k", FINDINGS)
    assert cache.get("k") is None
    cache.close()


def test_folder_path_that_is_a_file_disables_the_cache(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with DiskCache(blocker) as cache:
        assert cache.problem is not None
        cache.put("k", FINDINGS)
        assert cache.get("k") is None


def test_damaged_file_that_cannot_be_moved_disables_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / FILE_NAME).write_bytes(b"garbage" * 1000)

    def refuse(*args: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(cache_file.os, "replace", refuse)
    with DiskCache(tmp_path) as cache:
        assert cache.problem is not None
        assert "damaged" in cache.problem and "Permission denied" in cache.problem
        cache.put("k", FINDINGS)
        assert cache.get("k") is None
    assert (tmp_path / FILE_NAME).read_bytes() == b"garbage" * 1000


@pytest.mark.skipif(sys.platform == "win32" or os.geteuid() == 0, reason="root ignores permissions")
def test_unwritable_folder_disables_the_cache(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with DiskCache(folder) as cache:
            assert cache.problem is not None
            cache.put("k", FINDINGS)
            assert cache.get("k") is None
    finally:
        folder.chmod(0o700)


def test_schema_version_mismatch_rebuilds(tmp_path: Path) -> None:
    with DiskCache(tmp_path) as cache:
        cache.put("k", FINDINGS)
    with _raw(tmp_path) as raw:
        raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
        raw.execute("CREATE TABLE future (x)")
    with DiskCache(tmp_path) as cache:
        assert cache.problem is None
        assert cache.get("k") is None
        assert _entries(tmp_path) == 0
        cache.put("k", FINDINGS[:1])
        assert cache.get("k") == FINDINGS[:1]
    with _raw(tmp_path) as raw:
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        tables = {row[0] for row in raw.execute("SELECT name FROM sqlite_master")}
        assert "future" not in tables
    assert _aside(tmp_path) == []


@pytest.mark.parametrize(
    "stored",
    [
        "{not json",
        '{"findings": []}',
        '[{"category": "bug"}]',
        '[{"category": "nonsense", "severity": "error", "title": "t", "explanation": "e",'
        ' "evidence": "x", "replacement": null, "confidence": 1, "start_line": 0,'
        ' "end_line": 0}]',
        "[" * 100_000,
    ],
)
def test_damaged_value_is_a_miss_and_deleted(tmp_path: Path, stored: str) -> None:
    with DiskCache(tmp_path) as cache:
        cache.put("k", FINDINGS)
        cache.put("good", FINDINGS)
        with _raw(tmp_path) as raw:
            raw.execute("UPDATE answers SET findings = ? WHERE key = 'k'", (stored,))
        assert cache.get("k") is None
        assert cache.get("good") == FINDINGS
        assert _entries(tmp_path) == 1
        cache.put("k", FINDINGS)
        assert cache.get("k") == FINDINGS
