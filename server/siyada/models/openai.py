"""The client of an OpenAI-compatible chat-completions server.

llama.cpp's llama-server, vLLM, LM Studio and Ollama's own /v1 routes all speak this
protocol. The endpoint is the base URL including `/v1`. Like the Ollama client: one
`httpx.AsyncClient` per endpoint, `trust_env=False` (a proxy from the environment must
never see the user's code), no redirects (one could send the code, and the key, to a
host the user never configured), TLS verified (optionally against a private CA bundle),
and every request through `_call`, the single place where transport failures and HTTP
statuses become `ModelError`s. Request bodies carry source code and are never logged.

The API key is given as a value (the caller reads it from the environment variable that
`apiKeyEnv` names) and is sent only as `Authorization: Bearer`. It is kept out of this
object's repr and scrubbed from any server text that ends up in an error message.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import logging
import math
import re
import ssl
import time
from collections.abc import AsyncGenerator, AsyncIterator, Mapping
from contextlib import aclosing, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Final

import httpx

from siyada.models.endpoint import normalize_endpoint
from siyada.models.errors import (
    OPENAI,
    AnswerTruncated,
    BadRequest,
    ContextExceeded,
    EndpointUnreachable,
    ModelError,
    ModelNotFound,
    RequestTimedOut,
    ServerBusy,
    ServerFailure,
    StreamFailure,
    Unauthorized,
)
from siyada.models.ollama import ChatRequest, ChatResult, ModelInfo

__all__ = ["OpenAIClient", "ResponseFormats", "parse_retry_after"]

log = logging.getLogger(__name__)

_USER_AGENT: Final = "siyada"
_MAX_ERROR_TEXT: Final = 300
_SCHEMA_NAME: Final = "findings"
# `owned_by` of llama-server's /v1/models entries: only llama.cpp knows `cache_prompt`
# (the OpenAI API itself refuses unknown request fields).
_LLAMA_CPP_OWNER: Final = "llamacpp"
_SSE_DATA: Final = b"data:"
_SSE_DONE: Final = b"[DONE]"
# How servers say a model is unknown: vLLM "The model `x` does not exist.", Ollama's /v1
# 'model "x" not found', llama.cpp's router "model is not found", OpenAI the code
# "model_not_found". Statuses vary (400 or 404), so the wording decides.
_MODEL_UNKNOWN: Final = re.compile(r"\bmodel\b.*\b(not found|does not exist)", re.I | re.S)
# llama.cpp's `exceed_context_size_error`; vLLM "This model's maximum context length is".
_CONTEXT_EXCEEDED: Final = re.compile(
    r"exceed_context_size|exceeds the available context|maximum context length", re.I
)
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
        self.endpoint = normalize_endpoint(endpoint)
        self.request_timeout = request_timeout
        self.api_key_env = api_key_env
        self._api_key = api_key or None
        self._formats = formats or _SHARED_FORMATS
        self._traits: _Traits | None = None
        headers = {"User-Agent": _USER_AGENT}
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        self._http = httpx.AsyncClient(
            base_url=self.endpoint,
            timeout=httpx.Timeout(request_timeout, connect=connect_timeout),
            trust_env=False,
            follow_redirects=False,
            verify=_tls_context(ca_bundle),
            headers=headers,
        )

    def __repr__(self) -> str:
        key = "set" if self._api_key else "none"
        return f"OpenAIClient({self.endpoint!r}, api_key={key})"

    async def __aenter__(self) -> OpenAIClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def list_models(self) -> list[ModelInfo]:
        return [_model_info(entry) for entry in await self._model_entries()]

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
            entries = await self._model_entries()
            llama_cpp = any(entry.get("owned_by") == _LLAMA_CPP_OWNER for entry in entries)
            self._traits = _Traits(llama_cpp=llama_cpp)
        return self._traits.llama_cpp

    async def chat(self, request: ChatRequest) -> ChatResult:
        """Stream one answer. Cancelling the caller closes the connection, which makes
        the server stop generating."""
        body = _chat_body(request, cache_prompt=await self.is_llama_cpp())
        schema = request.format
        if schema is None:
            result = await self._chat(body, request.model)
        elif self._formats.json_schema_refused(self.endpoint):
            result = await self._chat(body | _json_object(schema), request.model)
        else:
            result = await self._chat_with_schema(body, schema, request.model)
        if result.done_reason == "length":
            raise AnswerTruncated(self.endpoint, request.model, result.content, provider=OPENAI)
        return result

    async def _chat_with_schema(
        self, body: dict[str, Any], schema: Mapping[str, Any], model: str
    ) -> ChatResult:
        try:
            return await self._chat(body | _json_schema(schema), model)
        except BadRequest as refusal:
            # 422: servers built on FastAPI refuse a body they cannot validate with it.
            if refusal.status not in (400, 422) or isinstance(refusal, ContextExceeded):
                raise
            try:
                result = await self._chat(body | _json_object(schema), model)
            except BadRequest:
                # Refused for another reason too: report the first refusal, remember nothing.
                raise refusal from None
            self._formats.remember_refusal(self.endpoint)
            return result

    async def _chat(self, body: dict[str, Any], model: str) -> ChatResult:
        started = time.monotonic()
        async with self._call("POST", "/chat/completions", body, model) as response:
            return await self._read_stream(response, started)

    async def _model_entries(self) -> list[dict[str, Any]]:
        data = await self._json("GET", "/models")
        entries = data.get("data")
        if not isinstance(entries, list):
            raise StreamFailure(self.endpoint, "/models did not list models", provider=OPENAI)
        return [entry for entry in entries if isinstance(entry, dict)]

    async def _json(self, method: str, path: str) -> dict[str, Any]:
        async with self._call(method, path) as response:
            await response.aread()
            try:
                data = json.loads(response.content)
            except ValueError:
                detail = f"{path} did not answer JSON"
                raise StreamFailure(self.endpoint, detail, provider=OPENAI) from None
        if not isinstance(data, dict):
            detail = f"{path} answered {type(data).__name__}"
            raise StreamFailure(self.endpoint, detail, provider=OPENAI)
        return data

    async def _read_stream(self, response: httpx.Response, started: float) -> ChatResult:
        pieces: list[str] = []
        finish_reason: str | None = None
        usage: Mapping[str, Any] = {}
        timings: Mapping[str, Any] = {}
        async with aclosing(_sse_events(response, self.endpoint)) as events:
            async for event in events:
                if "error" in event:
                    raise StreamFailure(self.endpoint, self._reported(event), provider=OPENAI)
                for choice in event.get("choices") or []:
                    delta = choice.get("delta") or {}
                    pieces.append(str(delta.get("content") or ""))
                    finish_reason = choice.get("finish_reason") or finish_reason
                usage = event.get("usage") or usage
                timings = event.get("timings") or timings
        if finish_reason is None:
            detail = "the stream ended before the last choice finished"
            raise StreamFailure(self.endpoint, detail, provider=OPENAI)
        return ChatResult(
            content="".join(pieces),
            done_reason=finish_reason,
            prompt_eval_count=int(usage.get("prompt_tokens") or 0),
            eval_count=int(usage.get("completion_tokens") or 0),
            total_duration_ns=_duration_ns(timings, started),
        )

    def _reported(self, event: Mapping[str, Any]) -> str:
        return f"the server reported: {self._scrubbed(_message_of(event['error']))}"

    @asynccontextmanager
    async def _call(
        self, method: str, path: str, body: Any = None, model: str | None = None
    ) -> AsyncIterator[httpx.Response]:
        """The one choke point: the response, checked; every failure a ModelError.

        The caller's reading of the body runs inside this context, so the total
        timeout and the error mapping cover it too.
        """
        started = time.monotonic()
        try:
            async with (
                asyncio.timeout(self.request_timeout),
                self._http.stream(method, path, json=body) as response,
            ):
                log.debug("%s %s -> %d", method, path, response.status_code)
                if not response.is_success:
                    await response.aread()
                    raise await self._status_error(response, path, model)
                yield response
        except ModelError:
            raise
        except (httpx.ConnectError, httpx.ConnectTimeout) as error:
            raise EndpointUnreachable(self.endpoint, str(error), provider=OPENAI) from error
        except (httpx.TimeoutException, TimeoutError) as error:
            raise RequestTimedOut(self.endpoint, self.request_timeout, provider=OPENAI) from error
        except httpx.HTTPError as error:
            detail = f"the connection dropped ({type(error).__name__})"
            raise StreamFailure(self.endpoint, detail, provider=OPENAI) from error
        finally:
            log.debug("%s %s took %.2f s", method, path, time.monotonic() - started)

    async def _status_error(
        self, response: httpx.Response, path: str, model: str | None
    ) -> ModelError:
        status = response.status_code
        text = self._scrubbed(_error_text(response))
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
        if status == 400 and _CONTEXT_EXCEEDED.search(response.text):
            return ContextExceeded(self.endpoint, text, provider=OPENAI)
        return BadRequest(self.endpoint, status, text, _status_hint(status, path), provider=OPENAI)

    async def _missing_model(
        self, response: httpx.Response, text: str, model: str
    ) -> ModelNotFound | None:
        """ModelNotFound when the error says the model is unknown, or is a 404 from a
        server whose /models answers (so the base URL is right); else None."""
        said_so = _names_unknown_model(response, text)
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


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a `Retry-After` header (delay-seconds or an HTTP date), or None."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    return max(0.0, seconds) if math.isfinite(seconds) else None


def _tls_context(ca_bundle: str | None) -> ssl.SSLContext | bool:
    """Verified TLS: the system's trust store, or only the CAs of `ca_bundle`."""
    if not ca_bundle:
        return True
    try:
        return ssl.create_default_context(cafile=ca_bundle)
    except (OSError, ssl.SSLError) as error:
        raise ValueError(f"the CA bundle '{ca_bundle}' cannot be used: {error}") from None


