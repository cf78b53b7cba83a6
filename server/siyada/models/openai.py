"""The client of an OpenAI-compatible chat-completions server.

llama.cpp's llama-server, vLLM, LM Studio and Ollama's own /v1 routes all speak this
protocol. The endpoint is the base URL including `/v1`. HTTP goes through `Transport`
(`transport.py`), shared with the Ollama client; this module says how the server's
statuses become `ModelError`s and falls back from a refused `json_schema` answer format.
What is sent and how answers read is `openai_wire.py`; the event stream, `streams.py`.

The API key is given as a value (the caller reads it from the environment variable that
`apiKeyEnv` names) and is sent only as `Authorization: Bearer`. It is kept out of this
object's repr and scrubbed from any server text that ends up in an error message.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncGenerator, Mapping
from contextlib import aclosing
from dataclasses import dataclass
from typing import Any, Final

import httpx

from siyada.i18n import _
from siyada.models.chat import ChatChunk, ChatRequest, ChatResult, ModelInfo
from siyada.models.errors import (
    OPENAI,
    AnswerTruncated,
    BadRequest,
    ContextExceeded,
    ModelError,
    ModelNotFound,
    ServerBusy,
    ServerFailure,
    StreamFailure,
    Unauthorized,
)
from siyada.models.openai_wire import (
    LLAMA_CPP_OWNER,
    chat_body,
    json_object_format,
    json_schema_format,
    model_info,
    names_unknown_model,
    says_context_exceeded,
)
from siyada.models.streams import read_sse_chat, sse_chunks
from siyada.models.transport import REDIRECT_HINT, Transport, error_text, parse_retry_after

__all__ = ["OpenAIClient", "ResponseFormats"]

log = logging.getLogger(__name__)

_REDACTED: Final = "[redacted]"


class ResponseFormats:
    """Endpoints that refused a `json_schema` response format but took `json_object`.

    Shared by every client of the process, so a reviewer rebuilt after a settings
    change does not ask again. Only a refusal followed by an accepted fallback is
    remembered: a 400 for another reason (a prompt too long) changes nothing.
    """

    def __init__(self) -> None:
        self._json_object_only: set[str] = set()

    def json_schema_refused(self, endpoint: str) -> bool:
        return endpoint in self._json_object_only

    def remember_refusal(self, endpoint: str) -> None:
        if endpoint not in self._json_object_only:
            log.info("%s refuses json_schema answers; using json_object from now on.", endpoint)
        self._json_object_only.add(endpoint)


_SHARED_FORMATS: Final = ResponseFormats()


@dataclass(frozen=True)
class _Traits:
    """What the server told about itself in /models."""

    llama_cpp: bool


class OpenAIClient:
    """Async client of one OpenAI-compatible endpoint (base URL with /v1).

    Same shape as `OllamaClient` where the protocol allows: `list_models`, `show`,
    `chat(ChatRequest) -> ChatResult`, `aclose`. Close it with `aclose()` (or
    `async with`).
    """

    def __init__(
        self,
        endpoint: str,
        *,
        api_key: str | None = None,
        api_key_env: str = "",
        ca_bundle: str | None = None,
        request_timeout: float = 120,
        connect_timeout: float = 5.0,
        formats: ResponseFormats | None = None,
    ) -> None:
        self.api_key_env = api_key_env
        self._api_key = api_key or None
        self._formats = formats or _SHARED_FORMATS
        self._traits: _Traits | None = None
        headers = {"Authorization": f"Bearer {self._api_key}"} if self._api_key else {}
        self._transport = Transport(
            endpoint,
            provider=OPENAI,
            status_error=self._status_error,
            request_timeout=request_timeout,
            connect_timeout=connect_timeout,
            headers=headers,
            ca_bundle=ca_bundle,
            scrub=self._scrubbed,
        )
        self.endpoint = self._transport.endpoint
        self.request_timeout = request_timeout

    def __repr__(self) -> str:
        key = "set" if self._api_key else "none"
        return f"OpenAIClient({self.endpoint!r}, api_key={key})"

    async def __aenter__(self) -> OpenAIClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._transport.aclose()

    async def list_models(self) -> list[ModelInfo]:
        return [model_info(entry) for entry in await self._model_entries()]

    async def show(self, model: str) -> dict[str, Any]:
        """The /models entry of `model`; ModelNotFound (listing what is served) if absent."""
        entries = await self._model_entries()
        for entry in entries:
            if entry.get("id") == model:
                return entry
        served = [str(entry.get("id", "")) for entry in entries]
        raise ModelNotFound(self.endpoint, model, provider=OPENAI, available=served)

    async def is_llama_cpp(self) -> bool:
        """Whether the server is llama.cpp's (asked once, from /models)."""
        if self._traits is None:
            await self._model_entries()
        assert self._traits is not None  # filled by every listing
        return self._traits.llama_cpp

    async def server_props(self) -> dict[str, Any]:
        """llama.cpp's `/props` (context per slot, slots, build), served beside `/v1` at
        the server's root, not under it."""
        root = self.endpoint.removesuffix("/").removesuffix("/v1")
        return await self._transport.json("GET", f"{root}/props")

    async def chat(self, request: ChatRequest) -> ChatResult:
        """Stream one answer. Cancelling the caller closes the connection, which makes
        the server stop generating."""
        body = chat_body(request, cache_prompt=await self.is_llama_cpp())
        schema = request.format
        if schema is None:
            result = await self._chat(body, request.model)
        elif self._formats.json_schema_refused(self.endpoint):
            result = await self._chat(body | json_object_format(schema), request.model)
        else:
            result = await self._chat_with_schema(body, schema, request.model)
        if result.done_reason == "length":
            raise AnswerTruncated(
                self.endpoint, request.model, result.content, provider=OPENAI, result=result
            )
        return result

    async def stream_chat(self, request: ChatRequest) -> AsyncGenerator[ChatChunk, None]:
        """A free-text answer piece by piece as the server writes it (no response
        format); the last chunk has the finish reason. Use it inside
        `contextlib.aclosing`: closing it early (or cancelling the task reading it)
        closes the HTTP request, which makes the server stop generating. Bounded by the
        per-read timeout only, as Ollama's."""
        body = chat_body(request, cache_prompt=await self.is_llama_cpp())
        async with (
            self._transport.call(
                "POST", "/chat/completions", body, request.model, total_timeout=False
            ) as response,
            aclosing(sse_chunks(response, self.endpoint, scrub=self._scrubbed)) as chunks,
        ):
            async for chunk in chunks:
                yield chunk

    async def _chat_with_schema(
        self, body: dict[str, Any], schema: Mapping[str, Any], model: str
    ) -> ChatResult:
        try:
            return await self._chat(body | json_schema_format(schema), model)
        except BadRequest as refusal:
            # 422: servers built on FastAPI refuse a body they cannot validate with it.
            if refusal.status not in (400, 422) or isinstance(refusal, ContextExceeded):
                raise
            try:
                result = await self._chat(body | json_object_format(schema), model)
            except BadRequest:
                # Refused for another reason too: report the first refusal, remember nothing.
                raise refusal from None
            self._formats.remember_refusal(self.endpoint)
            return result

    async def _chat(self, body: dict[str, Any], model: str) -> ChatResult:
        started = time.monotonic()
        async with self._transport.call("POST", "/chat/completions", body, model) as response:
            return await read_sse_chat(
                response, self.endpoint, started=started, scrub=self._scrubbed
            )

    async def _model_entries(self) -> list[dict[str, Any]]:
        data = await self._transport.json("GET", "/models")
        entries = data.get("data")
        if not isinstance(entries, list):
            raise StreamFailure(self.endpoint, "/models did not list models", provider=OPENAI)
        listed = [entry for entry in entries if isinstance(entry, dict)]
        if self._traits is None:
            llama_cpp = any(entry.get("owned_by") == LLAMA_CPP_OWNER for entry in listed)
            self._traits = _Traits(llama_cpp=llama_cpp)
        return listed

    async def _status_error(
        self, response: httpx.Response, path: str, model: str | None
    ) -> ModelError:
        status = response.status_code
        text = self._scrubbed(error_text(response))
        if status in (401, 403):
            return Unauthorized(self.endpoint, status, self.api_key_env)
        if model is not None and status in (400, 404):
            missing = await self._missing_model(response, text, model)
            if missing is not None:
                return missing
        if status in (429, 503):
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            return ServerBusy(self.endpoint, text, provider=OPENAI, retry_after=retry_after)
        if status >= 500:
            return ServerFailure(self.endpoint, status, text, provider=OPENAI)
        if status == 400 and says_context_exceeded(response):
            return ContextExceeded(self.endpoint, text, provider=OPENAI)
        return BadRequest(self.endpoint, status, text, _status_hint(status, path), provider=OPENAI)

    async def _missing_model(
        self, response: httpx.Response, text: str, model: str
    ) -> ModelNotFound | None:
        """ModelNotFound when the error says the model is unknown, or is a 404 from a
        server whose /models answers (so the base URL is right); else None."""
        said_so = names_unknown_model(response, text)
        if not said_so and response.status_code != 404:
            return None
        served = await self._served_models()
        if served is None and not said_so:
            return None  # /models fails too: more likely a wrong base URL
        return ModelNotFound(self.endpoint, model, provider=OPENAI, available=served or ())

    async def _served_models(self) -> list[str] | None:
        """The ids /models lists, for an error message; None when that fails too."""
        try:
            return [str(entry.get("id", "")) for entry in await self._model_entries()]
        except ModelError as error:
            log.debug("Could not list the served models: %s", error.kind)
            return None

    def _scrubbed(self, text: str) -> str:
        """Server text without the API key, should a server ever echo it back."""
        return text.replace(self._api_key, _REDACTED) if self._api_key else text


def _status_hint(status: int, path: str) -> str:
    if status == 404:
        return _(
            "Is siyada.endpoint the server's base URL, ending in /v1? It does not know {path}.",
            path=path,
        )
    if 300 <= status < 400:
        return _(REDIRECT_HINT)
    return ""
