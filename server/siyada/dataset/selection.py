"""Which examples go into the dataset, and on which side of the split.

Every choice is a seeded hash of the user turn (the function as it was asked about),
never a random draw: the same store and options give the same files, and one function
asked about in several ways (another explanation language changes only the system turn)
always lands on the same side of the split, so validation never sees a function that
training saw.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from siyada.dataset.examples import Example

_SCALE = float(1 << 64)


def share(seed: int, purpose: str, text: str) -> float:
    """A number in [0, 1), the same for the same seed, purpose and text, and spread
    evenly over texts."""
    digest = hashlib.sha256(f"{seed}\0{purpose}\0{text}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / _SCALE


@dataclass(frozen=True)
class Deduplicated:
    examples: tuple[Example, ...]  # oldest first
    removed: int


def deduplicated(examples: Iterable[Example]) -> Deduplicated:
    """One example per identical system and user turns: the newest answer, which saw
    the most feedback and the latest model."""
    newest: dict[tuple[str, str], Example] = {}
    seen = 0
    for example in examples:
        seen += 1
        key = (example.system, example.user)
        kept = newest.get(key)
        if kept is None or example.created_at >= kept.created_at:
            newest[key] = example
    ordered = sorted(newest.values(), key=lambda e: (e.created_at, e.user, e.system))
    return Deduplicated(tuple(ordered), seen - len(ordered))


def clean_sampled(example: Example, fraction: float, seed: int) -> bool:
    """Whether a clean example (the model found nothing) is among the `fraction` kept."""
    return share(seed, "clean", example.user) < fraction


def in_validation(example: Example, fraction: float, seed: int) -> bool:
    """Whether `example` belongs to the validation side of the split."""
    return share(seed, "split", example.user) < fraction
