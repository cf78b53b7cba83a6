"""The Ollama protocol of the fake model server.

It serves the endpoints a review client uses (/, /api/version, /api/tags, /api/show,
/api/chat, /api/pull, /api/ps) with Ollama's status codes, bodies and streaming format
(chunked application/x-ndjson, one object per line, a final `done:true` line). A chat
without messages loads (or with `keep_alive: 0` unloads) the model; a request whose
Host header is not local gets 403, as Ollama bound to loopback does.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Awaitable, Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.model_server.answers import DefaultAnswer, no_findings
from tests.model_server.fake import ModelServer, Usage
from tests.model_server.ollama_models import (
    DEFAULT_REGISTRY,
    Loaded,
    capabilities,
    full_name,
    go_json,
    keep_alive_seconds,
    now,
    ps_entry,
    pull_lines,
    show_body,
    tag_entry,
)
from tests.model_server.serving import Exchange, Reply, Request
from tests.model_server.timing import INSTANT, Timing

DEFAULT_MODELS = ("qwen2.5-coder:7b",)
DEFAULT_ERRORS = {
    400: "invalid request",
    500: "model runner has unexpectedly stopped, this may be due to resource limitations "
    "or an internal error, check ollama server logs for details",
    503: "server busy, please try again.  maximum pending requests exceeded",
}
MID_STREAM_ERROR = "an error was encountered while running the model: unexpected EOF"
PULL_UNKNOWN_ERROR = "pull model manifest: file does not exist"
JSON_TYPE = "application/json; charset=utf-8"


def json_reply(status: int, data: Any) -> Reply:
    return Reply(status, go_json(data).encode(), JSON_TYPE)


def chat_line(
    model: str, content: str, done_reason: str | None = None, usage: Usage | None = None
) -> dict[str, Any]:
    line: dict[str, Any] = {
        "model": model,
        "created_at": now(),
        "message": {"role": "assistant", "content": content},
    }
    if done_reason is not None:
        line["done_reason"] = done_reason
    line["done"] = done_reason is not None
    return line | (_metrics(usage) if usage is not None else {})


def _metrics(usage: Usage) -> dict[str, int]:
    return {
        "total_duration": int(usage.total_seconds * 1e9),
        "load_duration": 0,
        "prompt_eval_count": usage.prompt_tokens,
        "prompt_eval_duration": int(usage.prompt_seconds * 1e9),
        "eval_count": usage.answer_tokens,
        "eval_duration": int(usage.answer_seconds * 1e9),
    }


class _ChatFormat:
    """How Ollama writes one chat's answer."""

    stream_type = "application/x-ndjson"
    mid_stream_error = MID_STREAM_ERROR

    def __init__(self, double: OllamaDouble, model: str, body: Mapping[str, Any]) -> None:
        self._double, self._model, self._body = double, model, body

    def accepted(self) -> None:
        self._double._mark_loaded(self._model, self._body)

    def failure(self, status: int, message: str | None, retry_after: str | None) -> Reply:
        return json_reply(status, {"error": message or DEFAULT_ERRORS.get(status, "error")})

    def whole(self, text: str, done_reason: str, usage: Usage) -> Reply:
        return json_reply(200, chat_line(self._model, text, done_reason, usage))

    def opening(self) -> list[bytes]:
        return []

    def piece(self, text: str) -> bytes:
        return _line(chat_line(self._model, text))

    def closing(self, done_reason: str, usage: Usage) -> list[bytes]:
        return [_line(chat_line(self._model, "", done_reason, usage))]

    def stream_error(self, message: str) -> bytes:
        return _line({"error": message})


def _line(data: Any) -> bytes:
    return (go_json(data) + "\n").encode()


