"""The Ollama HTTP client: the only module that talks HTTP.

One `httpx.AsyncClient` per endpoint, with explicit timeouts and `trust_env=False`: a
proxy configured in the environment must never see the user's code. Every request goes
through `_call`, the single place where transport failures and HTTP statuses become
`ModelError`s. Request bodies carry source code and are never logged.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncGenerator, AsyncIterator, Mapping, Sequence
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import httpx

from siyada.models.endpoint import normalize_endpoint
from siyada.models.errors import (
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

__all__ = [
    "AnswerTruncated",
    "BadRequest",
    "ChatRequest",
    "ChatResult",
    "EndpointUnreachable",
    "ModelError",
    "ModelInfo",
    "ModelNotFound",
    "OllamaClient",
    "PullProgress",
    "RequestTimedOut",
    "ServerBusy",
    "ServerFailure",
    "StreamFailure",
]

log = logging.getLogger(__name__)

_USER_AGENT = "siyada"
_MAX_ERROR_TEXT = 300


@dataclass(frozen=True)
class ChatRequest:
    """One /api/chat call. `keep_alive=None` leaves the server's default in place."""

    model: str
    messages: Sequence[Mapping[str, str]]
    format: Mapping[str, Any] | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    keep_alive: str | int | None = None
    think: bool = False

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [dict(message) for message in self.messages],
            "stream": True,
            "options": dict(self.options),
            # Thinking models think by default, which costs time and breaks `format`.
            "think": self.think,
        }
        if self.format is not None:
            body["format"] = dict(self.format)
        if self.keep_alive is not None:
            body["keep_alive"] = self.keep_alive
        return body


@dataclass(frozen=True)
class ChatResult:
    content: str
    done_reason: str
    prompt_eval_count: int
    eval_count: int
    total_duration_ns: int


@dataclass(frozen=True)
class ModelInfo:
    name: str
    size: int
    parameter_size: str
    quantization_level: str


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
        self.endpoint = normalize_endpoint(endpoint)
        self.request_timeout = request_timeout
        self._http = httpx.AsyncClient(
            base_url=self.endpoint,
            timeout=httpx.Timeout(request_timeout, connect=connect_timeout),
            trust_env=False,
            # A redirect could send the code somewhere the user never configured.
            follow_redirects=False,
            headers={"User-Agent": _USER_AGENT},
        )

    async def __aenter__(self) -> OllamaClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def list_models(self) -> list[ModelInfo]:
        data = await self._json("GET", "/api/tags")
        return [_model_info(entry) for entry in data.get("models") or []]

    async def show(self, model: str) -> dict[str, Any]:
        return await self._json("POST", "/api/show", body={"model": model}, model=model)

    async def load(self, model: str, keep_alive: str | int) -> None:
        """Load `model` into memory now (Ollama's documented warm-up: no messages)."""
        body: dict[str, Any] = {
            "model": model,
            "messages": [],
            "keep_alive": keep_alive,
            "stream": False,
        }
        await self._json("POST", "/api/chat", body=body, model=model)

    async def chat(self, request: ChatRequest) -> ChatResult:
        """Stream one answer. Cancelling the caller closes the connection, which makes
        Ollama stop generating."""
        async with self._call("POST", "/api/chat", request.body(), request.model) as response:
            result = await self._read_chat_stream(response)
        if result.done_reason == "length":
            raise AnswerTruncated(self.endpoint, request.model, result.content)
        return result

    async def pull(self, model: str) -> AsyncGenerator[PullProgress, None]:
        """Progress of `ollama pull model`. Not bounded by the request timeout (a pull
        can take many minutes), only by the per-read timeout. Use it inside
        `contextlib.aclosing` when stopping early, so the request is closed at once."""
        body = {"model": model, "stream": True}
        async with (
            self._call("POST", "/api/pull", body, model, total_timeout=False) as response,
            aclosing(_ndjson(response, self.endpoint)) as lines,
        ):
            async for line in lines:
                yield PullProgress(
                    status=str(line.get("status", "")),
                    digest=line.get("digest"),
                    total=line.get("total"),
                    # Ollama omits `completed` while it is 0.
                    completed=line.get("completed", 0 if "total" in line else None),
                )

    async def _json(
        self, method: str, path: str, *, body: Any = None, model: str | None = None
    ) -> dict[str, Any]:
        async with self._call(method, path, body, model) as response:
            await response.aread()
            try:
                data = json.loads(response.content)
            except ValueError:
                raise StreamFailure(self.endpoint, f"{path} did not answer JSON") from None
        if not isinstance(data, dict):
            raise StreamFailure(self.endpoint, f"{path} answered {type(data).__name__}")
        return data

    async def _read_chat_stream(self, response: httpx.Response) -> ChatResult:
        pieces: list[str] = []
        final: dict[str, Any] | None = None
        async with aclosing(_ndjson(response, self.endpoint)) as lines:
            async for line in lines:
                message = line.get("message") or {}
                pieces.append(str(message.get("content") or ""))
                if line.get("done"):
                    final = line
        if final is None:
            raise StreamFailure(self.endpoint, "the stream ended before the final line")
        return ChatResult(
            content="".join(pieces),
            done_reason=str(final.get("done_reason", "")),
            prompt_eval_count=int(final.get("prompt_eval_count") or 0),
            eval_count=int(final.get("eval_count") or 0),
            total_duration_ns=int(final.get("total_duration") or 0),
        )

    @asynccontextmanager
    async def _call(
        self,
        method: str,
        path: str,
        body: Any = None,
        model: str | None = None,
        *,
        total_timeout: bool = True,
    ) -> AsyncIterator[httpx.Response]:
        """The one choke point: the response, checked; every failure a ModelError.

        The caller's reading of the body runs inside this context, so the total
        timeout and the error mapping cover it too.
        """
        started = time.monotonic()
        deadline = self.request_timeout if total_timeout else None
        try:
            async with (
                asyncio.timeout(deadline),
                self._http.stream(method, path, json=body) as response,
            ):
                log.debug("%s %s -> %d", method, path, response.status_code)
                if not response.is_success:
                    await response.aread()
                    raise self._status_error(response, path, model)
                yield response
        except ModelError:
            raise
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            raise EndpointUnreachable(self.endpoint, str(error)) from error
        except (httpx.TimeoutException, TimeoutError) as error:
            raise RequestTimedOut(self.endpoint, self.request_timeout) from error
        except httpx.HTTPError as error:
            detail = f"the connection dropped ({type(error).__name__}: {error})"
            raise StreamFailure(self.endpoint, detail) from error
        finally:
            log.debug("%s %s took %.2f s", method, path, time.monotonic() - started)

    def _status_error(self, response: httpx.Response, path: str, model: str | None) -> ModelError:
        # Keyed on status codes: Ollama's error wording changes between versions.
        status = response.status_code
        text = _error_text(response)
        if status == 404 and model is not None:
            return ModelNotFound(self.endpoint, model)
        if status == 503:
            return ServerBusy(self.endpoint, text)
        if status >= 500:
            return ServerFailure(self.endpoint, status, text)
        if status == 404:
            hint = f"Is {self.endpoint} an Ollama server? It does not know {path}."
            return BadRequest(self.endpoint, status, text, hint)
        if 300 <= status < 400:
            hint = "Siyada does not follow redirects; set siyada.endpoint to the final URL."
            return BadRequest(self.endpoint, status, text, hint)
        return BadRequest(self.endpoint, status, text)


