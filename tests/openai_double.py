"""An OpenAI-compatible test double: real HTTP on 127.0.0.1, scripted answers.

It serves what a review client uses under `/v1`: `GET /v1/models` and
`POST /v1/chat/completions`, streamed as server-sent events (`data: {chunk}` lines, a
last chunk with `finish_reason`, a usage chunk, then `data: [DONE]`) or as one JSON
object with `stream: false`. The failure cases of real servers are scripted per rule or
per double:

- `api_key`: every route wants `Authorization: Bearer KEY`, else 401 (llama-server's
  body for `--api-key`);
- `refuse_json_schema`: a `json_schema` response format is refused with 400, as servers
  without structured outputs do; `json_object` is accepted;
- `owned_by`: "llamacpp" makes it llama-server, which accepts `cache_prompt`; any other
  owner refuses unknown request fields with 400, as the OpenAI API does;
- an unknown model: 404 with OpenAI's `model_not_found` body;
- per rule: any status (429 or 503 with `retry_after` -> `Retry-After`), an SSE error
  event mid-stream, a dropped connection, `finish_reason` "length", delays, holds.

The server runs in a background thread, so tests whose event loop is busy can use it,
and as a standalone process for end-to-end tests:

    python tests/openai_double.py --port 0 [--script rules.json]

prints `listening on http://127.0.0.1:PORT/v1` as its first line and serves until
killed. rules.json is {"models": [...], "rules": [{"match": ..., ...}, ...]} with the
keyword names of `OpenAIDouble.add_rule`.

Only the standard library is used, so the file runs without the project installed.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import select
import socket
import socketserver
import ssl
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

HOST = "127.0.0.1"
DEFAULT_MODELS = ("gemma-3-270m",)
DEFAULT_ANSWER: dict[str, Any] = {"findings": []}
PIECE_CHARS = 7  # roughly a token or two per event, as a real server sends
POLL_SECONDS = 0.01  # how often a waiting answer checks whether the client left
# The request fields of the OpenAI API; anything else is refused unless it is llama.cpp.
KNOWN_FIELDS = frozenset(
    {
        "model",
        "messages",
        "stream",
        "stream_options",
        "temperature",
        "top_p",
        "seed",
        "max_tokens",
        "max_completion_tokens",
        "response_format",
        "stop",
        "n",
        "user",
    }
)
DEFAULT_ERRORS = {
    400: "Bad request",
    429: "Rate limit reached; retry later",
    500: "Internal server error",
    503: "no slot available",
}
MID_STREAM_ERROR = "failed to decode the batch: the model runner stopped"


@dataclass
class Rule:
    """How to answer a chat whose last user message contains `match`."""

    match: str
    content: str | dict[str, Any] | None = None
    status: int = 200
    error: str | None = None
    retry_after: str | None = None
    error_event: bool = False
    drop_mid_stream: bool = False
    finish_reason: str = "stop"
    delay: float = 0.0
    chunk_delay: float = 0.0
    hold: bool = False
    times: int | None = None

    def answer_text(self) -> str:
        if self.content is None:
            return json.dumps(DEFAULT_ANSWER)
        if isinstance(self.content, dict):
            return json.dumps(self.content)
        return self.content


class _ClientGone(Exception):
    """The client closed the connection before the answer was complete."""


class _Stopped(Exception):
    """The double is stopping; abandon the answer."""


class OpenAIDouble:
    """An OpenAI-compatible server for tests. Use as a context manager; `url` is its
    base URL (with /v1).

    Observations (`requests`, `chat_requests`, `headers`, `disconnects`, `held`) change
    in server threads; wait for them with `wait_for`, never with sleeps.
    """

    def __init__(
        self,
        models: Iterable[str] = DEFAULT_MODELS,
        *,
        port: int = 0,
        api_key: str | None = None,
        refuse_json_schema: bool = False,
        owned_by: str = "llamacpp",
        tls: ssl.SSLContext | None = None,
    ) -> None:
        self.api_key = api_key
        self._tls = tls
        self.refuse_json_schema = refuse_json_schema
        self.owned_by = owned_by
        self.requests: list[tuple[str, str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.chat_requests: list[dict[str, Any]] = []
        self.disconnects = 0
        self.held = 0
        self._cond = threading.Condition()
        self._models = list(models)
        self._rules: list[Rule] = []
        self._released = 0
        self._epoch = 0
        self._port = port
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._connections: set[socket.socket] = set()

    # -- lifecycle ---------------------------------------------------------------

    def start(self) -> None:
        """Listen (again) on the same port; the first start picks a free one if 0."""
        if self._server is not None:
            return
        self._server = _Server((HOST, self._port), self)
        self._port = self._server.server_address[1]
        if self._tls is not None:
            self._server.socket = self._tls.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop listening and cut every open connection, as a killed server would."""
        server, thread = self._server, self._thread
        if server is None or thread is None:
            return
        with self._cond:
            self._epoch += 1
            self._cond.notify_all()
        server.shutdown()
        server.server_close()
        for connection in list(self._connections):
            _shutdown(connection)
        thread.join()
        self._server = self._thread = None

    def __enter__(self) -> OpenAIDouble:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        scheme = "https" if self._tls is not None else "http"
        return f"{scheme}://{HOST}:{self._port}/v1"

    # -- scripting -----------------------------------------------------------------

    def add_rule(self, match: str, **fields: Any) -> Rule:
        """Answer chats whose last user message contains `match` ("" matches all).

        Rules are tried in the order added; the keywords are `Rule`'s fields. `hold`
        keeps the answer back until `release()`; `times` limits how often it applies.
        """
        rule = Rule(match, **fields)
        with self._cond:
            self._rules.append(rule)
        return rule

    def release(self) -> None:
        """Let every answer held right now go ahead."""
        with self._cond:
            self._released += 1
            self._cond.notify_all()

    def set_models(self, models: Iterable[str]) -> None:
        with self._cond:
            self._models = list(models)

    @property
    def models(self) -> list[str]:
        with self._cond:
            return list(self._models)

    def load_script(self, script: Mapping[str, Any]) -> None:
        """Apply a {"models": [...], "rules": [{...}, ...]} script (the CLI's format)."""
        if "models" in script:
            self.set_models(script["models"])
        for rule in script.get("rules", []):
            self.add_rule(**rule)

    # -- waiting -------------------------------------------------------------------

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Block until `predicate()` (about this double's state) holds, or TimeoutError."""
        with self._cond:
            if not self._cond.wait_for(predicate, timeout):
                raise TimeoutError(f"the OpenAI double did not reach the state within {timeout} s")

    # -- used by the request handlers (server threads) -------------------------------

    def _changed(self, change: Callable[[], None]) -> None:
        with self._cond:
            change()
            self._cond.notify_all()

    def _record(self, method: str, path: str, body: Any, headers: dict[str, str]) -> None:
        def change() -> None:
            self.requests.append((method, path, body))
            self.headers.append(headers)
            if path == "/v1/chat/completions" and isinstance(body, dict):
                self.chat_requests.append(body)

        self._changed(change)

    def _count_disconnect(self) -> None:
        def change() -> None:
            self.disconnects += 1

        self._changed(change)

    def _take_rule(self, text: str) -> Rule:
        with self._cond:
            for rule in self._rules:
                if rule.times != 0 and rule.match in text:
                    if rule.times is not None:
                        rule.times -= 1
                    return rule
        return Rule("")

    def _hold(self, still_wanted: Callable[[], None]) -> None:
        """Wait for release(); `still_wanted` raises when the client or server went away."""
        with self._cond:
            ticket = self._released
            self.held += 1
            self._cond.notify_all()
        try:
            while True:
                with self._cond:
                    if self._cond.wait_for(lambda: self._released > ticket, POLL_SECONDS):
                        return
                still_wanted()
        finally:
            with self._cond:
                self.held -= 1
                self._cond.notify_all()

    def _track(self, connection: socket.socket, add: bool) -> None:
        with self._cond:
            if add:
                self._connections.add(connection)
            else:
                self._connections.discard(connection)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True  # restart on the same port while old sockets linger

    def __init__(self, address: tuple[str, int], double: OpenAIDouble) -> None:
        self.double = double
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup of the host; skip it.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = HOST, self.server_address[1]

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that resets an idle keep-alive connection is normal, not a failure.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    # -- plumbing --------------------------------------------------------------------

    def setup(self) -> None:
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.double = self.server.double
        self.epoch = self.double._epoch
        self.double._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.double._track(self.connection, add=False)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep test output clean

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def _dispatch(self) -> None:
        try:
            self._route()
        except _ClientGone:
            self.double._count_disconnect()
            self.close_connection = True
        except (_Stopped, OSError):
            self.close_connection = True

    def _route(self) -> None:
        body = self._read_body()
        path = self.path.split("?", 1)[0]
        self.double._record(self.command, path, body, dict(self.headers.items()))
        if not self._authorized():
            self._send_error(401, "Invalid API Key", "authentication_error", code=401)
            return
        route = _ROUTES.get((self.command, path))
        if route is None:
            self._send_error(404, "File Not Found", "not_found_error", code=404)
        elif self.command == "POST" and not isinstance(body, dict):
            self._send_error(400, "the request body is not a JSON object", "invalid_request_error")
        else:
            route(self, body if isinstance(body, dict) else {})

    def _read_body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        if not length:
            return None
        try:
            return json.loads(self.rfile.read(length))
        except ValueError:
            return None

    def _authorized(self) -> bool:
        if self.double.api_key is None:
            return True
        return self.headers.get("Authorization") == f"Bearer {self.double.api_key}"

    # -- writing -----------------------------------------------------------------------

    def _send_json(self, status: int, data: Any, headers: Mapping[str, str] | None = None) -> None:
        payload = json.dumps(data).encode()

        def write() -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)

        self._guarded(write)

    def _send_error(
        self,
        status: int,
        message: str,
        kind: str,
        code: str | int | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        error = {"message": message, "type": kind, "code": status if code is None else code}
        self._send_json(status, {"error": error}, headers)

    def _begin_stream(self) -> None:
        def write() -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()

        self._guarded(write)

    def _send_event(self, data: Any) -> None:
        text = data if isinstance(data, str) else json.dumps(data)
        event = f"data: {text}\n\n".encode()
        self._guarded(lambda: self.wfile.write(b"%x\r\n%s\r\n" % (len(event), event)))

    def _end_stream(self) -> None:
        self._guarded(lambda: self.wfile.write(b"0\r\n\r\n"))

    def _drop(self) -> None:
        """Cut the connection mid-answer, as a crashed server would."""
        self.close_connection = True
        _shutdown(self.connection)

    def _guarded(self, write: Callable[[], object]) -> None:
        self._still_wanted()
        try:
            write()
        except (BrokenPipeError, ConnectionResetError):
            raise _ClientGone from None

    def _still_wanted(self) -> None:
        """Raise if the double is stopping or the client has closed its connection."""
        if self.double._epoch != self.epoch:
            raise _Stopped
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            if readable and self.connection.recv(1, socket.MSG_PEEK) == b"":
                raise _ClientGone
        except (ConnectionResetError, BrokenPipeError):
            raise _ClientGone from None

    def _pause(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (remaining := deadline - time.monotonic()) > 0:
            self._still_wanted()
            select.select([self.connection], [], [], min(remaining, POLL_SECONDS))
        self._still_wanted()

    # -- endpoints -------------------------------------------------------------------------

    def _models(self, body: Mapping[str, Any]) -> None:
        entries = [_model_entry(model, self.double.owned_by) for model in self.double.models]
        self._send_json(200, {"object": "list", "data": entries})

    def _chat(self, body: Mapping[str, Any]) -> None:
        refusal = self._refusal(body)
        if refusal is not None:
            self._send_error(400, refusal, "invalid_request_error")
            return
        model = str(body["model"])
        if model not in self.double.models:
            message = f"The model `{model}` does not exist."
            self._send_error(404, message, "invalid_request_error", code="model_not_found")
            return
        rule = self.double._take_rule(_last_user_content(body["messages"]))
        if rule.hold:
            self.double._hold(self._still_wanted)
        self._pause(rule.delay)
        if rule.status != 200:
            headers = {"Retry-After": rule.retry_after} if rule.retry_after else {}
            error = rule.error or DEFAULT_ERRORS.get(rule.status, "error")
            self._send_error(rule.status, error, "server_error", headers=headers)
        elif body.get("stream") is True:
            self._answer_streamed(model, body, rule)
        else:
            self._answer_whole(model, body, rule)

    def _refusal(self, body: Mapping[str, Any]) -> str | None:
        """Why a well-behaved server would refuse this body with 400, or None."""
        if not isinstance(body.get("model"), str) or not isinstance(body.get("messages"), list):
            return "'model' and 'messages' are required"
        unknown = sorted(set(body) - KNOWN_FIELDS)
        if unknown and not (self.double.owned_by == "llamacpp" and unknown == ["cache_prompt"]):
            return f"Unrecognized request argument supplied: {', '.join(unknown)}"
        kind = (body.get("response_format") or {}).get("type")
        if kind == "json_schema" and self.double.refuse_json_schema:
            return "'response_format' of type 'json_schema' is not supported with this model"
        return None

    def _answer_whole(self, model: str, body: Mapping[str, Any], rule: Rule) -> None:
        if rule.drop_mid_stream:
            self._drop()
            return
        if rule.error_event:
            self._send_error(500, rule.error or MID_STREAM_ERROR, "server_error")
            return
        text = rule.answer_text()
        choice = {
            "index": 0,
            "message": {"role": "assistant", "content": text},
            "finish_reason": rule.finish_reason,
        }
        answer = _completion(model, "chat.completion") | {
            "choices": [choice],
            "usage": _usage(body, len(_pieces(text))),
        }
        self._send_json(200, answer)

    def _answer_streamed(self, model: str, body: Mapping[str, Any], rule: Rule) -> None:
        pieces = _pieces(rule.answer_text())
        broken = rule.error_event or rule.drop_mid_stream
        self._begin_stream()
        self._send_event(_chunk(model, {"role": "assistant", "content": ""}))
        for piece in pieces[: len(pieces) // 2] if broken else pieces:
            self._pause(rule.chunk_delay)
            self._send_event(_chunk(model, {"content": piece}))
        if rule.drop_mid_stream:
            self._drop()
            return
        if rule.error_event:
            # After streaming began the status is 200: the error is an event of its own.
            error = {"code": 500, "message": rule.error or MID_STREAM_ERROR, "type": "server_error"}
            self._send_event({"error": error})
        else:
            self._send_event(_chunk(model, {}, finish_reason=rule.finish_reason))
            if (body.get("stream_options") or {}).get("include_usage"):
                usage = _usage(body, len(pieces))
                self._send_event(_completion(model) | {"choices": [], "usage": usage})
            self._send_event("[DONE]")
        self._end_stream()


_ROUTES: dict[tuple[str, str], Callable[[_Handler, Mapping[str, Any]], None]] = {
    ("GET", "/v1/models"): _Handler._models,
    ("POST", "/v1/chat/completions"): _Handler._chat,
}


# -- protocol details ------------------------------------------------------------------


def _model_entry(model: str, owned_by: str) -> dict[str, Any]:
    return {"id": model, "object": "model", "created": 1735689600, "owned_by": owned_by}


def _completion(model: str, kind: str = "chat.completion.chunk") -> dict[str, Any]:
    return {"id": "chatcmpl-double", "object": kind, "created": int(time.time()), "model": model}


def _chunk(model: str, delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
    choice = {"index": 0, "delta": delta, "finish_reason": finish_reason}
    return _completion(model) | {"choices": [choice]}


def _usage(body: Mapping[str, Any], pieces: int) -> dict[str, int]:
    prompt_chars = sum(len(str(m.get("content", ""))) for m in body.get("messages") or [])
    prompt = prompt_chars // 4 + 1
    return {"prompt_tokens": prompt, "completion_tokens": pieces, "total_tokens": prompt + pieces}


def _pieces(text: str) -> list[str]:
    return [text[i : i + PIECE_CHARS] for i in range(0, len(text), PIECE_CHARS)]


def _last_user_content(messages: Any) -> str:
    for message in reversed(messages if isinstance(messages, list) else []):
        if isinstance(message, dict) and message.get("role") == "user":
            return str(message.get("content") or "")
    return ""


def _shutdown(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed by the other side
        connection.shutdown(socket.SHUT_RDWR)


# -- command line ------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve an OpenAI-compatible test double.")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--script", type=Path, help='{"models": [...], "rules": [...]}')
    parser.add_argument("--api-key", help="require Authorization: Bearer KEY")
    parser.add_argument("--refuse-json-schema", action="store_true")
    parser.add_argument("--owned-by", default="llamacpp")
    args = parser.parse_args(argv)
    double = OpenAIDouble(
        port=args.port,
        api_key=args.api_key,
        refuse_json_schema=args.refuse_json_schema,
        owned_by=args.owned_by,
    )
    if args.script:
        double.load_script(json.loads(args.script.read_text(encoding="utf-8")))
    double.start()
    print(f"listening on {double.url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        double.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
