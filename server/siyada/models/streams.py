"""Streamed answers decoded: Ollama's NDJSON lines and OpenAI's server-sent events.

Both split the body on b"\\n" only: httpx's `aiter_lines` also splits on U+0085 and
other characters that JSON encoders leave unescaped inside strings.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncGenerator, Callable, Mapping
from contextlib import aclosing
from typing import Any, Final

import httpx

from siyada.models.chat import ChatChunk, ChatResult
from siyada.models.errors import OLLAMA, OPENAI, StreamFailure
from siyada.models.transport import message_of

_SSE_DATA: Final = b"data:"
_SSE_DONE: Final = b"[DONE]"


async def byte_lines(response: httpx.Response) -> AsyncGenerator[bytes, None]:
    """The body's lines, split on b"\\n" only, terminators removed; an unterminated last
    line too."""
    buffer = b""
    async for chunk in response.aiter_bytes():
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            yield line
    if buffer:
        yield buffer


def _json_object(data: bytes, endpoint: str, *, what: str, provider: str) -> dict[str, Any]:
    try:
        value = json.loads(data)
    except ValueError:
        raise StreamFailure(endpoint, f"{what} was not valid JSON", provider=provider) from None
    if not isinstance(value, dict):
        raise StreamFailure(endpoint, f"{what} was not a JSON object", provider=provider)
    return value


# -- Ollama: application/x-ndjson ----------------------------------------------------


async def ndjson(response: httpx.Response, endpoint: str) -> AsyncGenerator[dict[str, Any], None]:
    """The objects of an application/x-ndjson body; an {"error"} line raises."""
    async with aclosing(byte_lines(response)) as lines:
        async for line in lines:
            if not line.strip():
                continue
            data = _json_object(line, endpoint, what="a line of the answer", provider=OLLAMA)
            if "error" in data:
                raise StreamFailure(endpoint, f"Ollama reported: {data['error']}")
            yield data


async def read_ndjson_chat(response: httpx.Response, endpoint: str) -> ChatResult:
    """An /api/chat stream: the content pieces, then the counts of the `done` line."""
    pieces: list[str] = []
    final: dict[str, Any] | None = None
    async with aclosing(ndjson(response, endpoint)) as lines:
        async for line in lines:
            message = line.get("message") or {}
            pieces.append(str(message.get("content") or ""))
            if line.get("done"):
                final = line
    if final is None:
        raise StreamFailure(endpoint, "the stream ended before the final line")
    return ChatResult(
        content="".join(pieces),
        done_reason=str(final.get("done_reason", "")),
        prompt_eval_count=int(final.get("prompt_eval_count") or 0),
        eval_count=int(final.get("eval_count") or 0),
        total_duration_ns=int(final.get("total_duration") or 0),
        prompt_eval_duration_ns=int(final.get("prompt_eval_duration") or 0),
        eval_duration_ns=int(final.get("eval_duration") or 0),
    )


async def ndjson_chunks(response: httpx.Response, endpoint: str) -> AsyncGenerator[ChatChunk, None]:
    """An /api/chat stream as it arrives: each line's content, the `done` line's with its
    `done_reason`. A stream that ends before that line raises."""
    async with aclosing(ndjson(response, endpoint)) as lines:
        async for line in lines:
            message = line.get("message") or {}
            content = str(message.get("content") or "")
            if line.get("done"):
                yield ChatChunk(content, str(line.get("done_reason") or "stop"))
                return
            if content:
                yield ChatChunk(content)
    raise StreamFailure(endpoint, "the stream ended before the final line")


# -- OpenAI: text/event-stream -------------------------------------------------------


async def sse_events(
    response: httpx.Response, endpoint: str
) -> AsyncGenerator[dict[str, Any], None]:
    """The JSON objects of the `data:` lines of an event stream, up to `data: [DONE]`.

    Comments (`:` keep-alives), `event:` and other fields are skipped; an `event: error`
    carries its error in its `data:` line like the others. A trailing b"\\r" is dropped
    from each line.
    """
    async with aclosing(byte_lines(response)) as lines:
        async for line in lines:
            data = _sse_data(line.rstrip(b"\r"))
            if data == _SSE_DONE:
                return
            if data is not None:
                yield _json_object(data, endpoint, what="an event", provider=OPENAI)


def _sse_data(line: bytes) -> bytes | None:
    if not line.startswith(_SSE_DATA):
        return None
    data = line[len(_SSE_DATA) :]
    return data[1:] if data.startswith(b" ") else data


async def read_sse_chat(
    response: httpx.Response, endpoint: str, *, started: float, scrub: Callable[[str], str]
) -> ChatResult:
    """A /chat/completions stream: the content deltas, the finish reason, and the counts
    of the last chunk. An error event raises, its text passed through `scrub`."""
    pieces: list[str] = []
    finish_reason: str | None = None
    usage: Mapping[str, Any] = {}
    timings: Mapping[str, Any] = {}
    async with aclosing(sse_events(response, endpoint)) as events:
        async for event in events:
            if "error" in event:
                reported = f"the server reported: {scrub(message_of(event['error']))}"
                raise StreamFailure(endpoint, reported, provider=OPENAI)
            for choice in event.get("choices") or []:
                delta = choice.get("delta") or {}
                pieces.append(str(delta.get("content") or ""))
                finish_reason = choice.get("finish_reason") or finish_reason
            usage = event.get("usage") or usage
            timings = event.get("timings") or timings
    if finish_reason is None:
        detail = "the stream ended before the last choice finished"
        raise StreamFailure(endpoint, detail, provider=OPENAI)
    return ChatResult(
        content="".join(pieces),
        done_reason=finish_reason,
        prompt_eval_count=int(usage.get("prompt_tokens") or 0),
        eval_count=int(usage.get("completion_tokens") or 0),
        total_duration_ns=_duration_ns(timings, started),
        prompt_eval_duration_ns=_phase_ns(timings, "prompt_ms"),
        eval_duration_ns=_phase_ns(timings, "predicted_ms"),
    )


async def sse_chunks(
    response: httpx.Response, endpoint: str, *, scrub: Callable[[str], str]
) -> AsyncGenerator[ChatChunk, None]:
    """A /chat/completions stream as it arrives: each delta's content, then a last
    chunk with the finish reason. An error event raises, its text passed through
    `scrub`; a stream that ends before a choice finished raises too."""
    finish_reason: str | None = None
    async with aclosing(sse_events(response, endpoint)) as events:
        async for event in events:
            if "error" in event:
                reported = f"the server reported: {scrub(message_of(event['error']))}"
                raise StreamFailure(endpoint, reported, provider=OPENAI)
            for choice in event.get("choices") or []:
                content = str((choice.get("delta") or {}).get("content") or "")
                if content:
                    yield ChatChunk(content)
                finish_reason = choice.get("finish_reason") or finish_reason
    if finish_reason is None:
        detail = "the stream ended before the last choice finished"
        raise StreamFailure(endpoint, detail, provider=OPENAI)
    yield ChatChunk("", str(finish_reason))


def _phase_ns(timings: Mapping[str, Any], key: str) -> int:
    """One phase of llama.cpp's `timings` in nanoseconds; 0 when it is not reported."""
    try:
        return max(0, int(float(timings.get(key) or 0) * 1e6))
    except (TypeError, ValueError):
        return 0


def _duration_ns(timings: Mapping[str, Any], started: float) -> int:
    """The server's own busy time when it reports it (llama.cpp's `timings`), else the
    wall time of the request."""
    busy_ms = sum(float(timings.get(key) or 0) for key in ("prompt_ms", "predicted_ms"))
    seconds = busy_ms / 1000 if busy_ms > 0 else time.monotonic() - started
    return int(seconds * 1e9)
