"""The client of Ollama's native API (/api/...).

HTTP goes through `Transport` (`transport.py`), the choke point shared with the OpenAI
client; this module maps `ChatRequest` to Ollama's request body, Ollama's statuses to
`ModelError`s, and reads its NDJSON streams (`streams.py`).
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Mapping
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any

import httpx

from siyada.i18n import _
from siyada.models.chat import ChatChunk, ChatRequest, ChatResult, ModelInfo
from siyada.models.errors import (
    OLLAMA,
    AnswerTruncated,
    BadRequest,
    EndpointUnreachable,
    ModelError,
    ModelNotFound,
    RequestTimedOut,
    ServerBusy,
    ServerFailure,
    StreamFailure,
)
from siyada.models.streams import ndjson, ndjson_chunks, read_ndjson_chat
from siyada.models.transport import REDIRECT_HINT, Transport, error_text

# The errors are re-exported: the callers of the client catch them from here.
__all__ = [
    "AnswerTruncated",
    "BadRequest",
    "EndpointUnreachable",
    "ModelError",
    "ModelNotFound",
    "OllamaClient",
    "PullProgress",
    "RequestTimedOut",
    "ServerBusy",
    "ServerFailure",
    "StreamFailure",
]


@dataclass(frozen=True)
class PullProgress:
    """One progress line; `total`/`completed` are bytes of the layer named by `digest`."""

    status: str
    digest: str | None = None
    total: int | None = None
    completed: int | None = None


class OllamaClient:
    """Async client of one Ollama endpoint. Close it with `aclose()` (or `async with`)."""

    def __init__(
        self, endpoint: str, *, request_timeout: float = 120, connect_timeout: float = 5.0
    ) -> None:
        self._transport = Transport(
            endpoint,
            provider=OLLAMA,
            status_error=self._status_error,
            request_timeout=request_timeout,
            connect_timeout=connect_timeout,
        )
        self.endpoint = self._transport.endpoint
        self.request_timeout = request_timeout

    async def __aenter__(self) -> OllamaClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._transport.aclose()

    async def list_models(self) -> list[ModelInfo]:
        data = await self._transport.json("GET", "/api/tags")
        return [_model_info(entry) for entry in data.get("models") or []]

    async def version(self) -> str:
        """The server's version (`GET /api/version`): the cheapest request Ollama answers."""
        data = await self._transport.json("GET", "/api/version")
        return str(data.get("version") or "")

    async def show(self, model: str) -> dict[str, Any]:
        return await self._transport.json("POST", "/api/show", {"model": model}, model)

    async def running_models(self) -> list[dict[str, Any]]:
        """The models in memory now, as `/api/ps` lists them."""
        data = await self._transport.json("GET", "/api/ps")
        return [entry for entry in data.get("models") or [] if isinstance(entry, dict)]

    async def load(self, model: str, keep_alive: str | int) -> None:
        """Load `model` into memory now (Ollama's documented warm-up: no messages)."""
        body: dict[str, Any] = {
            "model": model,
            "messages": [],
            "keep_alive": keep_alive,
            "stream": False,
        }
        await self._transport.json("POST", "/api/chat", body, model)

    async def chat(self, request: ChatRequest) -> ChatResult:
        """Stream one answer. Cancelling the caller closes the connection, which makes
        Ollama stop generating."""
        body = chat_body(request)
        async with self._transport.call("POST", "/api/chat", body, request.model) as response:
            result = await read_ndjson_chat(response, self.endpoint)
        if result.done_reason == "length":
            raise AnswerTruncated(self.endpoint, request.model, result.content, result=result)
        return result

    async def stream_chat(self, request: ChatRequest) -> AsyncGenerator[ChatChunk, None]:
        """A free-text answer piece by piece as Ollama writes it; the last chunk has the
        `done_reason`. Use it inside `contextlib.aclosing`: closing it early (or
        cancelling the task reading it) closes the HTTP request, which makes Ollama stop
        generating. Bounded by the per-read timeout only: the reader watches the answer
        grow and stops it when it likes, so a long answer on a slow machine is not cut."""
        body = chat_body(request)
        async with (
            self._transport.call(
                "POST", "/api/chat", body, request.model, total_timeout=False
            ) as response,
            aclosing(ndjson_chunks(response, self.endpoint)) as chunks,
        ):
            async for chunk in chunks:
                yield chunk

    async def pull(self, model: str) -> AsyncGenerator[PullProgress, None]:
        """Progress of `ollama pull model`. Not bounded by the request timeout (a pull
        can take many minutes), only by the per-read timeout. Use it inside
        `contextlib.aclosing` when stopping early, so the request is closed at once."""
        body = {"model": model, "stream": True}
        async with (
            self._transport.call("POST", "/api/pull", body, model, total_timeout=False) as response,
            aclosing(ndjson(response, self.endpoint)) as lines,
        ):
            async for line in lines:
                yield PullProgress(
                    status=str(line.get("status", "")),
                    digest=line.get("digest"),
                    total=line.get("total"),
                    # Ollama omits `completed` while it is 0.
                    completed=line.get("completed", 0 if "total" in line else None),
                )

    async def _status_error(
        self, response: httpx.Response, path: str, model: str | None
    ) -> ModelError:
        # Keyed on status codes: Ollama's error wording changes between versions.
        status = response.status_code
        text = error_text(response)
        if status == 404 and model is not None:
            return ModelNotFound(self.endpoint, model)
        if status == 503:
            return ServerBusy(self.endpoint, text)
        if status >= 500:
            return ServerFailure(self.endpoint, status, text)
        if status == 404:
            hint = _(
                "Is {endpoint} an Ollama server? It does not know {path}.",
                endpoint=self.endpoint,
                path=path,
            )
            return BadRequest(self.endpoint, status, text, hint)
        if 300 <= status < 400:
            return BadRequest(self.endpoint, status, text, _(REDIRECT_HINT))
        return BadRequest(self.endpoint, status, text)


def chat_body(request: ChatRequest) -> dict[str, Any]:
    """The /api/chat body of `request`."""
    body: dict[str, Any] = {
        "model": request.model,
        "messages": [dict(message) for message in request.messages],
        "stream": True,
        "options": dict(request.options),
        # Thinking models think by default, which costs time and breaks `format`.
        "think": request.think,
    }
    if request.format is not None:
        body["format"] = dict(request.format)
    if request.keep_alive is not None:
        body["keep_alive"] = request.keep_alive
    return body


def _model_info(entry: Mapping[str, Any]) -> ModelInfo:
    details = entry.get("details") or {}
    return ModelInfo(
        name=str(entry.get("name") or entry.get("model") or ""),
        size=int(entry.get("size") or 0),
        parameter_size=str(details.get("parameter_size") or ""),
        quantization_level=str(details.get("quantization_level") or ""),
    )
