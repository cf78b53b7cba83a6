"""Every way the model server can fail, one test each, end to end.

For each failure: the language server does not crash (it still answers requests), never
shows a finding from a broken or cut-off answer, tells the user at most once per kind of
failure, retries where a retry can help, and recovers by itself once Ollama is back.
"""

from __future__ import annotations

import asyncio
import json
import socket
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.conftest import (
    MODEL,
    WAIT,
    change_document,
    finding,
    initialize,
    open_document,
    status_field,
    wait_for_diagnostics,
    wait_for_message,
    wait_for_status,
)
from tests.model_server import OllamaDouble

SOURCE = "def a(x):\n    return x / 0\n\n\ndef b(y):\n    return y * 2\n"
GOOD_TITLE = "Division by zero"
GOOD = {"findings": [finding("    return x / 0", title=GOOD_TITLE)]}
# A finding that must never be shown: it only exists in answers that broke off. The
# answer is built so that its first half holds this finding as a complete JSON object,
# so a client that parsed whatever arrived would show it.
BROKEN_TITLE = "Finding from a broken answer"
BROKEN = {
    "findings": [
        finding("    return x / 0", title=BROKEN_TITLE),
        finding("    return x / 0", title="Padding " + "p" * 900),
    ]
}
STATES = {
    "starting",
    "loading",
    "ready",
    "reviewing",
    "unreachable",
    "modelMissing",
    "refused",
    "error",
}


@pytest.fixture(autouse=True)
def _private_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Answers remembered on disk by earlier runs must not stand in for the model."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))


class _History(dict[str, Sequence[types.Diagnostic]]):
    """`client.diagnostics`, keeping every publication (pytest-lsp keeps only the last)."""

    def __init__(self) -> None:
        super().__init__()
        self.published: list[tuple[str, list[types.Diagnostic]]] = []

    def __setitem__(self, uri: str, diagnostics: Sequence[types.Diagnostic]) -> None:
        self.published.append((uri, list(diagnostics)))
        super().__setitem__(uri, diagnostics)

    def titles(self) -> Iterator[str]:
        for _, diagnostics in self.published:
            for diagnostic in diagnostics:
                yield diagnostic.message.split(" \u2014 ", 1)[0]


def _keep_history(client: LanguageClient) -> _History:
    history = _History()
    client.diagnostics = history
    return history


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _reviewed(double: OllamaDouble, name: str) -> int:
    """How many chat requests the double received for function `name`."""
    return sum(
        f"def {name}(" in body["messages"][-1]["content"] for body in list(double.chat_requests)
    )


def _told(client: LanguageClient, text: str) -> int:
    return sum(text in m.message for m in client.messages)


def _save(client: LanguageClient, uri: str) -> None:
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )


async def _assert_still_answers(client: LanguageClient, uri: str) -> None:
    """No crash: the process runs and answers a command and a code action request."""
    server = client._server
    assert server is not None and server.returncode is None
    status = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="siyada.status", arguments=[])
    )
    assert status_field(status, "state") in STATES
    here = types.Range(
        start=types.Position(line=0, character=0), end=types.Position(line=0, character=0)
    )
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=here,
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    assert not actions


async def _idle(client: LanguageClient) -> None:
    await wait_for_status(client, lambda s: status_field(s, "pending") == 0, since=-1)


async def _round(client: LanguageClient, since: int) -> None:
    """Wait until reviews started after status number `since` have all ended."""
    await wait_for_status(client, lambda s: status_field(s, "pending") > 0, since=since)
    await _idle(client)


def _status_count(client: LanguageClient) -> int:
    return len(client.statuses)  # type: ignore[attr-defined]


def _good_only(diagnostics: Sequence[types.Diagnostic]) -> bool:
    return [d.message.split(" \u2014 ", 1)[0] for d in diagnostics] == [GOOD_TITLE]


# ----- the model server is not there -------------------------------------------------


async def test_not_running_is_told_once_and_the_next_save_recovers(
    client: LanguageClient, tmp_path: Path
) -> None:
    port = _free_port()
    endpoint = f"http://127.0.0.1:{port}"
    await initialize(client, endpoint=endpoint, debounceMs=0)
    uri = open_document(client, tmp_path / "a.py", SOURCE)

    message = await wait_for_message(client, lambda m: "not reachable" in m)
    assert endpoint in message and "ollama serve" in message
    await wait_for_status(client, lambda s: status_field(s, "state") == "unreachable")
    await _idle(client)
    since = _status_count(client)
    change_document(client, uri, 2, SOURCE + "\n# still down\n")
    _save(client, uri)
    await _round(client, since)
    await _assert_still_answers(client, uri)

    with OllamaDouble(models=[MODEL], port=port) as double:
        double.add_rule("def a", content=GOOD)
        _save(client, uri)
        await wait_for_diagnostics(client, uri, _good_only)
        await wait_for_status(client, lambda s: status_field(s, "state") == "ready", since=-1)
    assert _told(client, "not reachable") == 1
    await _assert_still_answers(client, uri)


