"""The options of one export, as `siyada dataset export` takes them."""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_VALIDATION_FRACTION = 0.1
DEFAULT_CLEAN_SAMPLE = 0.3


@dataclass(frozen=True)
class ExportOptions:
    # The share of functions set aside for validation, from 0 to just under 1.
    validation_fraction: float = DEFAULT_VALIDATION_FRACTION
    # The share of clean reviews (the model found nothing) kept, from 0 to 1.
    clean_sample: float = DEFAULT_CLEAN_SAMPLE
    # Chooses the split and the clean sample; the same seed gives the same files.
    seed: int = 0
    # Only the reviews this model gave; None: every model's.
    model: str | None = None
