"""What goes over the wire to an OpenAI-compatible server and what its answers mean.

The chat-completions body of a `ChatRequest`, the response formats that carry the
answer's schema, a `/models` entry as a `ModelInfo`, and the wording by which servers say
a model is unknown or a prompt too long. No HTTP here: `openai.py` sends and receives.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Final

import httpx

from siyada.models.chat import ChatRequest, ModelInfo

_SCHEMA_NAME: Final = "findings"
# `owned_by` of llama-server's /v1/models entries: only llama.cpp knows `cache_prompt`
# (the OpenAI API itself refuses unknown request fields).
LLAMA_CPP_OWNER: Final = "llamacpp"
# How servers say a model is unknown: vLLM "The model `x` does not exist.", Ollama's /v1
# 'model "x" not found', llama.cpp's router "model is not found", OpenAI the code
# "model_not_found". Statuses vary (400 or 404), so the wording decides.
_MODEL_UNKNOWN: Final = re.compile(r"\bmodel\b.*\b(not found|does not exist)", re.I | re.S)
# llama.cpp's `exceed_context_size_error`; vLLM "This model's maximum context length is".
_CONTEXT_EXCEEDED: Final = re.compile(
    r"exceed_context_size|exceeds the available context|maximum context length", re.I
)


def chat_body(request: ChatRequest, *, cache_prompt: bool) -> dict[str, Any]:
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


def json_schema_format(schema: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": _SCHEMA_NAME, "schema": dict(schema), "strict": True},
        }
    }


def json_object_format(schema: Mapping[str, Any]) -> dict[str, Any]:
    # llama.cpp still enforces a `schema` given beside json_object; others ignore it,
    # and the schema is in the system prompt anyway.
    return {"response_format": {"type": "json_object", "schema": dict(schema)}}


def names_unknown_model(response: httpx.Response, text: str) -> bool:
    """Whether an error response says the model asked for is unknown."""
    try:
        data = json.loads(response.content)
    except ValueError:
        data = None
    error = data.get("error") if isinstance(data, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return code == "model_not_found" or bool(_MODEL_UNKNOWN.search(text))


def says_context_exceeded(response: httpx.Response) -> bool:
    """Whether an error response says the prompt does not fit the server's context."""
    return bool(_CONTEXT_EXCEEDED.search(response.text))


def model_info(entry: Mapping[str, Any]) -> ModelInfo:
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
