"""What a training path hands back, whichever path ran."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal


@dataclass(frozen=True)
class Trained:
    path: Literal["cpu", "gpu"]
    losses: tuple[float, ...]
    step_seconds: tuple[float, ...]
    load_seconds: float
    validation_loss: float | None
    # The folder of the base's config.json and tokenizer that the converter reads.
    converter_base: Path