def _chat_body(request: ChatRequest, *, cache_prompt: bool) -> dict[str, Any]:
    """The request body. Ollama's `options` map to OpenAI's fields; `num_ctx`,
    `keep_alive` and `think` have no equivalent (the server fixes its context)."""
    options = request.options
    body: dict[str, Any] = {
        "model": request.model,
        "messages": [dict(message) for message in request.messages],
        "stream": True,
        # The token counts come in a last chunk only when asked for.
        "stream_options": {"include_usage": True},
        "temperature": options.get("temperature", 0),
    }
    if "seed" in options:
        body["seed"] = options["seed"]
    if "num_predict" in options:
        body["max_tokens"] = options["num_predict"]
    if cache_prompt:
        # Reuse the KV cache of the fixed system prompt across reviews.
        body["cache_prompt"] = True
    return body


def _json_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": _SCHEMA_NAME, "schema": dict(schema), "strict": True},
        }
    }


def _json_object(schema: Mapping[str, Any]) -> dict[str, Any]:
    # llama.cpp still enforces a `schema` given beside json_object; others ignore it,
    # and the schema is in the system prompt anyway.
    return {"response_format": {"type": "json_object", "schema": dict(schema)}}


async def _sse_events(
    response: httpx.Response, endpoint: str
) -> AsyncGenerator[dict[str, Any], None]:
    """The JSON objects of the `data:` lines of an event stream, up to `data: [DONE]`.

    Comments (`:` keep-alives), `event:` and other fields are skipped; an `event: error`
    carries its error in its `data:` line like the others. Split on b"\\n" only, after
    dropping a trailing b"\\r": JSON strings may hold other line separators unescaped.
    """
    buffer = b""
    async for chunk in response.aiter_bytes():
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            data = _sse_data(line.rstrip(b"\r"))
            if data == _SSE_DONE:
                return
            if data is not None:
                yield _sse_object(data, endpoint)
    data = _sse_data(buffer.rstrip(b"\r"))
    if data is not None and data != _SSE_DONE:
        yield _sse_object(data, endpoint)