async def test_model_not_pulled_is_told_once_not_retried_and_recovers(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.set_models([])
    await initialize(client, endpoint=double.url)
    since = _status_count(client)
    uri = open_document(client, tmp_path / "a.py", SOURCE)

    message = await wait_for_message(client, lambda m: f"ollama pull {MODEL}" in m)
    assert double.url in message
    await wait_for_status(client, lambda s: status_field(s, "state") == "modelMissing")
    await _round(client, since)
    # Asking again cannot make the model appear: at most one request per function.
    assert _reviewed(double, "a") <= 1 and _reviewed(double, "b") <= 1
    assert list(client.diagnostics.get(uri, ())) == []
    await _assert_still_answers(client, uri)

    double.set_models([MODEL])
    double.add_rule("def a", content=GOOD)
    _save(client, uri)
    await wait_for_diagnostics(client, uri, _good_only)
    await _idle(client)
    assert _told(client, "ollama pull") == 1


# ----- failures a retry can fix ----------------------------------------------------------


@pytest.mark.parametrize(
    "failure",
    [
        pytest.param({"status": 500}, id="runner-crash-500"),
        pytest.param({"status": 503}, id="queue-full-503"),
        pytest.param({"error_mid_stream": True, "content": BROKEN}, id="error-line-mid-stream"),
        pytest.param({"drop_mid_stream": True, "content": BROKEN}, id="connection-dropped"),
    ],
)
async def test_transient_failure_is_retried_and_the_retry_is_shown(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path, failure: dict[str, Any]
) -> None:
    history = _keep_history(client)
    double.add_rule("def a", times=1, **failure)
    double.add_rule("def a", content=GOOD)
    await initialize(client, endpoint=double.url)
    uri = open_document(client, tmp_path / "a.py", SOURCE)

    await wait_for_diagnostics(client, uri, _good_only)

    assert _reviewed(double, "a") == 2  # the failed request, then the retry
    assert BROKEN_TITLE not in set(history.titles())
    await _idle(client)
    # The retry worked: at most one message, and only one per kind of failure.
    assert len(client.messages) <= 1
    await _assert_still_answers(client, uri)


async def test_persistent_failures_are_told_once_per_kind(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    # `a` always meets a crashed runner, `b` a full queue, reviewed side by side.
    double.add_rule("def a", status=500)
    double.add_rule("def b", status=503)
    await initialize(client, endpoint=double.url, maxConcurrentRequests=2, debounceMs=0)
    uri = open_document(client, tmp_path / "a.py", SOURCE)

    await wait_for_message(client, lambda m: "HTTP 500" in m)
    await wait_for_message(client, lambda m: "busy" in m)
    await _idle(client)
    assert _reviewed(double, "a") == 3 and _reviewed(double, "b") == 3  # 1 + 2 retries
    await _assert_still_answers(client, uri)

    # The same failures again, on the next edit: nothing new to tell.
    change_document(client, uri, 2, SOURCE + "\n# edited\n")
    await double.wait_for_async(lambda: _reviewed(double, "a") == 6 and _reviewed(double, "b") == 6)
    await _idle(client)
    assert _told(client, "HTTP 500") == 1, [m.message for m in client.messages]
    assert _told(client, "busy") == 1, [m.message for m in client.messages]

    # Ollama works again: the next save shows the findings, without a restart.
    double.clear_rules()
    double.add_rule("def a", content=GOOD)
    _save(client, uri)
    await wait_for_diagnostics(client, uri, _good_only)
    await wait_for_status(client, lambda s: status_field(s, "state") == "ready", since=-1)


# ----- failures a retry cannot fix ------------------------------------------------------


async def test_cut_off_answer_shows_nothing_and_is_not_parsed(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    history = _keep_history(client)
    text = json.dumps(BROKEN)
    cut = text[: len(text) * 2 // 3]  # the model hit num_predict in the second finding
    assert BROKEN_TITLE in cut
    double.add_rule("def a", content=cut, done_reason="length")
    double.add_rule("def b", content=GOOD)  # `b` gets a normal (non-matching) answer
    await initialize(client, endpoint=double.url)
    uri = open_document(client, tmp_path / "a.py", SOURCE)

    await double.wait_for_async(lambda: _reviewed(double, "a") >= 1 and _reviewed(double, "b") == 1)
    await _idle(client)

    assert BROKEN_TITLE not in set(history.titles())
    assert list(client.diagnostics.get(uri, ())) == []
    assert len(client.messages) <= 1
    await _assert_still_answers(client, uri)


async def test_very_slow_answer_times_out_once_and_recovers(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    history = _keep_history(client)
    late = {"findings": [finding("    return x / 0", title="Late finding")]}
    double.add_rule("def ", content=late, delay=5.0, times=2)  # both functions are slow
    double.add_rule("def a", content=GOOD)
    await initialize(client, endpoint=double.url, requestTimeoutSec=1, debounceMs=0)
    uri = open_document(client, tmp_path / "a.py", SOURCE)

    message = await wait_for_message(client, lambda m: "did not answer within 1 s" in m)
    assert "requestTimeoutSec" in message
    # Both requests were closed, so Ollama stops generating answers nobody waits for.
    await double.wait_for_async(lambda: double.disconnects >= 2)
    await _idle(client)
    assert _told(client, "did not answer") == 1
    await _assert_still_answers(client, uri)

    # The model is fast again: the next edit reviews what timed out.
    change_document(client, uri, 2, SOURCE + "\n# edited\n")
    await wait_for_diagnostics(client, uri, _good_only)
    await _idle(client)
    assert "Late finding" not in set(history.titles())
    assert _told(client, "did not answer") == 1


async def test_ollama_restarted_mid_review_recovers_without_user_action(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    history = _keep_history(client)
    old = {"findings": [finding("    return x / 0", title="Answer from before the restart")]}
    double.add_rule("def a", content=old, hold=True, times=1)
    double.add_rule("def a", content=GOOD)
    await initialize(client, endpoint=double.url, debounceMs=0)
    uri = open_document(client, tmp_path / "a.py", SOURCE)
    await double.wait_for_async(lambda: double.held == 1)

    # Ollama is killed while it generates, and comes back on the same port.
    await asyncio.to_thread(double.stop)
    await asyncio.to_thread(double.start)

    await wait_for_diagnostics(client, uri, _good_only)
    assert _reviewed(double, "a") == 2
    assert "Answer from before the restart" not in set(history.titles())
    await _idle(client)
    assert len(client.messages) <= 1
    await _assert_still_answers(client, uri)


async def test_ollama_down_for_longer_than_the_retries_recovers_on_next_edit(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    double.add_rule("def a", hold=True, times=1)
    double.add_rule("def a", content=GOOD)
    await initialize(client, endpoint=double.url, debounceMs=0)
    uri = open_document(client, tmp_path / "a.py", SOURCE)
    await double.wait_for_async(lambda: double.held == 1)

    await asyncio.to_thread(double.stop)
    # The retries find nobody listening: the user is told once, nothing is shown.
    await wait_for_message(client, lambda m: "not reachable" in m)
    await wait_for_status(client, lambda s: status_field(s, "state") == "unreachable")
    await _idle(client)
    await _assert_still_answers(client, uri)

    await asyncio.to_thread(double.start)
    change_document(client, uri, 2, SOURCE + "\n# edited\n")
    await wait_for_diagnostics(client, uri, _good_only)
    await wait_for_status(client, lambda s: status_field(s, "state") == "ready", since=-1)
    assert _told(client, "not reachable") == 1


# ----- leaving while a review is under way ------------------------------------------------


@pytest.mark.parametrize(
    "rule",
    [
        pytest.param({"hold": True}, id="answer-being-generated"),
        pytest.param({"status": 503}, id="waiting-to-retry"),
    ],
)
async def test_exit_during_a_review_is_prompt_and_clean(
    client: LanguageClient,
    double: OllamaDouble,
    tmp_path: Path,
    capfd: pytest.CaptureFixture[str],
    rule: dict[str, Any],
) -> None:
    double.add_rule("def a", **rule)
    await initialize(client, endpoint=double.url, debounceMs=0)
    open_document(client, tmp_path / "a.py", SOURCE)
    await double.wait_for_async(lambda: _reviewed(double, "a") == 1)
    await wait_for_status(client, lambda s: status_field(s, "pending") > 0)
    capfd.readouterr()

    started = time.monotonic()
    await client.shutdown_session()
    elapsed = time.monotonic() - started
    server = client._server
    assert server is not None
    forwarder = client._stderr_forwarder
    if forwarder is not None:
        await asyncio.wait_for(forwarder, WAIT)
    client.capabilities = None  # the fixture's own shutdown has nothing left to do
    stderr = capfd.readouterr().err

    problems = []
    if server.returncode != 0:
        problems.append(f"exit code {server.returncode}")
    if elapsed >= 1.0:
        problems.append(f"exit took {elapsed:.1f} s")
    if (first := stderr.find("Traceback")) != -1:
        errors = stderr.count("I/O operation on closed file")
        problems.append(
            f"{errors} writes to the closed stdout; the first traceback:\n"
            + stderr[max(0, first - 1500) : first + 2500]
        )
    assert not problems, "\n".join(problems)