async def _ndjson(response: httpx.Response, endpoint: str) -> AsyncGenerator[dict[str, Any], None]:
    """The objects of an application/x-ndjson body; an {"error"} line raises.

    Split on b"\\n" only: httpx's `aiter_lines` also splits on U+0085 and other
    characters that Ollama's JSON encoder leaves unescaped inside strings.
    """
    buffer = b""
    async for chunk in response.aiter_bytes():
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            if line.strip():
                yield _ndjson_object(line, endpoint)
    if buffer.strip():
        yield _ndjson_object(buffer, endpoint)


def _ndjson_object(line: bytes, endpoint: str) -> dict[str, Any]:
    try:
        data = json.loads(line)
    except ValueError:
        raise StreamFailure(endpoint, "a line of the answer was not valid JSON") from None
    if not isinstance(data, dict):
        raise StreamFailure(endpoint, "a line of the answer was not a JSON object")
    if "error" in data:
        raise StreamFailure(endpoint, f"Ollama reported: {data['error']}")
    return data


def _error_text(response: httpx.Response) -> str:
    """The message of an {"error": ...} body, or the start of whatever else came back."""
    try:
        data = json.loads(response.content)
    except ValueError:
        return response.text.strip()[:_MAX_ERROR_TEXT]
    if isinstance(data, dict) and "error" in data:
        error = data["error"]
        # The OpenAI-compatible layer nests it: {"error": {"message": ...}}.
        if isinstance(error, dict):
            error = error.get("message", error)
        return str(error)[:_MAX_ERROR_TEXT]
    return response.text.strip()[:_MAX_ERROR_TEXT]


def _model_info(entry: Mapping[str, Any]) -> ModelInfo:
    details = entry.get("details") or {}
    return ModelInfo(
        name=str(entry.get("name") or entry.get("model") or ""),
        size=int(entry.get("size") or 0),
        parameter_size=str(details.get("parameter_size") or ""),
        quantization_level=str(details.get("quantization_level") or ""),
    )
