"""The language server and `siyada check` against a real inference engine: llama.cpp's
llama-server with Gemma 3 270M (tests/llama_server.py), over the OpenAI protocol.

A 270M base model proves the plumbing (a real tokenizer, grammar-constrained decoding,
real timings and failure modes), never the quality of findings: the tests assert what
the user sees of the exchange, not what the model found. They are skipped when the
engine is not built, except in CI (CI=true), where they must run.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.e2e.conftest import (
    initialize,
    open_document,
    record_published,
    status_field,
    wait_for_message,
    wait_for_status,
    wait_until,
)
from tests.llama_server import MODEL_ALIAS, Engine, LlamaServer, built_engine

# A review by the tiny model on two shared cores takes seconds, more under load; these
# bounds are reached only when something is wrong.
REAL_WAIT = 240.0
# Per slot: holds the prompt of a small function and its answer, not a long function.
CTX_SIZE = 2048
SMALL = "def ratio(a, b):\n    return a / b\n"
# llama.cpp rounds this context up to 768 tokens: the prompt about CUT_OFF (608 tokens)
# and ~160 more.
CUT_OFF_CTX_SIZE = 640
CUT_OFF = (
    "def ratio(a, b):\n"
    "    # Divides a by b; b comes from the user and may be zero.\n"
    "    # Callers expect a float, never an exception.\n"
    "    return a / b\n"
)
# Far over CTX_SIZE tokens for the server, yet under Siyada's own estimate of what fits
# (NUM_CTX), so it is the server that refuses it.
LONG = "def total(values):\n" + "    result = values[0] + values[1] * values[2]\n" * 260


@pytest.fixture(scope="module")
def engine() -> Engine:
    return built_engine()


@pytest.fixture(scope="module")
def llama(engine: Engine) -> Iterator[LlamaServer]:
    with LlamaServer(engine, ctx_size=CTX_SIZE) as server:
        yield server


async def start_session(client: LanguageClient, server: LlamaServer) -> None:
    await initialize(
        client,
        provider="openai",
        endpoint=server.url,
        model=MODEL_ALIAS,
        triggers={"onOpen": True, "onSave": True, "onType": False},
    )


def save(client: LanguageClient, uri: str) -> None:
    client.text_document_did_save(
        types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri))
    )


def statuses(client: LanguageClient) -> list[Any]:
    return client.statuses  # type: ignore[attr-defined,no-any-return]


def states(client: LanguageClient, since: int = 0) -> list[str]:
    return [status_field(s, "state") for s in statuses(client)[since:]]


async def wait_for_reviews_done(client: LanguageClient, since: int) -> None:
    """Wait until, after status number `since`, reviews ran and none is pending."""

    def done() -> bool:
        later = statuses(client)[since:]
        started = [i for i, s in enumerate(later) if status_field(s, "state") == "reviewing"]
        return bool(started) and any(
            status_field(s, "pending") == 0 for s in later[started[0] + 1 :]
        )

    await wait_until(client, "siyada/status", done, REAL_WAIT)


async def wait_for_answer(
    client: LanguageClient,
    published: list[types.PublishDiagnosticsParams],
    uri: str,
    count: int,
) -> types.PublishDiagnosticsParams:
    """Wait for the `count`th publishDiagnostics of `uri` (opening a document publishes
    once, each answered review once more) and for no review to be pending after it."""

    def answered() -> bool:
        return len([p for p in published if p.uri == uri]) >= count

    def idle() -> bool:
        return status_field(statuses(client)[-1], "pending") == 0

    await wait_until(client, types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, answered, REAL_WAIT)
    await wait_until(client, "siyada/status", idle, REAL_WAIT)
    return [p for p in published if p.uri == uri][count - 1]


async def current_status(client: LanguageClient) -> Any:
    """The server's status by request: everything it sent before is in by then."""
    return await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="siyada.status", arguments=[])
    )


async def test_case2_real_engine_answers_a_review_opened_in_the_editor(
    client: LanguageClient, llama: LlamaServer, tmp_path: Path
) -> None:
    published = record_published(client)
    await start_session(client, llama)
    uri = open_document(client, tmp_path / "ratio.py", SMALL)
    answer = await wait_for_answer(client, published, uri, 2)
    await wait_for_reviews_done(client, 0)
    status = await current_status(client)

    seen = states(client)
    assert "reviewing" in seen and seen[-1] == "ready", seen
    # An OpenAI-compatible server loads its model itself: never "loading".
    assert seen[0] == "starting" and set(seen) <= {"starting", "ready", "reviewing"}, seen
    assert status["state"] == "ready" and status["message"] == "Ready"
    assert client.messages == [], [m.message for m in client.messages]
    # The review's answer was published for the version reviewed; whatever the tiny
    # model found is a well-formed diagnostic of that version.
    assert answer.version == 1
    for diagnostic in answer.diagnostics:
        assert diagnostic.source == "Siyada" and diagnostic.data["version"] == 1


