"""The timing policy: how long a chat takes, in what pieces it streams, and slots.

`INSTANT` (the tests' default) answers at once, in pieces of PIECE_CHARS characters
(a token or two each, as a real model sends), with as many slots as requests. A
`ModelSpeed` answers at a model's published speed (the benchmark's):

- a chat waits for a free slot (`slots` plays OLLAMA_NUM_PARALLEL; waiters are served
  in arrival order);
- the prompt is evaluated at `prompt_tps` tokens/s, but, like Ollama's prompt cache,
  only the part after the prefix shared with the previous prompt of that slot (at
  least one token);
- the answer streams at `gen_tps` tokens/s, one token per piece, then the final line
  one token later (the end-of-generation token).

Tokens are counted with the language server's own estimate (about 3.5 characters per
token) over the prompt laid out as a ChatML chat template, as Qwen's template does.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from siyada.review.prompt import estimate_tokens

PIECE_CHARS = 7
# llama.cpp llama-bench, Llama 3 8B Q4_K_M on an RTX 3070 (see bench/README.md).
PUBLISHED_PROMPT_TPS = 2403.0
PUBLISHED_GEN_TPS = 72.8
PUBLISHED_LABEL = "Llama 3 8B Q4_K_M, RTX 3070"


@dataclass(frozen=True)
class ModelSpeed:
    """Tokens per second of the simulated model; `scale` > 1 makes everything faster."""

    prompt_tps: float = PUBLISHED_PROMPT_TPS
    gen_tps: float = PUBLISHED_GEN_TPS
    scale: float = 1.0
    label: str = PUBLISHED_LABEL

    def prompt_seconds(self, tokens: int) -> float:
        return tokens / (self.prompt_tps * self.scale)

    def token_seconds(self) -> float:
        return 1.0 / (self.gen_tps * self.scale)

    def answer_seconds(self, evaluated_tokens: int, answer_tokens: int) -> float:
        """The model's time for one chat: prompt eval, answer, end-of-generation token."""
        return self.prompt_seconds(evaluated_tokens) + (answer_tokens + 1) * self.token_seconds()

    def pieces(self, text: str) -> list[str]:
        return token_pieces(text)


@dataclass(frozen=True)
class Instant:
    """No model time at all: what tests want unless they script delays themselves."""

    def prompt_seconds(self, tokens: int) -> float:
        return 0.0

    def token_seconds(self) -> float:
        return 0.0

    def pieces(self, text: str) -> list[str]:
        return [text[i : i + PIECE_CHARS] for i in range(0, len(text), PIECE_CHARS)]


INSTANT = Instant()
Timing = ModelSpeed | Instant


def prompt_text(messages: Any) -> str:
    """The prompt as a chat template lays it out (ChatML, as Qwen's template does)."""
    parts = []
    for message in messages if isinstance(messages, list) else []:
        if isinstance(message, dict):
            role, content = message.get("role", ""), message.get("content", "")
            parts.append(f"<|im_start|>{role}\n{content}<|im_end|>\n")
    return "".join(parts) + "<|im_start|>assistant\n"


def evaluated_tokens(previous: str, prompt: str) -> int:
    """Tokens a prompt costs after the prefix it shares with the slot's previous prompt.

    llama.cpp re-evaluates at least one token even for an identical prompt.
    """
    return max(1, estimate_tokens(prompt[shared_prefix(previous, prompt) :]))


def shared_prefix(first: str, second: str) -> int:
    """Length of the common prefix (binary search on slices: long prompts stay cheap)."""
    low, high = 0, min(len(first), len(second))
    while low < high:
        middle = (low + high + 1) // 2
        if first[:middle] == second[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def token_pieces(text: str) -> list[str]:
    """The answer split into as many pieces as it has tokens (one streamed line each)."""
    count = max(1, estimate_tokens(text))
    size = len(text)
    return [text[size * i // count : size * (i + 1) // count] for i in range(count)]


@dataclass
class Slot:
    """One parallel sequence of the model, with the prompt its cache holds."""

    index: int
    last_prompt: str = ""


Waiter = Callable[[Coroutine[Any, Any, Slot]], Coroutine[Any, Any, Slot]]


class Slots:
    """`count` slots served in arrival order, or (None) a fresh slot for every chat."""

    def __init__(self, count: int | None) -> None:
        self.count = count
        self._free: asyncio.Queue[Slot] = asyncio.Queue()
        self._fresh = itertools.count()
        for index in range(count or 0):
            self._free.put_nowait(Slot(index))

    async def acquire(self, wait: Waiter) -> Slot:
        """A free slot; `wait` runs the waiting (and ends it if the client leaves)."""
        if self.count is None:
            return Slot(next(self._fresh))
        return await wait(self._free.get())

    def release(self, slot: Slot) -> None:
        if self.count is not None:
            self._free.put_nowait(slot)
