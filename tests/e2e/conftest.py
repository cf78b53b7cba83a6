"""End-to-end fixtures: the real server process over stdio (pytest-lsp), talking to the
Ollama test double over real HTTP on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from siyada.feedback.fingerprint import finding_key
from siyada.feedback.store import EventKind, FeedbackEvent, ReviewRecord
from tests.model_server import OllamaDouble

WAIT = 20.0  # seconds; generous for a loaded CI machine, reached only on failure
MODEL = "qwen2.5-coder:7b"


@pytest.fixture
def double() -> Iterator[OllamaDouble]:
    with OllamaDouble(models=[MODEL]) as running:
        yield running


# `--log-level DEBUG` here traces every message on stderr when a test needs debugging.

# How an editor's log names the level of a window/logMessage (its MessageType): the
# server sends its log records so (lsp/editor_log.py), as "LEVEL name: message" on stderr
# before initialize and after shutdown.
LOG_LEVEL_NAMES = {1: "ERROR", 2: "WARNING", 3: "INFO", 4: "DEBUG", 5: "DEBUG"}


def log_text(messages: Sequence[tuple[int, str]], stderr: str) -> str:
    """The server's whole log as one text: its window/logMessage records, then stderr."""
    logged = "".join(f"{LOG_LEVEL_NAMES[kind]} {message}\n" for kind, message in messages)
    return logged + stderr


SERVER_COMMAND = [sys.executable, "-m", "siyada", "lsp", "--stdio"]


def record_statuses(client: LanguageClient) -> None:
    """Keep every `siyada/status` notification in `client.statuses`."""
    client.statuses = []  # type: ignore[attr-defined]

    @client.feature("siyada/status")
    def _status(params: Any) -> None:
        client.statuses.append(params)  # type: ignore[attr-defined]


def record_published(client: LanguageClient) -> list[types.PublishDiagnosticsParams]:
    """Every publishDiagnostics with its version (pytest-lsp keeps only the diagnostics)."""
    published: list[types.PublishDiagnosticsParams] = []
    handle = client.protocol._handle_notification

    def notification(method: str, params: Any) -> Any:
        if method == types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS:
            published.append(params)
        return handle(method, params)

    client.protocol._handle_notification = notification  # type: ignore[method-assign]
    return published


def read_code_actions_by_the_spec(client: LanguageClient) -> None:
    """Tell a code action from a bare command as LSP does: a Command's `command` is a
    string, a CodeAction's an object. lsprotocol's reader takes any object with a
    `command` for a Command, so a CodeAction that runs a command would arrive as one."""
    converter = client.protocol._converter

    def code_action_or_command(value: Any, _: type) -> types.Command | types.CodeAction:
        if isinstance(value.get("command"), str):
            return converter.structure(value, types.Command)
        return converter.structure(value, types.CodeAction)

    converter.register_structure_hook(
        types.Command | types.CodeAction,  # type: ignore[arg-type]
        code_action_or_command,
    )


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER_COMMAND))
async def client(lsp_client: LanguageClient) -> Any:
    record_statuses(lsp_client)
    read_code_actions_by_the_spec(lsp_client)
    yield
    server = lsp_client._server
    if lsp_client.capabilities is None and server is not None and server.returncode is None:
        # The test failed before initializing: there is no session to shut down, and
        # pytest-lsp would wait forever for the process to exit by itself.
        with contextlib.suppress(ProcessLookupError):
            server.terminate()
    with contextlib.suppress(RuntimeError):  # a test that restarts the server stopped it
        await lsp_client.shutdown_session()


async def initialize(
    client: LanguageClient,
    *,
    editor: str = "visual_studio_code",
    configuration: dict[str, Any] | None = None,
    versioned_edits: bool = True,
    locale: str | None = None,
    **options: Any,
) -> types.InitializeResult:
    """Start a session the way `editor` would, with `options` as initializationOptions
    (and `locale`, the editor's display language, when given)."""
    capabilities = client_capabilities(editor)
    if not versioned_edits and capabilities.workspace and capabilities.workspace.workspace_edit:
        capabilities.workspace.workspace_edit.document_changes = False
    if configuration is not None:
        client.set_configuration(configuration, section="siyada")
    elif capabilities.workspace is not None:
        capabilities.workspace.configuration = False
    options.setdefault("debounceMs", 50)
    return await client.initialize_session(
        types.InitializeParams(
            capabilities=capabilities,
            initialization_options=options,
            root_uri=Path.cwd().as_uri(),
            locale=locale,
        )
    )


