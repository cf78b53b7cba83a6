"""`python -m train.finetune --data DIR --base GGUF_OR_HF --out DIR`: train a LoRA
adapter on an exported dataset, convert it to GGUF, and record the run.

With a CUDA GPU and Unsloth importable (and a Hugging Face base, which Unsloth loads in 4
bits) it trains with Unsloth and TRL; otherwise with transformers and peft on the CPU.
Both use the same data, LoRA settings and outputs (docs/training.md).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from train.base_model import BaseModel, BaseModelError, resolve_base
from train.convert import ConversionError, convert_adapter, find_converter
from train.dataset import Dataset, DatasetError, load_dataset
from train.examples import ExampleError
from train.outcome import Trained
from train.report import Durations, run_record, write_losses, write_run
from train.settings import LoraSettings, TrainSettings


def parse_arguments(argv: Sequence[str] | None) -> argparse.Namespace:
    defaults = TrainSettings()
    parser = argparse.ArgumentParser(prog="python -m train.finetune", description=__doc__)
    parser.add_argument("--data", required=True, type=Path, help="folder of train.jsonl")
    parser.add_argument("--base", required=True, help="base model: a .gguf file or HF folder")
    parser.add_argument("--out", required=True, type=Path, help="folder for the outputs")
    parser.add_argument("--steps", type=int, default=defaults.steps)
    parser.add_argument("--learning-rate", type=float, default=defaults.learning_rate)
    parser.add_argument("--max-length", type=int, default=defaults.max_length)
    parser.add_argument("--seed", type=int, default=defaults.seed)
    parser.add_argument("--lora-r", type=int, default=defaults.lora.r)
    parser.add_argument("--lora-alpha", type=int, default=defaults.lora.alpha)
    parser.add_argument("--lora-dropout", type=float, default=defaults.lora.dropout)
    parser.add_argument(
        "--device",
        choices=("auto", "cpu", "gpu"),
        default="auto",
        help="gpu: Unsloth (needs CUDA, Unsloth and a Hugging Face base); auto picks it "
        "when it can run",
    )
    parser.add_argument(
        "--converter",
        help="folder of llama.cpp's convert_lora_to_gguf.py (default: $SIYADA_LLAMA_CONVERT_DIR)",
    )
    arguments = parser.parse_args(argv)
    if arguments.steps < 1 or arguments.lora_r < 1 or arguments.max_length < 16:
        parser.error("--steps and --lora-r must be at least 1, --max-length at least 16")
    return arguments


def settings_from(arguments: argparse.Namespace) -> TrainSettings:
    return TrainSettings(
        steps=arguments.steps,
        learning_rate=arguments.learning_rate,
        max_length=arguments.max_length,
        seed=arguments.seed,
        lora=LoraSettings(
            r=arguments.lora_r, alpha=arguments.lora_alpha, dropout=arguments.lora_dropout
        ),
    )


def train(
    device: str, base: BaseModel, data: Dataset, settings: TrainSettings, out: Path
) -> Trained:
    from train.gpu_trainer import gpu_available, train_on_gpu

    use_gpu = device == "gpu" or (device == "auto" and gpu_available() and not base.is_gguf)
    if use_gpu:
        if base.is_gguf:
            raise BaseModelError("--device gpu: Unsloth loads Hugging Face weights, not a GGUF")
        return train_on_gpu(base, data, settings, out)
    from train.cpu_trainer import train_on_cpu

    return train_on_cpu(base, data, settings, out)


def run(arguments: argparse.Namespace) -> dict[str, object]:
    started = time.monotonic()
    # Everything that can be wrong with the input is found before the long load.
    converter = find_converter(arguments.converter)
    base = resolve_base(arguments.base)
    data = load_dataset(arguments.data)
    settings = settings_from(arguments)
    out: Path = arguments.out
    out.mkdir(parents=True, exist_ok=True)
    trained = train(arguments.device, base, data, settings, out)
    write_losses(out, trained)
    converting = time.monotonic()
    convert_adapter(converter, out / "adapter", trained.converter_base, out / "adapter.gguf")
    durations = Durations(
        total_seconds=time.monotonic() - started, convert_seconds=time.monotonic() - converting
    )
    record = run_record(
        base=arguments.base, settings=settings, trained=trained, durations=durations, out=out
    )
    write_run(out, record)
    return record


def main(argv: Sequence[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    try:
        record = run(arguments)
    except (BaseModelError, DatasetError, ExampleError, ConversionError) as error:
        print(f"train.finetune: {error}", file=sys.stderr)
        return 2
    print(
        f"trained {record['steps']} steps on {record['path']}: loss {record['first_loss']:.4f}"
        f" -> {record['last_loss']:.4f}; load {record['load_seconds']} s, "
        f"{record['seconds_per_step']} s/step; adapter {record['adapter_bytes']} bytes, "
        f"GGUF {record['adapter_gguf_bytes']} bytes; wrote {arguments.out}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
