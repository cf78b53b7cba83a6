"""Dismissed findings from the command line: `siyada check` hides them, `siyada feedback`
lists them and brings them back. Real processes against the Ollama double; the
dismissal is made through the store's API, as the language server makes it."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from siyada.feedback.fingerprint import finding_key
from siyada.feedback.store import FILE_NAME, FeedbackEvent, FeedbackStore
from tests.e2e.conftest import MODEL, finding, run_siyada
from tests.model_server import OllamaDouble

LOAD = "def load(path):\n    f = open(path)\n    return f.read()\n"
# The same function after an edit on another line: its hash changes.
LOAD_EDITED = (
    "def load(path):\n    f = open(path)\n    print('reading', path)\n    return f.read()\n"
)
EVIDENCE = "    f = open(path)"
TITLE = "File handle is never closed"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "io.py").write_text(LOAD)
    return tmp_path


@pytest.fixture
def double() -> Iterator[OllamaDouble]:
    with OllamaDouble(models=[MODEL]) as running:
        # After the edit the model reports the dismissed finding again, and a new one.
        running.add_rule(
            "print('reading'",
            content={
                "findings": [
                    finding(EVIDENCE),
                    finding(
                        "    print('reading', path)",
                        title="Debug print left in",
                        category="maintainability",
                    ),
                ]
            },
        )
        running.add_rule("def load", content={"findings": [finding(EVIDENCE)]})
        yield running


def _check(project: Path, double: OllamaDouble, *options: str) -> subprocess.CompletedProcess[str]:
    return run_siyada("check", str(project), "--endpoint", double.url, *options)


def _dismiss_the_reviewed_finding(cache: Path) -> int:
    """Dismiss the finding of the model's answer the engine recorded, keyed as the
    language server keys it (path in the work tree, function, its hash)."""
    with FeedbackStore(cache) as store:
        (review,) = store.reviews()
        (found,) = review.findings
        key = finding_key(
            path=review.key_path,
            function=review.function,
            function_hash=review.function_hash,
            category=found.category,
            evidence=found.evidence,
        )
        event = FeedbackEvent(
            "dismissed",
            key,
            review.language,
            found.title,
            found.explanation,
            found.replacement,
            None,
            review.model,
        )
        return store.dismiss(event)


def test_a_dismissed_finding_stays_hidden_until_undone(
    project: Path, double: OllamaDouble, isolated_cache: Path
) -> None:
    shown = _check(project, double, "--format", "json")
    assert shown.returncode == 1, shown.stderr
    assert [f["title"] for f in json.loads(shown.stdout)] == [TITLE]
    assert "dismissed" not in shown.stderr

    dismissal = _dismiss_the_reviewed_finding(isolated_cache)
    assert dismissal >= 1

    hidden = _check(project, double)
    assert hidden.returncode == 0, hidden.stderr
    assert hidden.stdout == ""
    assert "(1 cached)" in hidden.stderr
    assert "1 dismissed finding hidden (siyada feedback list)" in hidden.stderr
    as_json = _check(project, double, "--format", "json")
    assert as_json.returncode == 0 and json.loads(as_json.stdout) == []
    sarif = _check(project, double, "--format", "sarif")
    assert sarif.returncode == 0
    assert json.loads(sarif.stdout)["runs"][0]["results"] == []

    # An edit elsewhere in the function: asked again, the same finding stays hidden;
    # the new one is shown.
    (project / "pkg" / "io.py").write_text(LOAD_EDITED)
    edited = _check(project, double, "--format", "json")
    assert edited.returncode == 1, edited.stderr
    assert [f["title"] for f in json.loads(edited.stdout)] == ["Debug print left in"]
    assert "1 dismissed finding hidden" in edited.stderr
    assert len(double.chat_requests) == 2

    listed = run_siyada("feedback", "list")
    assert listed.returncode == 0, listed.stderr
    (line,) = listed.stdout.splitlines()
    assert line.split("\t")[:5] == [str(dismissal), "pkg/io.py", "load", "bug", TITLE]
    assert "1 dismissed finding." in listed.stderr
    (entry,) = json.loads(run_siyada("feedback", "list", "--format", "json").stdout)
    assert entry["id"] == dismissal and entry["path"] == "pkg/io.py"
    assert (entry["function"], entry["category"], entry["title"]) == ("load", "bug", TITLE)
    assert entry["evidence"] == "f = open(path)" and entry["createdAt"].endswith("Z")

    undone = run_siyada("feedback", "undo", str(dismissal))
    assert undone.returncode == 0, undone.stderr
    assert f"Dismissal {dismissal} undone" in undone.stdout
    back = _check(project, double, "--format", "json")
    assert back.returncode == 1
    assert sorted(f["title"] for f in json.loads(back.stdout)) == ["Debug print left in", TITLE]
    assert "dismissed" not in back.stderr
    assert run_siyada("feedback", "list").stdout == ""


def test_undo_of_an_unknown_or_malformed_id_is_a_clear_error(isolated_cache: Path) -> None:
    unknown = run_siyada("feedback", "undo", "42")
    assert unknown.returncode == 1
    assert "no dismissed finding has ID 42" in unknown.stderr
    assert "siyada feedback list" in unknown.stderr

    for malformed in ("abc", "0", "-3", "1.5"):
        result = run_siyada("feedback", "undo", malformed)
        assert result.returncode == 2, malformed
        assert "is not a dismissal ID" in result.stderr, result.stderr
    assert run_siyada("feedback", "undo").returncode == 2


def test_a_damaged_store_is_reported_set_aside_and_check_still_reviews(
    project: Path, double: OllamaDouble, isolated_cache: Path
) -> None:
    isolated_cache.mkdir(parents=True)
    garbage = b"not a database " * 400
    (isolated_cache / FILE_NAME).write_bytes(garbage)

    listed = run_siyada("feedback", "list")
    assert listed.returncode == 2
    assert "damaged" in listed.stderr and "set aside" in listed.stderr
    (aside,) = isolated_cache.glob(f"{FILE_NAME}.corrupt-*")
    assert aside.read_bytes() == garbage
    assert run_siyada("feedback", "list").returncode == 0  # a new, empty store

    (isolated_cache / FILE_NAME).write_bytes(garbage)
    checked = _check(project, double)
    assert checked.returncode == 1, checked.stderr
    assert TITLE in checked.stdout
    assert "feedback store" in checked.stderr and "damaged" in checked.stderr


def test_an_unusable_cache_folder_is_reported_and_check_still_reviews(
    project: Path, double: OllamaDouble, isolated_cache: Path
) -> None:
    isolated_cache.parent.mkdir(parents=True, exist_ok=True)
    isolated_cache.write_text("a file where the folder should be")

    listed = run_siyada("feedback", "list")
    assert listed.returncode == 2
    assert "feedback store" in listed.stderr and "cannot be used" in listed.stderr
    undo = run_siyada("feedback", "undo", "1")
    assert undo.returncode == 2 and "cannot be used" in undo.stderr

    checked = _check(project, double)
    assert checked.returncode == 1 and TITLE in checked.stdout
    assert "feedback store" in checked.stderr
