"""A request the server cannot read is answered with the JSON-RPC error that says why,
never dropped and never shown to the user as "Error in server"; the server then goes
on answering."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest_asyncio

from tests.e2e.raw_stdio import RawServer
from tests.model_server import OllamaDouble

PARSE_ERROR, INVALID_REQUEST, INVALID_PARAMS = -32700, -32600, -32602
URI = "file:///project/a.py"
RANGE = {"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}}
DOCUMENT = {"uri": URI}
CONTEXT = {"diagnostics": []}
# method, params, a word the error must name (the field at fault)
MALFORMED_PARAMS: dict[str, tuple[str, Any, str]] = {
    "codeAction-without-range": (
        "textDocument/codeAction",
        {"textDocument": DOCUMENT, "context": CONTEXT},
        "range",
    ),
    "codeAction-without-context": (
        "textDocument/codeAction",
        {"textDocument": DOCUMENT, "range": RANGE},
        "context",
    ),
    "codeAction-null-params": ("textDocument/codeAction", None, "params"),
    "codeAction-range-of-text": (
        "textDocument/codeAction",
        {"textDocument": DOCUMENT, "range": "0:0", "context": CONTEXT},
        "range",
    ),
    "executeCommand-without-command": ("workspace/executeCommand", {"arguments": []}, "command"),
    "executeCommand-null-params": ("workspace/executeCommand", None, "params"),
}
# body, the error code, the id the answer must carry
UNREADABLE_BODIES: dict[str, tuple[bytes, int, int | None]] = {
    # Readable as JSON once the stray bytes are replaced: the client's request is settled.
    "not-utf8-id-readable": (
        b'{"jsonrpc": "2.0", "id": 41, "method": "textDocument/codeAction", "params": '
        b'{"textDocument": {"uri": "file:///caf\xe9.py"}}}',
        PARSE_ERROR,
        41,
    ),
    "not-utf8-id-unreadable": (
        b'{"jsonrpc": "2.0", "id": \xff\xfe, "method": "x"}',
        PARSE_ERROR,
        None,
    ),
    "not-json": (b'{"jsonrpc": "2.0", "id": 43, "method": ', PARSE_ERROR, None),
    "not-an-object": (b"[1, 2, 3]", INVALID_REQUEST, None),
    "no-jsonrpc-version": (b'{"id": 45, "method": "shutdown"}', INVALID_REQUEST, 45),
    "id-not-integer-or-string": (
        b'{"jsonrpc": "2.0", "id": true, "method": "shutdown"}',
        INVALID_REQUEST,
        None,
    ),
    "method-not-string": (b'{"jsonrpc": "2.0", "id": 47, "method": 7}', INVALID_REQUEST, 47),
}


@pytest_asyncio.fixture
async def server(double: OllamaDouble) -> AsyncIterator[RawServer]:
    raw = await RawServer.start()
    try:
        await raw.initialize(endpoint=double.url)
        yield raw
    finally:
        await raw.kill()


async def _still_answers_without_popups(server: RawServer) -> None:
    """A valid request is answered, and no error was shown to the user before it (the
    server's output is in order, so anything shown for the bad message came first)."""
    status = await server.call(
        "workspace/executeCommand", {"command": "siyada.status", "arguments": []}
    )
    assert status["state"] in ("starting", "loading", "ready", "reviewing")
    shown = server.notifications("window/showMessage")
    assert [m for m in shown if m["type"] == 1] == []


# One session for all the cases of each kind: starting a server costs seconds on a
# loaded machine, and each case is followed by a request that must be answered.
async def test_case8_requests_with_malformed_params_get_invalid_params(
    server: RawServer,
) -> None:
    for case, (method, params, field) in MALFORMED_PARAMS.items():
        response = await server.response_to(server.request(method, params))

        assert response["error"]["code"] == INVALID_PARAMS, case
        assert method in response["error"]["message"], case
        assert field in response["error"]["message"], case
        await _still_answers_without_popups(server)


async def test_case8_unreadable_bodies_get_the_error_that_says_why(server: RawServer) -> None:
    for case, (body, code, msg_id) in UNREADABLE_BODIES.items():
        answered = len(server.received)
        server.send_body(body)
        response = await server.wait_for(lambda m: "error" in m, since=answered)

        assert response["id"] == msg_id, case
        assert response["error"]["code"] == code, case
        await _still_answers_without_popups(server)


async def test_case8_malformed_notifications_and_responses_are_logged_not_answered(
    server: RawServer,
) -> None:
    server.notify("textDocument/didOpen", None)
    server.notify("textDocument/didChange", {"textDocument": {"uri": URI}})
    # Without "jsonrpc" it may be a response: an error sent back would read as the
    # answer to the client's own request 99.
    server.send_body(b'{"id": 99, "result": null}')

    await _still_answers_without_popups(server)
    log = await server.end_session()

    assert "notification that cannot be read" in log
    assert "textDocument/didOpen" in log and "textDocument/didChange" in log
    assert "response that cannot be read" in log
    assert [m for m in server.received if "error" in m] == []
