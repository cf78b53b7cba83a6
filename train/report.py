"""What a run leaves beside the adapter: losses.json (the loss per step) and run.json
(the base, the settings, the durations and the adapter's sizes)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from train.outcome import Trained
from train.settings import TrainSettings


@dataclass(frozen=True)
class Durations:
    total_seconds: float
    convert_seconds: float


def folder_size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())


def write_losses(out: Path, trained: Trained) -> Path:
    target = out / "losses.json"
    steps = [
        {"step": number, "loss": loss, "seconds": seconds}
        for number, (loss, seconds) in enumerate(
            zip(trained.losses, trained.step_seconds, strict=True), start=1
        )
    ]
    target.write_text(json.dumps(steps, indent=2) + "\n", encoding="utf-8")
    return target


def run_record(
    *, base: str, settings: TrainSettings, trained: Trained, durations: Durations, out: Path
) -> dict[str, Any]:
    step_seconds = trained.step_seconds
    return {
        "base": base,
        "path": trained.path,
        "steps": len(trained.losses),
        "learning_rate": settings.learning_rate,
        "max_length": settings.max_length,
        "seed": settings.seed,
        "lora": settings.lora.as_json(),
        "first_loss": trained.losses[0] if trained.losses else None,
        "last_loss": trained.losses[-1] if trained.losses else None,
        "validation_loss": trained.validation_loss,
        "load_seconds": round(trained.load_seconds, 2),
        "seconds_per_step": round(sum(step_seconds) / len(step_seconds), 3)
        if step_seconds
        else None,
        "convert_seconds": round(durations.convert_seconds, 2),
        "total_seconds": round(durations.total_seconds, 2),
        "adapter_bytes": folder_size(out / "adapter"),
        "adapter_gguf_bytes": (out / "adapter.gguf").stat().st_size,
    }


def write_run(out: Path, record: dict[str, Any]) -> Path:
    target = out / "run.json"
    target.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    return target
