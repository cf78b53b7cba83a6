"""The recipe's settings, shared by the GPU (Unsloth) and CPU (transformers) paths so
both train the same adapter on the same data."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Final

# Attention and MLP projections of Gemma-, Llama- and Qwen-style decoders.
TARGET_MODULES: Final = (
    "q_proj",
    "k_proj",
    "v_proj",
    "o_proj",
    "gate_proj",
    "up_proj",
    "down_proj",
)


@dataclass(frozen=True)
class LoraSettings:
    r: int = 8
    alpha: int = 16
    dropout: float = 0.0
    target_modules: tuple[str, ...] = TARGET_MODULES

    def as_json(self) -> dict[str, Any]:
        values = asdict(self)
        values["target_modules"] = list(self.target_modules)
        return values


@dataclass(frozen=True)
class TrainSettings:
    steps: int = 60
    learning_rate: float = 2e-4
    max_length: int = 2048
    seed: int = 0
    lora: LoraSettings = field(default_factory=LoraSettings)