def test_case1_real_engine_check_with_provider_openai_prints_json(
    llama: LlamaServer, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "ratio.py").write_text(SMALL)
    done = subprocess.run(
        [
            sys.executable,
            *("-m", "siyada", "check", str(project)),
            *("--provider", "openai", "--endpoint", llama.url, "--model", MODEL_ALIAS),
            *("--format", "json"),
        ],
        capture_output=True,
        text=True,
        timeout=REAL_WAIT,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    reported = json.loads(done.stdout)
    assert isinstance(reported, list)
    assert (done.returncode == 1) == bool(reported)
    for entry in reported:
        assert entry["path"].endswith("ratio.py") and entry["function"] == "ratio"
    assert "1 function" in done.stderr, done.stderr


async def test_case2_real_engine_answer_cut_off_shows_nothing_and_one_note(
    client: LanguageClient, engine: Engine, tmp_path: Path
) -> None:
    # The server's context leaves room for ~160 tokens after the prompt, fewer than this
    # model's answer about CUT_OFF (250 tokens at temperature 0 and the fixed seed): the
    # server stops there with finish_reason "length", as a small max_tokens would.
    # (Its --n-predict does not cap a request that gives max_tokens.)
    with LlamaServer(engine, ctx_size=CUT_OFF_CTX_SIZE) as capped:
        published = record_published(client)
        await start_session(client, capped)
        uri = open_document(client, tmp_path / "ratio.py", CUT_OFF)
        note = await wait_for_message(client, lambda m: "cut off" in m, REAL_WAIT)
        await wait_for_reviews_done(client, 0)
        status = await current_status(client)
    assert "ratio" in note and "length limit" in note
    assert [m.message for m in client.messages] == [note]
    assert client.messages[0].type == types.MessageType.Info
    assert [p for p in published if p.uri == uri and p.diagnostics] == []
    assert status["state"] == "ready"


async def test_case4_real_engine_killed_mid_review_is_one_message_then_recovers(
    client: LanguageClient, engine: Engine, tmp_path: Path
) -> None:
    with LlamaServer(engine, ctx_size=CTX_SIZE) as server:
        published = record_published(client)
        await start_session(client, server)
        uri = open_document(client, tmp_path / "ratio.py", SMALL)
        await wait_for_status(client, lambda s: status_field(s, "state") == "reviewing", REAL_WAIT)
        server.stop()
        failed = await wait_for_status(
            client,
            lambda s: status_field(s, "state") not in ("starting", "loading", "ready", "reviewing"),
            REAL_WAIT,
        )
        outage = await wait_for_message(client, lambda m: server.url in m, REAL_WAIT)

        server.start()
        opened = len([p for p in published if p.uri == uri])
        save(client, uri)
        answer = await wait_for_answer(client, published, uri, opened + 1)
        status = await current_status(client)
    assert status_field(failed, "state") in ("unreachable", "error"), failed
    assert [m.message for m in client.messages] == [outage]
    assert client.messages[0].type == types.MessageType.Warning
    assert status["state"] == "ready"
    # Recovered: the save's review answered, published for the document's version.
    assert answer.version == 1


async def test_case4_real_engine_function_over_its_context_is_skipped_with_one_note(
    client: LanguageClient, llama: LlamaServer, tmp_path: Path
) -> None:
    published = record_published(client)
    await start_session(client, llama)
    refused_before = len(_refusals(llama))
    uri = open_document(client, tmp_path / "total.py", LONG)
    note = await wait_for_message(client, lambda m: "context window" in m, REAL_WAIT)
    await wait_for_reviews_done(client, 0)

    # Saving it again asks nothing: a review of another file, started after the save,
    # comes back with no second refusal in the server's log.
    save(client, uri)
    other = open_document(client, tmp_path / "ratio.py", SMALL)
    answer = await wait_for_answer(client, published, other, 2)
    status = await current_status(client)

    assert "total" in note and "--ctx-size" in note
    assert [m.message for m in client.messages] == [note]
    assert len(_refusals(llama)) == refused_before + 1, _refusals(llama)
    assert status["state"] == "ready" and status["pending"] == 0
    assert [p for p in published if p.uri == uri and p.diagnostics] == []
    assert answer.version == 1


def _refusals(server: LlamaServer) -> list[str]:
    """The server's refusals of a prompt over its context, from its error log."""
    return [line for line in server.errors if "exceeds the available context size" in line]
