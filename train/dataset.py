"""The exported dataset: DIR/train.jsonl and DIR/validation.jsonl, one chat per line,
`{"messages": [system, user, assistant]}` (the format `siyada dataset export` writes)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Final

ROLES: Final = ("system", "user", "assistant")


class DatasetError(ValueError):
    """The dataset is missing or a line is not a chat in the expected format."""


@dataclass(frozen=True)
class Chat:
    messages: tuple[dict[str, str], ...]

    @property
    def prompt(self) -> list[dict[str, str]]:
        """The system and user turns: what the engine sends."""
        return list(self.messages[:-1])

    @property
    def answer(self) -> dict[str, str]:
        """The assistant turn: what the model should answer."""
        return self.messages[-1]


@dataclass(frozen=True)
class Dataset:
    train: tuple[Chat, ...]
    validation: tuple[Chat, ...]


def load_dataset(folder: Path) -> Dataset:
    """Both splits; the training split must not be empty, the validation split may be."""
    train = read_chats(folder / "train.jsonl")
    if not train:
        raise DatasetError(f"{folder / 'train.jsonl'} holds no example")
    validation_file = folder / "validation.jsonl"
    validation = read_chats(validation_file) if validation_file.exists() else ()
    return Dataset(train=train, validation=validation)


def read_chats(path: Path) -> tuple[Chat, ...]:
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as error:
        raise DatasetError(f"cannot read {path}: {error}") from error
    return tuple(
        parse_chat(line, f"{path}:{number}")
        for number, line in enumerate(lines, start=1)
        if line.strip()
    )


def parse_chat(line: str, where: str) -> Chat:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        raise DatasetError(f"{where}: not JSON: {error}") from error
    messages = record.get("messages") if isinstance(record, dict) else None
    if not isinstance(messages, list) or len(messages) != len(ROLES):
        raise DatasetError(f"{where}: expected {{'messages': [system, user, assistant]}}")
    for message, role in zip(messages, ROLES, strict=True):
        if (
            not isinstance(message, dict)
            or message.get("role") != role
            or not isinstance(message.get("content"), str)
        ):
            raise DatasetError(f"{where}: expected a {role} message with string content")
    return Chat(messages=tuple({"role": m["role"], "content": m["content"]} for m in messages))
