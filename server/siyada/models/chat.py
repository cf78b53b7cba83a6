"""What a model client is asked and answers, whatever protocol the server speaks.

`OllamaClient` and `OpenAIClient` both take a `ChatRequest` and give a `ChatResult` (or,
for a free-text answer read as it is written, `ChatChunk`s); each maps them to and from
its own wire format.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ChatRequest:
    """One chat call. `keep_alive=None` leaves the server's default in place."""

    model: str
    messages: Sequence[Mapping[str, str]]
    format: Mapping[str, Any] | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    keep_alive: str | int | None = None
    think: bool = False


@dataclass(frozen=True)
class ChatResult:
    content: str
    done_reason: str
    prompt_eval_count: int
    eval_count: int
    total_duration_ns: int
    # The server's own time for each phase when it reports it (Ollama's final line,
    # llama.cpp's `timings`); 0 when it does not.
    prompt_eval_duration_ns: int = 0
    eval_duration_ns: int = 0


@dataclass(frozen=True)
class ChatChunk:
    """One piece of a streamed free-text answer. The last piece carries the reason the
    answer ended (`done_reason`: "stop", "length"...); the others have None."""

    content: str
    done_reason: str | None = None


@dataclass(frozen=True)
class ModelInfo:
    name: str
    size: int
    parameter_size: str
    quantization_level: str