def _sse_data(line: bytes) -> bytes | None:
    if not line.startswith(_SSE_DATA):
        return None
    data = line[len(_SSE_DATA) :]
    return data[1:] if data.startswith(b" ") else data


def _sse_object(data: bytes, endpoint: str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except ValueError:
        raise StreamFailure(endpoint, "an event was not valid JSON", provider=OPENAI) from None
    if not isinstance(value, dict):
        raise StreamFailure(endpoint, "an event was not a JSON object", provider=OPENAI)
    return value


def _duration_ns(timings: Mapping[str, Any], started: float) -> int:
    """The server's own busy time when it reports it (llama.cpp's `timings`), else the
    wall time of the request."""
    busy_ms = sum(float(timings.get(key) or 0) for key in ("prompt_ms", "predicted_ms"))
    seconds = busy_ms / 1000 if busy_ms > 0 else time.monotonic() - started
    return int(seconds * 1e9)


def _error_text(response: httpx.Response) -> str:
    """The message of an {"error": ...} body, or the start of whatever else came back."""
    try:
        data = json.loads(response.content)
    except ValueError:
        return response.text.strip()[:_MAX_ERROR_TEXT]
    if isinstance(data, dict) and "error" in data:
        return _message_of(data["error"])[:_MAX_ERROR_TEXT]
    if isinstance(data, dict) and "message" in data:
        return str(data["message"])[:_MAX_ERROR_TEXT]  # vLLM's flat error object
    return response.text.strip()[:_MAX_ERROR_TEXT]


def _message_of(error: object) -> str:
    if isinstance(error, dict):
        return str(error.get("message", error))
    return str(error)


def _names_unknown_model(response: httpx.Response, text: str) -> bool:
    try:
        data = json.loads(response.content)
    except ValueError:
        data = None
    error = data.get("error") if isinstance(data, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return code == "model_not_found" or bool(_MODEL_UNKNOWN.search(text))


def _status_hint(status: int, path: str) -> str:
    if status == 404:
        return f"Is siyada.endpoint the server's base URL, ending in /v1? It does not know {path}."
    if 300 <= status < 400:
        return "Siyada does not follow redirects; set siyada.endpoint to the final URL."
    return ""


def _model_info(entry: Mapping[str, Any]) -> ModelInfo:
    meta = entry.get("meta")
    if not isinstance(meta, dict):
        meta = {}
    parameters = meta.get("n_params")
    return ModelInfo(
        name=str(entry.get("id") or ""),
        size=int(meta.get("size") or 0),
        parameter_size=_parameter_size(parameters) if isinstance(parameters, int) else "",
        quantization_level="",
    )


def _parameter_size(count: int) -> str:
    """268098176 -> "268M", as Ollama writes parameter sizes."""
    for unit, scale in (("B", 1e9), ("M", 1e6), ("K", 1e3)):
        if count >= scale:
            return f"{count / scale:.3g}{unit}"
    return str(count)
