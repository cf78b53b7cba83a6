"""The OpenAI-compatible protocol of the fake model server (llama-server, vLLM, ...).

It serves what a review client uses under `/v1`: `GET /v1/models` and
`POST /v1/chat/completions`, streamed as server-sent events (`data: {chunk}` lines, a
last chunk with `finish_reason`, a usage chunk when asked, then `data: [DONE]`) or as
one JSON object with `stream: false`. The failure cases of real servers:

- `api_key`: every route wants `Authorization: Bearer KEY`, else 401 (llama-server's
  body for `--api-key`);
- `refuse_json_schema`: a `json_schema` response format is refused with 400, as servers
  without structured outputs do; `json_object` is accepted;
- `owned_by`: "llamacpp" makes it llama-server, which accepts `cache_prompt`, serves
  `GET /props` at its root (context per slot, slots, build) and adds `timings` to the
  last chunk; any other owner refuses unknown request fields with 400, as the OpenAI
  API does, and has no /props;
- an unknown model: 404 with OpenAI's `model_not_found` body;
- per rule: any status (429 or 503 with `retry_after` -> `Retry-After`), an SSE error
  event mid-stream, a dropped connection, `finish_reason` "length", delays, holds.
"""

from __future__ import annotations

import json
import ssl
import time
from collections.abc import Iterable, Mapping
from typing import Any

from tests.model_server.answers import DefaultAnswer, no_findings
from tests.model_server.fake import ModelServer, Usage
from tests.model_server.serving import Exchange, Reply, Request
from tests.model_server.timing import INSTANT, Timing

DEFAULT_MODELS = ("gemma-3-270m",)
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
CHAT_PATH = "/v1/chat/completions"
LLAMA_CPP = "llamacpp"
# llama-server's context per slot when started without --ctx-size on a small model.
PROPS_N_CTX = 4096
PROPS_BUILD = "b6673-2ee7f2c1"


def error_reply(
    status: int,
    message: str,
    kind: str,
    code: str | int | None = None,
    headers: Mapping[str, str] | None = None,
) -> Reply:
    error = {"message": message, "type": kind, "code": status if code is None else code}
    payload = json.dumps({"error": error}).encode()
    return Reply(status, payload, "application/json; charset=utf-8", headers or {})


def _completion(model: str, kind: str = "chat.completion.chunk") -> dict[str, Any]:
    return {"id": "chatcmpl-double", "object": kind, "created": int(time.time()), "model": model}


