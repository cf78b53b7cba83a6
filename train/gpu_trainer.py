"""The GPU path: Unsloth's FastLanguageModel loads the base in 4 bits and adds the same
LoRA layers as the CPU path; TRL's SFTTrainer trains on the same chats, the loss on the
assistant turn only (prompt-completion data), one chat per step."""

from __future__ import annotations

import importlib.util
import time
from pathlib import Path
from typing import Any

from train.base_model import GEMMA_CHAT_TEMPLATE, BaseModel, write_converter_base
from train.dataset import Dataset
from train.outcome import Trained
from train.settings import TrainSettings


def gpu_available() -> bool:
    """A CUDA device and Unsloth importable."""
    if importlib.util.find_spec("unsloth") is None or importlib.util.find_spec("torch") is None:
        return False
    import torch

    return bool(torch.cuda.is_available())


def train_on_gpu(base: BaseModel, data: Dataset, settings: TrainSettings, out: Path) -> Trained:
    # Unsloth patches transformers and TRL when imported, so it comes first.
    from unsloth import FastLanguageModel  # isort: skip
    from datasets import Dataset as HfDataset
    from trl import SFTConfig, SFTTrainer

    started = time.monotonic()
    model, tokenizer = FastLanguageModel.from_pretrained(
        model_name=str(base.folder),
        max_seq_length=settings.max_length,
        load_in_4bit=True,
    )
    if not tokenizer.chat_template:
        tokenizer.chat_template = GEMMA_CHAT_TEMPLATE
    load_seconds = time.monotonic() - started
    converter_base = write_converter_base(model, tokenizer, out / "base")
    lora = settings.lora
    model = FastLanguageModel.get_peft_model(
        model,
        r=lora.r,
        lora_alpha=lora.alpha,
        lora_dropout=lora.dropout,
        target_modules=list(lora.target_modules),
        bias="none",
        use_gradient_checkpointing="unsloth",
        random_state=settings.seed,
    )
    trainer = SFTTrainer(
        model=model,
        processing_class=tokenizer,
        train_dataset=_prompt_completion(HfDataset, data.train),
        eval_dataset=_prompt_completion(HfDataset, data.validation) if data.validation else None,
        args=SFTConfig(
            output_dir=str(out / "checkpoints"),
            max_steps=settings.steps,
            per_device_train_batch_size=1,
            learning_rate=settings.learning_rate,
            max_length=settings.max_length,
            completion_only_loss=True,
            logging_steps=1,
            save_strategy="no",
            report_to="none",
            seed=settings.seed,
        ),
    )
    trainer.train()
    history = trainer.state.log_history
    losses = tuple(float(entry["loss"]) for entry in history if "loss" in entry)
    seconds = trainer.state.log_history[-1].get("train_runtime", 0.0)
    validation_loss = float(trainer.evaluate()["eval_loss"]) if data.validation else None
    model.save_pretrained(str(out / "adapter"))
    return Trained(
        path="gpu",
        losses=losses,
        step_seconds=tuple(float(seconds) / max(len(losses), 1) for _ in losses),
        load_seconds=load_seconds,
        validation_loss=validation_loss,
        converter_base=converter_base,
    )


def _prompt_completion(dataset_type: Any, chats: Any) -> Any:
    return dataset_type.from_list(
        [{"prompt": chat.prompt, "completion": [chat.answer]} for chat in chats]
    )
