"""Chats turned into token ids for training: the whole chat in the chat template, with
the loss on the assistant turn only (the prompt's tokens are masked), so the adapter
learns Siyada's answers, not its prompt."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from train.dataset import Chat

# The label value the loss ignores (PyTorch's cross entropy default).
IGNORED: Final = -100


class ExampleError(ValueError):
    """A chat leaves no answer token to learn from (the prompt fills max_length)."""


@dataclass(frozen=True)
class Example:
    input_ids: tuple[int, ...]
    labels: tuple[int, ...]


def tokenize_chat(tokenizer: Any, chat: Chat, max_length: int) -> Example:
    prompt = _ids(tokenizer, chat.prompt, add_generation_prompt=True)
    whole = _ids(tokenizer, [*chat.prompt, chat.answer], add_generation_prompt=False)
    if whole[: len(prompt)] != prompt:
        raise ExampleError("the chat template renders the prompt differently inside the chat")
    whole = whole[:max_length]
    labels = [IGNORED] * min(len(prompt), len(whole)) + whole[len(prompt) :]
    if all(label == IGNORED for label in labels):
        raise ExampleError(
            f"a prompt of {len(prompt)} tokens leaves no answer within max_length {max_length}"
        )
    return Example(input_ids=tuple(whole), labels=tuple(labels))


def tokenize_chats(tokenizer: Any, chats: Sequence[Chat], max_length: int) -> list[Example]:
    return [tokenize_chat(tokenizer, chat, max_length) for chat in chats]


def _ids(
    tokenizer: Any, messages: list[dict[str, str]], *, add_generation_prompt: bool
) -> list[int]:
    rendered = tokenizer.apply_chat_template(
        messages, tokenize=False, add_generation_prompt=add_generation_prompt
    )
    # The template writes the BOS token itself.
    return list(tokenizer(rendered, add_special_tokens=False)["input_ids"])
