"""Load: a burst of edits over many open files costs few model calls, no memory growth,
and ends with exactly the diagnostics of the final text."""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient

from tests.e2e.conftest import (
    finding,
    initialize,
    open_document,
    status_field,
    wait_for_status,
    wait_until,
)
from tests.model_server import OllamaDouble

FILES = 20
FUNCTIONS = 3  # per file
EDITS_PER_FILE = 10  # per round: 20 x 10 = 200 didChange notifications
# A file's edits in the burst are 20 notifications apart. The quiet period must outlast
# the server's handling of those 20, or a review of an intermediate version is correct
# behaviour; on a machine shared with other work that handling alone can take 200 ms.
DEBOUNCE_MS = 1000
RSS_GROWTH_LIMIT_KB = 30 * 1024


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Answers remembered on disk by earlier runs must not stand in for the model."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


# The server as an editor runs it: default log level (no message tracing).
@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[sys.executable, "-m", "siyada", "lsp", "--stdio"])
)
async def quiet_client(lsp_client: LanguageClient) -> Any:
    lsp_client.statuses = []  # type: ignore[attr-defined]

    @lsp_client.feature("siyada/status")
    def _status(params: Any) -> None:
        lsp_client.statuses.append(params)  # type: ignore[attr-defined]

    yield
    await lsp_client.shutdown_session()


def _mark(file: int, function: int, revision: int) -> str:
    return f"    y = x + {revision}  # rev {file}-{function}-{revision}"


def _text(file: int, revisions: list[int]) -> str:
    return "\n\n".join(
        f"def f{file}_{k}(x):\n{_mark(file, k, revisions[k])}\n    return y\n"
        for k in range(FUNCTIONS)
    )


def _mark_line(file: int, function: int, revision: int, text: str) -> int:
    return text.split("\n").index(_mark(file, function, revision))


def _rss_kb(client: LanguageClient) -> int:
    server = client._server
    assert server is not None
    for line in Path(f"/proc/{server.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def _title(diagnostic: types.Diagnostic) -> str:
    return diagnostic.message.split(" \u2014 ", 1)[0]


class _Files:
    """The open files and their current revisions; every revision has a finding."""

    def __init__(self, client: LanguageClient, double: OllamaDouble, folder: Path) -> None:
        self.client, self.double = client, double
        self.revisions = [[0] * FUNCTIONS for _ in range(FILES)]
        self.versions = [1] * FILES
        self.uris: list[str] = []
        self.folder = folder

    def texts(self) -> list[str]:
        return [_text(i, self.revisions[i]) for i in range(FILES)]

    def script(self, file: int, function: int, revision: int) -> None:
        """The double answers each revision with a finding on its marked line."""
        mark = _mark(file, function, revision)
        self.double.add_rule(
            f"# rev {file}-{function}-{revision}\n",
            content={"findings": [finding(mark, title=f"rev {revision}", severity="info")]},
        )

    def open_all(self) -> None:
        for i in range(FILES):
            for k in range(FUNCTIONS):
                self.script(i, k, 0)
        for i, text in enumerate(self.texts()):
            self.uris.append(open_document(self.client, self.folder / f"m{i}.py", text))

    def burst(self, first_revision: int) -> int:
        """200 didChange notifications, round-robin over the files, each editing one
        function (whole-document sync, as many editors send); returns how many."""
        sent = 0
        for j in range(EDITS_PER_FILE):
            for i in range(FILES):
                k = j % FUNCTIONS
                revision = first_revision + j
                self.script(i, k, revision)
                self.revisions[i][k] = revision
                self.versions[i] += 1
                self.client.text_document_did_change(
                    types.DidChangeTextDocumentParams(
                        text_document=types.VersionedTextDocumentIdentifier(
                            uri=self.uris[i], version=self.versions[i]
                        ),
                        content_changes=[
                            types.TextDocumentContentChangeWholeDocument(
                                text=_text(i, self.revisions[i])
                            )
                        ],
                    )
                )
                sent += 1
        return sent

    def shows_final(self, file: int) -> bool:
        """The file's diagnostics are exactly one per function, on its current mark."""
        diagnostics = self.client.diagnostics.get(self.uris[file])
        if diagnostics is None:
            return False
        text = _text(file, self.revisions[file])
        expected = {
            (_mark_line(file, k, rev, text), f"rev {rev}")
            for k, rev in enumerate(self.revisions[file])
        }
        actual = set()
        for d in diagnostics:
            line = text.split("\n")[d.range.start.line]
            indentation = len(line) - len(line.lstrip())
            if d.range.start.line != d.range.end.line or d.range.start.character != indentation:
                return False
            if d.range.end.character != len(line) or d.data["version"] != self.versions[file]:
                return False
            actual.add((d.range.start.line, _title(d)))
        return len(diagnostics) == FUNCTIONS and actual == expected

    async def settle(self) -> None:
        await wait_until(
            self.client,
            types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
            lambda: all(self.shows_final(i) for i in range(FILES)),
            timeout=60,
        )
        await wait_for_status(self.client, lambda s: status_field(s, "pending") == 0, since=-1)


async def test_burst_of_edits_over_many_files(
    quiet_client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    client = quiet_client
    await initialize(client, endpoint=double.url, debounceMs=DEBOUNCE_MS)
    files = _Files(client, double, tmp_path)
    files.open_all()
    await files.settle()
    assert len(double.chat_requests) == FILES * FUNCTIONS

    # Warm-up round: the same burst once, so caches and buffers reach their size.
    files.burst(first_revision=1)
    await files.settle()
    rss_before = _rss_kb(client)
    before = len(double.chat_requests)

    started = time.monotonic()
    sent = files.burst(first_revision=100)
    await files.settle()
    elapsed = time.monotonic() - started
    rss_after = _rss_kb(client)
    reviewed = [b["messages"][-1]["content"] for b in double.chat_requests[before:]]
    finals = {_mark(i, k, rev) for i in range(FILES) for k, rev in enumerate(files.revisions[i])}
    intermediate = sum(not any(mark in text for mark in finals) for text in reviewed)

    report = (
        f"{sent} didChange over {FILES} files -> {len(reviewed)} chat requests "
        f"({intermediate} for intermediate versions); RSS {rss_before} kB -> {rss_after} kB "
        f"({rss_after - rss_before:+d} kB); {elapsed:.2f} s to final diagnostics"
    )
    print(report)
    # Each function changed in the burst is reviewed at most once: only the versions
    # current when a file's debounce fired, never every keystroke.
    assert len(reviewed) <= FILES * FUNCTIONS, report
    assert len(reviewed) < sent / 3, report
    assert len(set(reviewed)) == len(reviewed), "a function version was reviewed twice"
    assert rss_after - rss_before < RSS_GROWTH_LIMIT_KB, report
