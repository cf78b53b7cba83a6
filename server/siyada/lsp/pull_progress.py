"""Ollama's pull progress as a user reads it: a step in words ("Downloading 1.2 of 4.7
GB") and a percentage of the whole download, not Ollama's raw step text ("pulling
8eeb52dfb3bb")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from siyada.i18n import N_, _
from siyada.models.ollama import PullProgress

# Ollama's steps around the download, in words (marked here, translated when shown).
# A step Ollama adds later is shown as it sends it.
_STEPS: Final = {
    "pulling manifest": N_("Fetching the manifest"),
    "verifying sha256 digest": N_("Verifying the download"),
    "writing manifest": N_("Writing the manifest"),
    "removing unused layers": N_("Removing unused layers"),
    "removing any unused layers": N_("Removing unused layers"),
    "success": N_("Done"),
}
_UNITS: Final = ((1e9, "GB"), (1e6, "MB"), (1e3, "KB"))


@dataclass(frozen=True)
class PullStep:
    message: str
    percentage: int


class PullTracker:
    """Follows one pull: the bytes of every layer seen so far, and the percentage of
    their total (never going back when a new layer appears)."""

    def __init__(self) -> None:
        self._layers: dict[str, tuple[int, int]] = {}
        self._percentage = 0

    @property
    def total_bytes(self) -> int:
        return sum(total for _, total in self._layers.values())

    def step(self, progress: PullProgress) -> PullStep:
        if not progress.total:
            status = progress.status.strip()
            step = _STEPS.get(status.lower())
            return PullStep(status if step is None else _(step), self._percentage)
        layer = progress.digest or progress.status
        self._layers[layer] = (min(progress.completed or 0, progress.total), progress.total)
        done = sum(completed for completed, _ in self._layers.values())
        total = self.total_bytes
        self._percentage = max(self._percentage, min(100, 100 * done // total))
        return PullStep(_("Downloading {size}", size=size_of(done, total)), self._percentage)


def size_of(done: int, total: int) -> str:
    """`done` and `total` bytes in the unit that suits `total`: "1.2 of 4.7 GB"."""
    for scale, unit in _UNITS:
        if total >= scale:
            return _(
                "{done} of {total} {unit}",
                done=f"{done / scale:.1f}",
                total=f"{total / scale:.1f}",
                unit=unit,
            )
    return _("{done} of {total} bytes", done=done, total=total)


def size(count: int) -> str:
    """`count` bytes in the unit that suits it: "4.7 GB"."""
    for scale, unit in _UNITS:
        if count >= scale:
            return f"{count / scale:.1f} {unit}"
    return f"{count} bytes"