def _chunk(model: str, delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
    choice = {"index": 0, "delta": delta, "finish_reason": finish_reason}
    return _completion(model) | {"choices": [choice]}


def _usage(usage: Usage) -> dict[str, int]:
    prompt, answer = usage.prompt_tokens, usage.answer_tokens
    return {"prompt_tokens": prompt, "completion_tokens": answer, "total_tokens": prompt + answer}


def _timings(usage: Usage) -> dict[str, float]:
    """llama.cpp's `timings` of one answer, in milliseconds."""
    prompt_ms, predicted_ms = usage.prompt_seconds * 1000, usage.answer_seconds * 1000
    return {
        "prompt_n": usage.prompt_tokens,
        "prompt_ms": prompt_ms,
        "prompt_per_second": usage.prompt_tokens / (prompt_ms / 1000) if prompt_ms else 0.0,
        "predicted_n": usage.answer_tokens,
        "predicted_ms": predicted_ms,
        "predicted_per_second": (
            usage.answer_tokens / (predicted_ms / 1000) if predicted_ms else 0.0
        ),
    }


def _event(data: Any) -> bytes:
    text = data if isinstance(data, str) else json.dumps(data)
    return f"data: {text}\n\n".encode()


class _ChatFormat:
    """How an OpenAI-compatible server writes one chat's answer."""

    stream_type = "text/event-stream"
    mid_stream_error = MID_STREAM_ERROR

    def __init__(self, model: str, body: Mapping[str, Any], *, llama_cpp: bool) -> None:
        self._model = model
        self._wants_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        self._llama_cpp = llama_cpp

    def accepted(self) -> None:
        pass

    def failure(self, status: int, message: str | None, retry_after: str | None) -> Reply:
        headers = {"Retry-After": retry_after} if retry_after else {}
        text = message or DEFAULT_ERRORS.get(status, "error")
        return error_reply(status, text, "server_error", headers=headers)

    def whole(self, text: str, done_reason: str, usage: Usage) -> Reply:
        message = {"role": "assistant", "content": text}
        choice = {"index": 0, "message": message, "finish_reason": done_reason}
        answer = _completion(self._model, "chat.completion") | {
            "choices": [choice],
            "usage": _usage(usage),
        }
        return Reply(200, json.dumps(answer).encode(), "application/json; charset=utf-8")

    def opening(self) -> list[bytes]:
        return [_event(_chunk(self._model, {"role": "assistant", "content": ""}))]

    def piece(self, text: str) -> bytes:
        return _event(_chunk(self._model, {"content": text}))

    def closing(self, done_reason: str, usage: Usage) -> list[bytes]:
        last = _chunk(self._model, {}, finish_reason=done_reason)
        if self._llama_cpp:
            last["timings"] = _timings(usage)
        events = [_event(last)]
        if self._wants_usage:
            events.append(
                _event(_completion(self._model) | {"choices": [], "usage": _usage(usage)})
            )
        return [*events, _event("[DONE]")]

    def stream_error(self, message: str) -> bytes:
        # After streaming began the status is 200: the error is an event of its own.
        return _event({"error": {"code": 500, "message": message, "type": "server_error"}})


class OpenAIDouble(ModelServer):
    """A fake OpenAI-compatible server. Use as a context manager; `url` is its base URL
    (with /v1)."""

    def __init__(
        self,
        models: Iterable[str] = DEFAULT_MODELS,
        *,
        port: int = 0,
        api_key: str | None = None,
        refuse_json_schema: bool = False,
        owned_by: str = "llamacpp",
        tls: ssl.SSLContext | None = None,
        timing: Timing = INSTANT,
        slots: int | None = None,
        default_answer: DefaultAnswer = no_findings,
        free_answer: DefaultAnswer | None = None,
    ) -> None:
        super().__init__(
            models,
            port=port,
            tls=tls,
            timing=timing,
            slots=slots,
            default_answer=default_answer,
            free_answer=free_answer,
        )
        self.api_key = api_key
        self.refuse_json_schema = refuse_json_schema
        self.owned_by = owned_by

    @property
    def url(self) -> str:
        return f"{super().url}/v1"

    async def route(self, request: Request, exchange: Exchange) -> None:
        body = _decode(request.body)
        is_chat = request.path == CHAT_PATH and isinstance(body, dict)
        self._record(request, body, chat=is_chat)
        if not self._authorized(request):
            await exchange.reply(error_reply(401, "Invalid API Key", "authentication_error", 401))
        elif (request.method, request.path) == ("GET", "/v1/models"):
            entries = [self._model_entry(model) for model in self.models]
            payload = json.dumps({"object": "list", "data": entries}).encode()
            await exchange.reply(Reply(200, payload, "application/json; charset=utf-8"))
        elif (request.method, request.path) == ("GET", "/props") and self.owned_by == LLAMA_CPP:
            payload = json.dumps(self._props()).encode()
            await exchange.reply(Reply(200, payload, "application/json; charset=utf-8"))
        elif (request.method, request.path) != ("POST", CHAT_PATH):
            await exchange.reply(error_reply(404, "File Not Found", "not_found_error", 404))
        elif not isinstance(body, dict):
            message = "the request body is not a JSON object"
            await exchange.reply(error_reply(400, message, "invalid_request_error"))
        else:
            await self._chat(exchange, body)

    def _authorized(self, request: Request) -> bool:
        if self.api_key is None:
            return True
        return request.header("Authorization") == f"Bearer {self.api_key}"

    def _props(self) -> dict[str, Any]:
        settings = {"n_ctx": PROPS_N_CTX, "params": {"n_predict": -1, "temperature": 0.8}}
        return {
            "default_generation_settings": settings,
            "total_slots": self.slot_count or 1,
            "model_path": f"/models/{self.models[0] if self.models else 'model'}.gguf",
            "build_info": PROPS_BUILD,
        }

    def _model_entry(self, model: str) -> dict[str, Any]:
        return {"id": model, "object": "model", "created": 1735689600, "owned_by": self.owned_by}

    async def _chat(self, exchange: Exchange, body: Mapping[str, Any]) -> None:
        refusal = self._refusal(body)
        if refusal is not None:
            await exchange.reply(error_reply(400, refusal, "invalid_request_error"))
            return
        model = str(body["model"])
        if model not in self.models:
            message = f"The model `{model}` does not exist."
            reply = error_reply(404, message, "invalid_request_error", code="model_not_found")
            await exchange.reply(reply)
            return
        streamed = body.get("stream") is True
        await self.answer_chat(
            exchange,
            body["messages"],
            streamed,
            _ChatFormat(model, body, llama_cpp=self.owned_by == LLAMA_CPP),
            free=body.get("response_format") is None,
        )

    def _refusal(self, body: Mapping[str, Any]) -> str | None:
        """Why a well-behaved server would refuse this body with 400, or None."""
        if not isinstance(body.get("model"), str) or not isinstance(body.get("messages"), list):
            return "'model' and 'messages' are required"
        unknown = sorted(set(body) - KNOWN_FIELDS)
        if unknown and not (self.owned_by == LLAMA_CPP and unknown == ["cache_prompt"]):
            return f"Unrecognized request argument supplied: {', '.join(unknown)}"
        kind = (body.get("response_format") or {}).get("type")
        if kind == "json_schema" and self.refuse_json_schema:
            return "'response_format' of type 'json_schema' is not supported with this model"
        return None


def _decode(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return None