class OllamaDouble(ModelServer):
    """A fake Ollama. Use as a context manager; `url` is where it listens.

    `registry` is what /api/pull can fetch; `pull_line_delay` paces streamed pulls.
    """

    def __init__(
        self,
        models: Iterable[str] = DEFAULT_MODELS,
        *,
        port: int = 0,
        registry: Iterable[str] = DEFAULT_REGISTRY,
        version: str = "0.32.15",
        tls: ssl.SSLContext | None = None,
        timing: Timing = INSTANT,
        slots: int | None = None,
        default_answer: DefaultAnswer = no_findings,
        free_answer: DefaultAnswer | None = None,
    ) -> None:
        names = [full_name(m) for m in models]
        super().__init__(
            names,
            port=port,
            tls=tls,
            timing=timing,
            slots=slots,
            default_answer=default_answer,
            free_answer=free_answer,
        )
        self.version = version
        self.pull_line_delay = 0.0
        self._registry = {full_name(m) for m in registry} | set(names)
        self._loaded: dict[str, Loaded] = {}

    def set_models(self, models: Iterable[str]) -> None:
        names = [full_name(m) for m in models]
        super().set_models(names)
        with self._cond:
            self._registry |= set(names)

    # -- state (the server's thread) -----------------------------------------------------

    def _has_model(self, model: str) -> bool:
        return full_name(model) in self.models

    def _pulled(self, model: str) -> None:
        def change() -> None:
            if full_name(model) not in self._models:
                self._models.append(full_name(model))

        self._changed(change)

    def _mark_loaded(self, model: str, body: Mapping[str, Any]) -> None:
        keep_alive = keep_alive_seconds(body.get("keep_alive"))
        options = body.get("options") or {}
        context_length = int(options.get("num_ctx") or 4096)

        def change() -> None:
            name = full_name(model)
            if keep_alive == 0:
                self._loaded.pop(name, None)
                return
            expires = datetime.now(UTC) + timedelta(seconds=keep_alive)
            self._loaded[name] = Loaded(name, expires, context_length)

        self._changed(change)

    # -- routing -------------------------------------------------------------------------

    async def route(self, request: Request, exchange: Exchange) -> None:
        body = _decode(request.body)
        is_chat = (
            request.path == "/api/chat" and isinstance(body, dict) and bool(body.get("messages"))
        )
        self._record(request, body, chat=is_chat)
        if not _host_allowed(request.header("Host") or ""):
            # Ollama bound to loopback refuses a non-local Host header (DNS rebinding).
            await exchange.reply(Reply(403, b"", "text/plain"))
            return
        handler = _ROUTES.get((request.method, request.path))
        if handler is None:
            await exchange.reply(Reply(404, b"404 page not found", "text/plain"))
        elif request.method == "POST" and not isinstance(body, dict):
            error = "missing request body" if body is None else body
            await exchange.reply(json_reply(400, {"error": error}))
        else:
            await handler(self, exchange, body if isinstance(body, dict) else {})

    async def _root(self, exchange: Exchange, body: Mapping[str, Any]) -> None:
        await exchange.reply(Reply(200, b"Ollama is running", "text/plain; charset=utf-8"))

    async def _version(self, exchange: Exchange, body: Mapping[str, Any]) -> None:
        await exchange.reply(json_reply(200, {"version": self.version}))

    async def _tags(self, exchange: Exchange, body: Mapping[str, Any]) -> None:
        await exchange.reply(json_reply(200, {"models": [tag_entry(m) for m in self.models]}))

    async def _ps(self, exchange: Exchange, body: Mapping[str, Any]) -> None:
        with self._cond:
            loaded = list(self._loaded.values())
        await exchange.reply(json_reply(200, {"models": [ps_entry(m) for m in loaded]}))

    async def _show(self, exchange: Exchange, body: Mapping[str, Any]) -> None:
        model = str(body.get("model") or body.get("name") or "")
        if not self._has_model(model):
            await exchange.reply(json_reply(404, {"error": f"model '{model}' not found"}))
            return
        await exchange.reply(json_reply(200, show_body(full_name(model))))

    async def _chat(self, exchange: Exchange, body: Mapping[str, Any]) -> None:
        model = body.get("model")
        if not isinstance(model, str) or not model:
            await exchange.reply(json_reply(400, {"error": "model is required"}))
        elif not self._has_model(model):
            error = f'model "{model}" not found, try pulling it first'
            await exchange.reply(json_reply(404, {"error": error}))
        elif not body.get("messages"):
            await self._load(exchange, model, body)
        elif body.get("think") is True and "thinking" not in capabilities(model):
            error = f'"{model}" does not support thinking'
            await exchange.reply(json_reply(400, {"error": error}))
        else:
            streamed = body.get("stream", True) is not False
            chat = _ChatFormat(self, model, body)
            free = body.get("format") is None
            await self.answer_chat(exchange, body["messages"], streamed, chat, free=free)

    async def _load(self, exchange: Exchange, model: str, body: Mapping[str, Any]) -> None:
        # Ollama answers a chat without messages with one object, streamed or not.
        self._mark_loaded(model, body)
        unload = keep_alive_seconds(body.get("keep_alive")) == 0
        line = chat_line(model, "", done_reason="unload" if unload else "load")
        await exchange.reply(json_reply(200, line))

    async def _pull(self, exchange: Exchange, body: Mapping[str, Any]) -> None:
        model = str(body.get("model") or body.get("name") or "")
        streamed = body.get("stream", True) is not False
        with self._cond:
            known = full_name(model) in self._registry
        if not known:
            if streamed:
                lines = [{"status": "pulling manifest"}, {"error": PULL_UNKNOWN_ERROR}]
                await self._stream_lines(exchange, lines)
            else:
                await exchange.reply(json_reply(500, {"error": PULL_UNKNOWN_ERROR}))
            return
        lines = pull_lines(full_name(model))
        if streamed:
            await self._stream_lines(exchange, lines)
        else:
            await exchange.reply(json_reply(200, lines[-1]))
        self._pulled(model)

    async def _stream_lines(self, exchange: Exchange, lines: list[dict[str, Any]]) -> None:
        await exchange.begin_stream("application/x-ndjson")
        for line in lines:
            await exchange.pause(self.pull_line_delay)
            await exchange.send_chunks([_line(line)])
        await exchange.end_stream()


_Route = Callable[[OllamaDouble, Exchange, Mapping[str, Any]], Awaitable[None]]
_ROUTES: dict[tuple[str, str], _Route] = {
    ("GET", "/"): OllamaDouble._root,
    ("GET", "/api/version"): OllamaDouble._version,
    ("GET", "/api/tags"): OllamaDouble._tags,
    ("GET", "/api/ps"): OllamaDouble._ps,
    ("POST", "/api/show"): OllamaDouble._show,
    ("POST", "/api/chat"): OllamaDouble._chat,
    ("POST", "/api/pull"): OllamaDouble._pull,
}


def _decode(raw: bytes) -> Any:
    """The JSON body; None when absent; an error string when it is not JSON."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return "invalid character in request body: not JSON"


def _host_allowed(host: str) -> bool:
    host = host.lower()
    name = host[1:].split("]", 1)[0] if host.startswith("[") else host.split(":", 1)[0]
    return name in ("localhost", "127.0.0.1", "::1", "")
