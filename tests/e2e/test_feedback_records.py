"""The language server keeps each answer of the model in the feedback store beside the
answer cache, the store `siyada check` reads its dismissals from."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from pytest_lsp import LanguageClient

from siyada.feedback.fingerprint import finding_key
from siyada.feedback.store import FeedbackEvent, FeedbackStore
from tests.e2e.conftest import (
    finding,
    initialize,
    open_document,
    run_siyada,
    wait_for_diagnostics,
    wait_for_idle,
)
from tests.model_server import OllamaDouble

SOURCE = "def load(path):\n    f = open(path)\n    return f.read()\n"
EVIDENCE = "    f = open(path)"


def _project(tmp_path: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "pkg").mkdir()
    source = tmp_path / "pkg" / "io.py"
    source.write_text(SOURCE)
    return source


async def test_the_server_records_answers_and_check_honours_a_dismissal_of_one(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path, isolated_cache: Path
) -> None:
    double.add_rule("def load", content={"findings": [finding(EVIDENCE)]})
    source = _project(tmp_path)
    await initialize(client, endpoint=double.url)
    uri = open_document(client, source, SOURCE)
    await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)
    await wait_for_idle(client)

    with FeedbackStore(isolated_cache) as store:
        (review,) = store.reviews()
        assert (review.key_path, review.function, review.language) == (
            "pkg/io.py",
            "load",
            "python",
        )
        (request,) = double.chat_requests
        assert list(review.messages) == request["messages"]
        (found,) = review.findings
        key = finding_key(
            path=review.key_path,
            function=review.function,
            function_hash=review.function_hash,
            category=found.category,
            evidence=found.evidence,
        )
        store.dismiss(
            FeedbackEvent(
                "dismissed", key, "python", found.title, found.explanation, None, None, review.model
            )
        )

    # The same file in `siyada check`: the answer comes from the shared cache, and the
    # dismissal from the shared store.
    checked = run_siyada(
        "check", str(source), "--endpoint", double.url, "--format", "json", cwd=tmp_path
    )
    assert checked.returncode == 0, checked.stderr
    assert json.loads(checked.stdout) == []
    assert "(1 cached)" in checked.stderr and "1 dismissed finding hidden" in checked.stderr
    assert len(double.chat_requests) == 1


async def test_the_store_follows_the_cache_dir_setting(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path, isolated_cache: Path
) -> None:
    double.add_rule("def load", content={"findings": []})
    chosen = tmp_path / "chosen-cache"
    source = _project(tmp_path / "project")
    await initialize(client, endpoint=double.url, cacheDir=str(chosen))
    uri = open_document(client, source, SOURCE)
    await wait_for_diagnostics(client, uri, lambda d: len(d) == 0)
    await double.wait_for_async(lambda: len(double.chat_requests) == 1)
    await wait_for_idle(client)

    with FeedbackStore(chosen) as store:
        (review,) = store.reviews()
        assert review.key_path == "pkg/io.py" and review.findings == ()
    assert not (isolated_cache / "feedback.sqlite3").exists()
