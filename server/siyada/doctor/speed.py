"""A measured speed: one short timed request to the configured model.

The prompt is about as long as a review's (the workspace's median function, or a
sample), with a fresh first line so no prompt cache makes it look faster, and asks for
a short answer. Ollama's final line gives each phase's tokens and duration;
llama-server's `timings` too; another OpenAI-compatible server only the usage and the
wall time, so its prompt speed is unknown and the generation speed a lower bound.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from typing import Final

from siyada.models.chat import ChatRequest, ChatResult
from siyada.models.errors import AnswerTruncated, ModelError
from siyada.review.connection import ModelClient
from siyada.review.prompt import NUM_CTX

ANSWER_CAP: Final = 96
# A review's answer: one finding with its explanation and a fix, in the schema's JSON.
TYPICAL_ANSWER_TOKENS: Final = 150
SAMPLE_CODE: Final = """def load_orders(path, customer_id):
    orders = []
    with open(path) as handle:
        for line in handle:
            fields = line.rstrip("\\n").split(",")
            if fields[1] == customer_id:
                orders.append({"id": fields[0], "total": float(fields[2])})
    return sorted(orders, key=lambda order: order["total"], reverse=True)
"""


@dataclass(frozen=True)
class Speed:
    prompt_tokens: int
    answer_tokens: int
    prompt_tps: float | None  # tokens per second; None when the server does not tell
    generation_tps: float | None
    wall_seconds: float
    basis: str  # "server timings" or "wall time"


@dataclass(frozen=True)
class Unmeasured:
    reason: str


def speed_request(model: str, code: str, keep_alive: str | int | None) -> ChatRequest:
    instruction = "Count from 1 to 20, separated by spaces. Write nothing else."
    content = (
        f"Speed check {uuid.uuid4().hex}. The code below is only here to make the prompt "
        f"as long as a review's; do not discuss it.\n```\n{code}\n```\n{instruction}"
    )
    return ChatRequest(
        model=model,
        messages=[{"role": "user", "content": content}],
        options={"temperature": 0, "num_predict": ANSWER_CAP, "num_ctx": NUM_CTX},
        keep_alive=keep_alive,
        think=False,
    )


async def measure_speed(
    client: ModelClient, model: str, code: str | None, keep_alive: str | int | None
) -> Speed | Unmeasured:
    request = speed_request(model, code or SAMPLE_CODE, keep_alive)
    started = time.monotonic()
    try:
        result = await client.chat(request)
    except AnswerTruncated as capped:
        # A model that does not stop where asked still answered at its speed.
        if capped.result is None:
            return Unmeasured(f"the timed request failed: {capped}")
        result = capped.result
    except ModelError as error:
        return Unmeasured(f"the timed request failed: {error}")
    return speed_of(result, time.monotonic() - started)


def speed_of(result: ChatResult, wall_seconds: float) -> Speed | Unmeasured:
    if result.eval_count <= 0:
        return Unmeasured("the server did not count the answer's tokens")
    prompt_tps = _rate(result.prompt_eval_count, result.prompt_eval_duration_ns)
    generation_tps = _rate(result.eval_count, result.eval_duration_ns)
    basis = "server timings"
    if generation_tps is None:
        # Without the server's phases, all of the wall time is counted as generating.
        generation_tps = result.eval_count / wall_seconds if wall_seconds > 0 else None
        basis = "wall time"
    return Speed(
        result.prompt_eval_count, result.eval_count, prompt_tps, generation_tps, wall_seconds, basis
    )


def seconds_per_review(
    speed: Speed, prompt_tokens: int, answer_tokens: int = TYPICAL_ANSWER_TOKENS
) -> float | None:
    """Expected seconds for one review of a prompt of `prompt_tokens`; the prompt's
    share is left out when its speed is unknown."""
    if speed.generation_tps is None:
        return None
    seconds = answer_tokens / speed.generation_tps
    if speed.prompt_tps is not None:
        seconds += prompt_tokens / speed.prompt_tps
    return seconds


def _rate(tokens: int, duration_ns: int) -> float | None:
    return tokens / (duration_ns / 1e9) if tokens > 0 and duration_ns > 0 else None
