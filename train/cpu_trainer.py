"""The CPU path: transformers loads the base (a GGUF dequantized to float32), peft adds
the LoRA layers, and a plain AdamW loop trains one chat per step."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from train.base_model import BaseModel, load_tokenizer, write_converter_base
from train.dataset import Dataset
from train.examples import IGNORED, Example, tokenize_chats
from train.outcome import Trained
from train.settings import TrainSettings


def train_on_cpu(base: BaseModel, data: Dataset, settings: TrainSettings, out: Path) -> Trained:
    import torch
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM

    torch.manual_seed(settings.seed)
    torch.set_num_threads(os.cpu_count() or 1)
    started = time.monotonic()
    tokenizer = load_tokenizer(base)
    model = AutoModelForCausalLM.from_pretrained(
        str(base.folder),
        dtype=torch.float32,
        # Gemma 3's authors recommend eager attention for training.
        attn_implementation="eager",
        **base.pretrained_arguments(),
    )
    load_seconds = time.monotonic() - started
    converter_base = write_converter_base(model, tokenizer, out / "base")
    lora = settings.lora
    model = get_peft_model(
        model,
        LoraConfig(
            r=lora.r,
            lora_alpha=lora.alpha,
            lora_dropout=lora.dropout,
            target_modules=list(lora.target_modules),
            bias="none",
            task_type="CAUSAL_LM",
        ),
    )
    train_examples = tokenize_chats(tokenizer, data.train, settings.max_length)
    optimizer = torch.optim.AdamW(
        [p for p in model.parameters() if p.requires_grad], lr=settings.learning_rate
    )
    model.train()
    losses: list[float] = []
    step_seconds: list[float] = []
    for example in _schedule(train_examples, settings.steps, settings.seed):
        step_started = time.monotonic()
        loss = _answer_loss(torch, model, example)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        losses.append(float(loss.item()))
        step_seconds.append(time.monotonic() - step_started)
        print(f"step {len(losses)}/{settings.steps}: loss {losses[-1]:.4f}", flush=True)
    validation_loss = _validation_loss(
        torch, model, tokenize_chats(tokenizer, data.validation, settings.max_length)
    )
    model.save_pretrained(str(out / "adapter"))
    return Trained(
        path="cpu",
        losses=tuple(losses),
        step_seconds=tuple(step_seconds),
        load_seconds=load_seconds,
        validation_loss=validation_loss,
        converter_base=converter_base,
    )


def _schedule(examples: Sequence[Example], steps: int, seed: int) -> Iterator[Example]:
    """`steps` examples, one pass after another, each pass in its own shuffled order."""
    shuffler = random.Random(seed)
    given = 0
    while True:
        order = list(examples)
        shuffler.shuffle(order)
        for example in order:
            if given == steps:
                return
            given += 1
            yield example


def _answer_loss(torch: Any, model: Any, example: Example) -> Any:
    """The mean cross entropy of the answer's tokens. Only the positions that predict
    them get logits: over a vocabulary of 262k (Gemma's), the output layer on every
    prompt token would cost about as much as the rest of the model."""
    answer_start = next(i for i, label in enumerate(example.labels) if label != IGNORED)
    # The position before each answer token predicts it.
    kept = len(example.input_ids) - answer_start + 1
    logits = model(input_ids=torch.tensor([example.input_ids]), logits_to_keep=kept).logits[0, :-1]
    targets = torch.tensor(example.labels[answer_start:])
    return torch.nn.functional.cross_entropy(logits.float(), targets, ignore_index=IGNORED)


def _validation_loss(torch: Any, model: Any, examples: Sequence[Example]) -> float | None:
    if not examples:
        return None
    model.eval()
    with torch.no_grad():
        total = sum(float(_answer_loss(torch, model, example).item()) for example in examples)
    return total / len(examples)