def open_document(client: LanguageClient, path: Path, text: str, language: str = "python") -> str:
    uri = path.as_uri()
    client.text_document_did_open(
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri=uri, language_id=language, version=1, text=text
            )
        )
    )
    return uri


def change_document(client: LanguageClient, uri: str, version: int, text: str) -> None:
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def wait_until(
    client: LanguageClient, method: str, condition: Callable[[], bool], timeout: float = WAIT
) -> None:
    """Wait for notifications of `method` until `condition` holds (checked first)."""
    async with asyncio.timeout(timeout):
        while not condition():
            await client.wait_for_notification(method)


async def wait_for_diagnostics(
    client: LanguageClient,
    uri: str,
    condition: Callable[[Sequence[types.Diagnostic]], bool],
    timeout: float = WAIT,
) -> Sequence[types.Diagnostic]:
    await wait_until(
        client,
        types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS,
        lambda: uri in client.diagnostics and condition(client.diagnostics[uri]),
        timeout,
    )
    return client.diagnostics[uri]


async def wait_for_message(
    client: LanguageClient, condition: Callable[[str], bool], timeout: float = WAIT
) -> str:
    def found() -> bool:
        return any(condition(m.message) for m in client.messages)

    await wait_until(client, types.WINDOW_SHOW_MESSAGE, found, timeout)
    return next(m.message for m in client.messages if condition(m.message))


async def wait_for_status(
    client: LanguageClient,
    condition: Callable[[Any], bool],
    timeout: float = WAIT,
    since: int = 0,
) -> Any:
    """Wait for a `siyada/status` matching `condition`; `since=-1`: the newest only."""
    statuses: list[Any] = client.statuses  # type: ignore[attr-defined]

    def candidates() -> list[Any]:
        return statuses[-1:] if since == -1 else statuses[since:]

    await wait_until(
        client, "siyada/status", lambda: any(condition(s) for s in candidates()), timeout
    )
    return next(s for s in candidates() if condition(s))


def finding(
    evidence: str,
    *,
    title: str = "File handle is never closed",
    category: str = "bug",
    severity: str = "warning",
    replacement: str | None = None,
    confidence: float = 0.9,
    fix_title: str | None = None,
) -> dict[str, Any]:
    item: dict[str, Any] = {
        "category": category,
        "severity": severity,
        "title": title,
        "explanation": f"Explanation of: {title}.",
        "evidence": evidence,
        "confidence": confidence,
    }
    if replacement is not None:
        item["replacement"] = replacement
    if fix_title is not None:
        item["fix_title"] = fix_title
    return item


def status_field(status: object, name: str) -> Any:
    return status[name] if isinstance(status, dict) else getattr(status, name)


async def wait_for_idle(client: LanguageClient, timeout: float = WAIT) -> None:
    """Wait until reviews have run and none is pending (diagnostics are published first)."""
    statuses: list[Any] = client.statuses  # type: ignore[attr-defined]

    def idle() -> bool:
        states = [status_field(s, "state") for s in statuses]
        return "reviewing" in states and status_field(statuses[-1], "pending") == 0

    await wait_until(client, "siyada/status", idle, timeout)


async def code_actions(
    client: LanguageClient, uri: str, diagnostic: types.Diagnostic
) -> list[types.CodeAction]:
    """Every code action offered for `diagnostic`: each a CodeAction, never a bare
    command, and each carrying an edit or a command."""
    result = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic]),
        )
    )
    assert all(isinstance(a, types.CodeAction) for a in result or []), "bare commands offered"
    actions = [a for a in result or [] if isinstance(a, types.CodeAction)]
    assert all(a.edit is not None or a.command is not None for a in actions), "an empty action"
    return actions


def run_siyada(
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """`siyada ARGS` as a user runs it (its own process), its output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "siyada", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env=env,
        cwd=cwd,
    )


def feedback_event(
    record: ReviewRecord,
    kind: EventKind,
    item: dict[str, Any],
    final_text: str | None = None,
) -> FeedbackEvent:
    """The team's feedback `kind` on the finding `item` (as the double answered it) of
    the function `record` holds."""
    key = finding_key(
        path=record.key_path,
        function=record.function,
        function_hash=record.function_hash,
        category=item["category"],
        evidence=item["evidence"],
    )
    return FeedbackEvent(
        kind=kind,
        key=key,
        language="python",
        title=item["title"],
        explanation=item["explanation"],
        replacement=item.get("replacement"),
        final_text=final_text,
        model=MODEL,
    )
