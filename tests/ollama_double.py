"""A protocol-faithful Ollama test double: real HTTP on 127.0.0.1, scripted answers.

It serves the endpoints a review client uses (/, /api/version, /api/tags, /api/show,
/api/chat, /api/pull, /api/ps) with Ollama's status codes, bodies and streaming format
(chunked application/x-ndjson, one object per line, a final `done:true` line). The
server runs in a background thread, so tests whose event loop is busy can use it, and
it runs as a standalone process for end-to-end tests:

    python tests/ollama_double.py --port 0 [--script rules.json]

prints `listening on http://127.0.0.1:PORT` as its first line and serves until killed.
rules.json is {"models": [...], "rules": [{"match": ..., "content": ...}, ...]} with the
keyword names of `OllamaDouble.add_rule`.

Only the standard library is used, so the file runs without the project installed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import hashlib
import json
import re
import select
import socket
import socketserver
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

HOST = "127.0.0.1"
DEFAULT_MODELS = ("qwen2.5-coder:7b",)
DEFAULT_ANSWER: dict[str, Any] = {"findings": []}
# What `ollama pull` can fetch besides the installed models.
DEFAULT_REGISTRY = ("qwen2.5-coder:7b", "qwen2.5-coder:1.5b", "qwen2.5-coder:14b", "llama3.2:3b")
CONTEXT_LENGTH = 32768
PIECE_CHARS = 7  # roughly a token or two per streamed line, as a real model sends
POLL_SECONDS = 0.01  # how often a waiting answer checks whether the client left

DEFAULT_ERRORS = {
    400: "invalid request",
    500: "model runner has unexpectedly stopped, this may be due to resource limitations "
    "or an internal error, check ollama server logs for details",
    503: "server busy, please try again.  maximum pending requests exceeded",
}
MID_STREAM_ERROR = "an error was encountered while running the model: unexpected EOF"
PULL_UNKNOWN_ERROR = "pull model manifest: file does not exist"


@dataclass
class Rule:
    """How to answer a chat whose last user message contains `match`."""

    match: str
    content: str | dict[str, Any] | None = None
    status: int = 200
    error: str | None = None
    error_mid_stream: bool = False
    drop_mid_stream: bool = False
    done_reason: str = "stop"
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


@dataclass
class _Loaded:
    model: str
    expires_at: datetime
    context_length: int


@dataclass
class _State:
    rules: list[Rule] = field(default_factory=list)
    models: list[str] = field(default_factory=list)
    loaded: dict[str, _Loaded] = field(default_factory=dict)


class OllamaDouble:
    """An Ollama server for tests. Use as a context manager; `url` is where it listens.

    Observations (`requests`, `chat_requests`, `disconnects`, `held`) change in server
    threads; wait for them with `wait_for` / `wait_for_async`, never with sleeps.
    """

    def __init__(
        self,
        models: Iterable[str] = DEFAULT_MODELS,
        *,
        port: int = 0,
        registry: Iterable[str] = DEFAULT_REGISTRY,
        version: str = "0.32.15",
    ) -> None:
        self.version = version
        self.requests: list[tuple[str, str, Any]] = []
        self.chat_requests: list[dict[str, Any]] = []
        self.disconnects = 0
        self.held = 0
        self.pull_line_delay = 0.0
        self._cond = threading.Condition()
        self._state = _State(models=[_full_name(m) for m in models])
        self._registry = {_full_name(m) for m in registry} | set(self._state.models)
        self._released = 0  # bumped by release(); a held answer waits for a bump
        self._epoch = 0  # bumped by stop(); answers of an older epoch are abandoned
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
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop listening and cut every open connection, as a killed Ollama would."""
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

    def __enter__(self) -> OllamaDouble:
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
        return f"http://{HOST}:{self._port}"

    # -- scripting -----------------------------------------------------------------

    def add_rule(
        self,
        match: str,
        *,
        content: str | dict[str, Any] | None = None,
        status: int = 200,
        error: str | None = None,
        error_mid_stream: bool = False,
        drop_mid_stream: bool = False,
        done_reason: str = "stop",
        delay: float = 0.0,
        chunk_delay: float = 0.0,
        hold: bool = False,
        times: int | None = None,
    ) -> Rule:
        """Answer chats whose last user message contains `match` ("" matches all).

        Rules are tried in the order added. `hold` keeps the answer back until
        `release()`; `times` limits how often the rule applies.
        """
        rule = Rule(
            match,
            content=content,
            status=status,
            error=error,
            error_mid_stream=error_mid_stream,
            drop_mid_stream=drop_mid_stream,
            done_reason=done_reason,
            delay=delay,
            chunk_delay=chunk_delay,
            hold=hold,
            times=times,
        )
        with self._cond:
            self._state.rules.append(rule)
        return rule

    def clear_rules(self) -> None:
        with self._cond:
            self._state.rules.clear()

    def release(self) -> None:
        """Let every answer held right now go ahead (later holds wait for the next call)."""
        with self._cond:
            self._released += 1
            self._cond.notify_all()

    def set_models(self, models: Iterable[str]) -> None:
        with self._cond:
            self._state.models = [_full_name(m) for m in models]
            self._registry |= set(self._state.models)

    @property
    def models(self) -> list[str]:
        with self._cond:
            return list(self._state.models)

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
                raise TimeoutError(f"the Ollama double did not reach the state within {timeout} s")

    async def wait_for_async(
        self,
        predicate: Callable[[], bool],
        timeout: float = 5.0,
    ) -> None:
        """`wait_for` without blocking the event loop (which may be the one making requests)."""
        await asyncio.to_thread(self.wait_for, predicate, timeout)

    # -- used by the request handlers (server threads) -------------------------------

    def _changed(self, change: Callable[[], None]) -> None:
        with self._cond:
            change()
            self._cond.notify_all()

    def _record(self, method: str, path: str, body: Any) -> None:
        def change() -> None:
            self.requests.append((method, path, body))
            if path == "/api/chat" and isinstance(body, dict) and body.get("messages"):
                self.chat_requests.append(body)

        self._changed(change)

    def _count_disconnect(self) -> None:
        def change() -> None:
            self.disconnects += 1

        self._changed(change)

    def _has_model(self, model: str) -> bool:
        with self._cond:
            return _full_name(model) in self._state.models

    def _can_pull(self, model: str) -> bool:
        with self._cond:
            return _full_name(model) in self._registry

    def _pulled(self, model: str) -> None:
        def change() -> None:
            if _full_name(model) not in self._state.models:
                self._state.models.append(_full_name(model))

        self._changed(change)

    def _take_rule(self, text: str) -> Rule:
        with self._cond:
            for rule in self._state.rules:
                if rule.times != 0 and rule.match in text:
                    if rule.times is not None:
                        rule.times -= 1
                    return rule
        return Rule("")

    def _mark_loaded(self, model: str, body: Mapping[str, Any]) -> None:
        keep_alive = _keep_alive_seconds(body.get("keep_alive"))
        options = body.get("options") or {}
        context_length = int(options.get("num_ctx") or 4096)

        def change() -> None:
            name = _full_name(model)
            if keep_alive == 0:
                self._state.loaded.pop(name, None)
                return
            expires = datetime.now(UTC) + timedelta(seconds=keep_alive)
            self._state.loaded[name] = _Loaded(name, expires, context_length)

        self._changed(change)

    def _loaded(self) -> list[_Loaded]:
        with self._cond:
            return list(self._state.loaded.values())

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

    def __init__(self, address: tuple[str, int], double: OllamaDouble) -> None:
        self.double = double
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind does a reverse DNS lookup of the host; skip it.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = HOST, self.server_address[1]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    # -- plumbing --------------------------------------------------------------------

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle's algorithm
        # and delayed ACKs add ~40 ms to every keep-alive request.
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

    def do_DELETE(self) -> None:
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
        self.double._record(self.command, path, body)
        if not self._host_allowed():
            # Ollama bound to loopback refuses a non-local Host header (DNS rebinding).
            self._send_bytes(403, b"", "text/plain")
            return
        route = _ROUTES.get((self.command, path))
        if route is None:
            self._send_bytes(404, b"404 page not found", "text/plain")
        elif self.command == "POST" and not isinstance(body, dict):
            self._send_json(400, {"error": "missing request body" if body is None else body})
        else:
            route(self, body if isinstance(body, dict) else {})

    def _read_body(self) -> Any:
        """The JSON body; None when absent; an error string when it is not JSON."""
        length = int(self.headers.get("Content-Length") or 0)
        if not length:
            return None
        raw = self.rfile.read(length)
        try:
            return json.loads(raw)
        except ValueError:
            return "invalid character in request body: not JSON"

    def _host_allowed(self) -> bool:
        host = (self.headers.get("Host") or "").lower()
        name = host[1:].split("]", 1)[0] if host.startswith("[") else host.split(":", 1)[0]
        return name in ("localhost", "127.0.0.1", "::1", "")

    # -- writing -----------------------------------------------------------------------

    def _send_bytes(self, status: int, payload: bytes, content_type: str) -> None:
        self._guarded(lambda: self._write_response(status, payload, content_type))

    def _write_response(self, status: int, payload: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _send_json(self, status: int, data: Any) -> None:
        self._send_bytes(status, _go_json(data).encode(), "application/json; charset=utf-8")

    def _begin_stream(self) -> None:
        def write() -> None:
            self.send_response(200)
            self.send_header("Content-Type", "application/x-ndjson")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()

        self._guarded(write)

    def _send_line(self, data: Any) -> None:
        line = (_go_json(data) + "\n").encode()
        self._guarded(lambda: self.wfile.write(b"%x\r\n%s\r\n" % (len(line), line)))

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

    # -- waiting -------------------------------------------------------------------------

    def _still_wanted(self) -> None:
        """Raise if the double is stopping or the client has closed its connection."""
        if self.double._epoch != self.epoch:
            raise _Stopped
        try:
            readable, _, _ = select.select([self.connection], [], [], 0)
            # HTTP/1.1 clients do not pipeline: anything readable now is the EOF.
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

    def _root(self, body: Mapping[str, Any]) -> None:
        self._send_bytes(200, b"Ollama is running", "text/plain; charset=utf-8")

    def _version(self, body: Mapping[str, Any]) -> None:
        self._send_json(200, {"version": self.double.version})

    def _tags(self, body: Mapping[str, Any]) -> None:
        self._send_json(200, {"models": [_tag_entry(m) for m in self.double.models]})

    def _ps(self, body: Mapping[str, Any]) -> None:
        self._send_json(200, {"models": [_ps_entry(m) for m in self.double._loaded()]})

    def _show(self, body: Mapping[str, Any]) -> None:
        model = str(body.get("model") or body.get("name") or "")
        if not self.double._has_model(model):
            self._send_json(404, {"error": f"model '{model}' not found"})
            return
        self._send_json(200, _show_body(_full_name(model)))

    def _chat(self, body: Mapping[str, Any]) -> None:
        model = body.get("model")
        if not isinstance(model, str) or not model:
            self._send_json(400, {"error": "model is required"})
        elif not self.double._has_model(model):
            error = f'model "{model}" not found, try pulling it first'
            self._send_json(404, {"error": error})
        elif not body.get("messages"):
            self._load(model, body)
        elif body.get("think") is True and "thinking" not in _capabilities(model):
            self._send_json(400, {"error": f'"{model}" does not support thinking'})
        else:
            rule = self.double._take_rule(_last_user_content(body["messages"]))
            self._answer(model, body, rule)

    def _load(self, model: str, body: Mapping[str, Any]) -> None:
        # Ollama answers a chat without messages with one object, streamed or not.
        self.double._mark_loaded(model, body)
        unload = _keep_alive_seconds(body.get("keep_alive")) == 0
        self._send_json(200, _chat_line(model, "", done_reason="unload" if unload else "load"))

    def _answer(self, model: str, body: Mapping[str, Any], rule: Rule) -> None:
        if rule.hold:
            self.double._hold(self._still_wanted)
        self._pause(rule.delay)
        if rule.status != 200:
            error = rule.error or DEFAULT_ERRORS.get(rule.status, "error")
            self._send_json(rule.status, {"error": error})
            return
        self.double._mark_loaded(model, body)
        if body.get("stream", True) is False:
            self._answer_whole(model, body, rule)
        else:
            self._answer_streamed(model, body, rule)

    def _answer_whole(self, model: str, body: Mapping[str, Any], rule: Rule) -> None:
        if rule.drop_mid_stream:
            self._drop()
        elif rule.error_mid_stream:
            self._send_json(500, {"error": rule.error or MID_STREAM_ERROR})
        else:
            text = rule.answer_text()
            metrics = _metrics(body, len(_pieces(text)))
            line = _chat_line(model, text, done_reason=rule.done_reason, **metrics)
            self._send_json(200, line)

    def _answer_streamed(self, model: str, body: Mapping[str, Any], rule: Rule) -> None:
        pieces = _pieces(rule.answer_text())
        broken = rule.error_mid_stream or rule.drop_mid_stream
        self._begin_stream()
        for piece in pieces[: len(pieces) // 2] if broken else pieces:
            self._pause(rule.chunk_delay)
            self._send_line(_chat_line(model, piece))
        if rule.drop_mid_stream:
            self._drop()
            return
        if rule.error_mid_stream:
            # After streaming began the status is 200: the error is the last line.
            self._send_line({"error": rule.error or MID_STREAM_ERROR})
        else:
            metrics = _metrics(body, len(pieces))
            self._send_line(_chat_line(model, "", done_reason=rule.done_reason, **metrics))
        self._end_stream()

    def _pull(self, body: Mapping[str, Any]) -> None:
        model = str(body.get("model") or body.get("name") or "")
        streamed = body.get("stream", True) is not False
        if not self.double._can_pull(model):
            if streamed:
                self._stream_lines([{"status": "pulling manifest"}, {"error": PULL_UNKNOWN_ERROR}])
            else:
                self._send_json(500, {"error": PULL_UNKNOWN_ERROR})
            return
        lines = _pull_lines(_full_name(model))
        if streamed:
            self._stream_lines(lines)
        else:
            self._send_json(200, lines[-1])
        self.double._pulled(model)

    def _stream_lines(self, lines: list[dict[str, Any]]) -> None:
        self._begin_stream()
        for line in lines:
            self._pause(self.double.pull_line_delay)
            self._send_line(line)
        self._end_stream()


_ROUTES: dict[tuple[str, str], Callable[[_Handler, Mapping[str, Any]], None]] = {
    ("GET", "/"): _Handler._root,
    ("GET", "/api/version"): _Handler._version,
    ("GET", "/api/tags"): _Handler._tags,
    ("GET", "/api/ps"): _Handler._ps,
    ("POST", "/api/show"): _Handler._show,
    ("POST", "/api/chat"): _Handler._chat,
    ("POST", "/api/pull"): _Handler._pull,
}


# -- protocol details ------------------------------------------------------------------


def _go_json(data: Any) -> str:
    """JSON as Go's encoder writes it: raw UTF-8, but <, >, &, U+2028, U+2029 escaped."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    for char, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escaped)
    return text


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


def _full_name(model: str) -> str:
    return model if ":" in model.rsplit("/", 1)[-1] else f"{model}:latest"


def _pieces(text: str) -> list[str]:
    return [text[i : i + PIECE_CHARS] for i in range(0, len(text), PIECE_CHARS)]


def _last_user_content(messages: Any) -> str:
    for message in reversed(messages if isinstance(messages, list) else []):
        if isinstance(message, dict) and message.get("role") == "user":
            return str(message.get("content") or "")
    return ""


def _chat_line(
    model: str, content: str, done_reason: str | None = None, **metrics: int
) -> dict[str, Any]:
    line: dict[str, Any] = {
        "model": model,
        "created_at": _now(),
        "message": {"role": "assistant", "content": content},
    }
    if done_reason is not None:
        line["done_reason"] = done_reason
    line["done"] = done_reason is not None
    return line | metrics


def _metrics(body: Mapping[str, Any], pieces: int) -> dict[str, int]:
    prompt_chars = sum(len(str(m.get("content", ""))) for m in body.get("messages") or [])
    return {
        "total_duration": 1_000_000 * (pieces + 10),
        "load_duration": 1_000_000,
        "prompt_eval_count": prompt_chars // 4 + 1,
        "prompt_eval_duration": 5_000_000,
        "eval_count": pieces,
        "eval_duration": 1_000_000 * pieces,
    }


def _keep_alive_seconds(value: Any) -> float:
    """Seconds from a number or a Go duration ("30m", "1h30m"); negative = forever."""
    if value is None:
        return 300.0
    if isinstance(value, int | float):
        seconds = float(value)
    else:
        units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001}
        parts = re.findall(r"(-?[\d.]+)(ms|h|m|s)?", str(value))
        seconds = sum(float(n) * units[u or "s"] for n, u in parts)
    return 100 * 365 * 86400.0 if seconds < 0 else seconds


def _family(model: str) -> str:
    base = model.split(":", 1)[0].rsplit("/", 1)[-1]
    for prefix, family in (("qwen3", "qwen3"), ("qwen2", "qwen2"), ("gemma", "gemma3")):
        if base.startswith(prefix):
            return family
    return "qwen2" if base.startswith("deepseek-r1") else "llama"


def _capabilities(model: str) -> list[str]:
    base = model.split(":", 1)[0].rsplit("/", 1)[-1]
    capabilities = ["completion", "tools"]
    if base.startswith(("qwen3", "deepseek-r1", "gpt-oss")):
        capabilities.append("thinking")
    if "coder" in base:
        capabilities.append("insert")
    return capabilities


def _parameters(model: str) -> float:
    found = re.search(r"(\d+(?:\.\d+)?)b", model.split(":", 1)[-1])
    return float(found.group(1)) if found else 7.0


def _details(model: str) -> dict[str, Any]:
    family = _family(model)
    return {
        "parent_model": "",
        "format": "gguf",
        "family": family,
        "families": [family],
        "parameter_size": f"{_parameters(model):g}B",
        "quantization_level": "Q4_K_M",
    }


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _size(model: str) -> int:
    return int(_parameters(model) * 0.62e9)


def _tag_entry(model: str) -> dict[str, Any]:
    return {
        "name": model,
        "model": model,
        "modified_at": "2025-01-01T00:00:00Z",
        "size": _size(model),
        "digest": _digest(model),
        "details": _details(model),
    }


def _ps_entry(loaded: _Loaded) -> dict[str, Any]:
    entry = _tag_entry(loaded.model)
    del entry["modified_at"]
    return entry | {
        "expires_at": loaded.expires_at.isoformat(),
        "size_vram": entry["size"],
        "context_length": loaded.context_length,
    }


def _show_body(model: str) -> dict[str, Any]:
    family = _family(model)
    return {
        "license": "",
        "modelfile": f"FROM {model}\n",
        "parameters": 'stop "<|im_end|>"',
        "template": "{{ .Prompt }}",
        "details": _details(model),
        "model_info": {
            "general.architecture": family,
            "general.parameter_count": int(_parameters(model) * 1e9),
            f"{family}.context_length": CONTEXT_LENGTH,
            f"{family}.embedding_length": 3584,
        },
        "capabilities": _capabilities(model),
        "modified_at": "2025-01-01T00:00:00Z",
    }


def _pull_lines(model: str) -> list[dict[str, Any]]:
    lines: list[dict[str, Any]] = [{"status": "pulling manifest"}]
    for index, total in enumerate((_size(model), 11_345)):
        digest = _digest(f"{model}/{index}")
        layer = {"status": f"pulling {digest[:12]}", "digest": f"sha256:{digest}", "total": total}
        # Ollama leaves `completed` out while it is 0.
        lines += [layer, layer | {"completed": total // 2}, layer | {"completed": total}]
    statuses = ("verifying sha256 digest", "writing manifest", "success")
    return lines + [{"status": status} for status in statuses]


def _shutdown(connection: socket.socket) -> None:
    with contextlib.suppress(OSError):  # already closed by the other side
        connection.shutdown(socket.SHUT_RDWR)


# -- command line ------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve an Ollama test double on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    parser.add_argument("--script", type=Path, help='{"models": [...], "rules": [...]}')
    args = parser.parse_args(argv)
    double = OllamaDouble(port=args.port)
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
