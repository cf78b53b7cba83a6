"""The base model: a GGUF file (loaded dequantized by transformers) or a Hugging Face
folder, its tokenizer with a chat template, and the folder of config and tokenizer that
llama.cpp's LoRA converter reads instead of the weights."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

# Gemma's own turn format. A GGUF of Gemma 3 carries no chat template, and llama.cpp
# formats chats for it with this same layout (its built-in "gemma" template), so the
# adapter learns the turns it is served with.
GEMMA_CHAT_TEMPLATE: Final = (
    "{{ bos_token }}"
    "{%- if messages[0]['role'] == 'system' -%}"
    "{%- set first_user_prefix = messages[0]['content'] + '\n\n' -%}"
    "{%- set loop_messages = messages[1:] -%}"
    "{%- else -%}"
    "{%- set first_user_prefix = '' -%}"
    "{%- set loop_messages = messages -%}"
    "{%- endif -%}"
    "{%- for message in loop_messages -%}"
    "{%- set role = 'model' if message['role'] == 'assistant' else message['role'] -%}"
    "{{ '<start_of_turn>' + role + '\n' + (first_user_prefix if loop.first else '') }}"
    "{{ message['content'] | trim }}"
    "{{ '<end_of_turn>\n' }}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '<start_of_turn>model\n' }}{%- endif -%}"
)


class BaseModelError(ValueError):
    """The base model cannot be found or used."""


@dataclass(frozen=True)
class BaseModel:
    """Where the base's weights are: `folder` (and `gguf_file` inside it for a GGUF)."""

    folder: Path
    gguf_file: str | None

    @property
    def is_gguf(self) -> bool:
        return self.gguf_file is not None

    def pretrained_arguments(self) -> dict[str, Any]:
        """What `from_pretrained` takes to load this base, never from a hub."""
        arguments: dict[str, Any] = {"local_files_only": True}
        if self.gguf_file is not None:
            arguments["gguf_file"] = self.gguf_file
        return arguments


def resolve_base(base: str) -> BaseModel:
    """A GGUF file or a local Hugging Face folder (with config.json)."""
    path = Path(base).expanduser()
    if path.is_file() and path.suffix == ".gguf":
        return BaseModel(folder=path.parent.resolve(), gguf_file=path.name)
    if path.is_dir() and (path / "config.json").is_file():
        return BaseModel(folder=path.resolve(), gguf_file=None)
    raise BaseModelError(
        f"--base {base}: expected a .gguf file or a Hugging Face model folder with "
        "config.json (the recipe never downloads a model)"
    )


def load_tokenizer(base: BaseModel) -> Any:
    """The base's tokenizer, with Gemma's chat template when the base has none."""
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(base.folder), **base.pretrained_arguments())
    if not tokenizer.chat_template:
        tokenizer.chat_template = GEMMA_CHAT_TEMPLATE
    return tokenizer


def write_converter_base(model: Any, tokenizer: Any, folder: Path) -> Path:
    """config.json and the tokenizer of the loaded base in `folder`: all that
    convert_lora_to_gguf.py reads of the base. A GGUF's config names no architecture,
    so the loaded model's class is added, as a Hugging Face checkpoint would have it;
    its quantization is left out."""
    folder.mkdir(parents=True, exist_ok=True)
    model.config.save_pretrained(str(folder))
    tokenizer.save_pretrained(str(folder))
    config_file = folder / "config.json"
    config = json.loads(config_file.read_text(encoding="utf-8"))
    config["architectures"] = [type(model).__name__]
    # How the base's weights were stored (GGUF, or 4 bits under Unsloth) says nothing
    # about the adapter, and the converter would try to undo it on the adapter's tensors.
    config.pop("quantization_config", None)
    config_file.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return folder
