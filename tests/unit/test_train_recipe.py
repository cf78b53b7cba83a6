"""The fine-tuning recipe's parts that need no model: reading the dataset, masking the
prompt, the step schedule, finding the converter, the run's records, and the command
line's clear errors before anything is loaded."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from train.base_model import BaseModelError, resolve_base
from train.convert import CONVERTER_ENV, ConversionError, find_converter
from train.cpu_trainer import _schedule
from train.dataset import DatasetError, load_dataset, parse_chat
from train.examples import IGNORED, Example, ExampleError, tokenize_chat
from train.finetune import main
from train.outcome import Trained
from train.report import Durations, run_record, write_losses
from train.settings import TrainSettings

SYSTEM = {"role": "system", "content": "review"}
USER = {"role": "user", "content": "def f(): pass"}
ANSWER = {"role": "assistant", "content": '{"findings": []}'}


def line(*messages: dict[str, str]) -> str:
    return json.dumps({"messages": list(messages)})


def test_parse_chat_keeps_the_three_turns() -> None:
    chat = parse_chat(line(SYSTEM, USER, ANSWER), "x:1")
    assert chat.prompt == [SYSTEM, USER] and chat.answer == ANSWER


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "x:3: not JSON"),
        (json.dumps({"messages": [SYSTEM, USER]}), "x:3: expected {'messages'"),
        (line(USER, SYSTEM, ANSWER), "x:3: expected a system message"),
        (line(SYSTEM, USER, {"role": "assistant", "content": 3}), "expected a assistant"),
    ],
)
def test_parse_chat_names_the_line_of_a_bad_chat(text: str, message: str) -> None:
    with pytest.raises(DatasetError, match=message.replace("{", r"\{")):
        parse_chat(text, "x:3")


def test_load_dataset_reads_both_splits_and_needs_training_chats(tmp_path: Path) -> None:
    (tmp_path / "train.jsonl").write_text(line(SYSTEM, USER, ANSWER) + "\n\n")
    assert len(load_dataset(tmp_path).train) == 1
    assert load_dataset(tmp_path).validation == ()
    (tmp_path / "validation.jsonl").write_text(line(SYSTEM, USER, ANSWER) + "\n")
    assert len(load_dataset(tmp_path).validation) == 1
    (tmp_path / "train.jsonl").write_text("\n")
    with pytest.raises(DatasetError, match="holds no example"):
        load_dataset(tmp_path)
    with pytest.raises(DatasetError, match="cannot read"):
        load_dataset(tmp_path / "missing")


class WordTokenizer:
    """A tokenizer whose chat template writes one token per turn word."""

    def apply_chat_template(
        self, messages: list[dict[str, str]], *, tokenize: bool, add_generation_prompt: bool
    ) -> str:
        assert not tokenize
        words = [f"<{m['role']}> {m['content']}" for m in messages]
        return " ".join(["<bos>", *words, *(["<assistant>"] if add_generation_prompt else [])])

    def __call__(self, text: str, *, add_special_tokens: bool) -> dict[str, Any]:
        assert not add_special_tokens
        return {"input_ids": [len(word) for word in text.split()]}


def test_tokenize_chat_masks_the_prompt_and_keeps_the_answer() -> None:
    chat = parse_chat(line(SYSTEM, USER, ANSWER), "x:1")
    example = tokenize_chat(WordTokenizer(), chat, max_length=100)
    # <bos> <system> review <user> def f(): pass <assistant> | {"findings": []}
    prompt_length = 8
    assert example.labels[:prompt_length] == (IGNORED,) * prompt_length
    assert example.labels[prompt_length:] == example.input_ids[prompt_length:]
    assert len(example.input_ids) == prompt_length + 2


def test_tokenize_chat_refuses_a_prompt_that_fills_max_length() -> None:
    chat = parse_chat(line(SYSTEM, USER, ANSWER), "x:1")
    with pytest.raises(ExampleError, match="leaves no answer within max_length 8"):
        tokenize_chat(WordTokenizer(), chat, max_length=8)


def test_schedule_visits_every_example_once_per_pass() -> None:
    examples = [Example(input_ids=(n,), labels=(n,)) for n in range(4)]
    given = list(_schedule(examples, steps=10, seed=0))
    assert len(given) == 10
    assert sorted(given[:4], key=str) == sorted(examples, key=str)
    assert sorted(given[4:8], key=str) == sorted(examples, key=str)
    assert given == list(_schedule(examples, steps=10, seed=0))


def test_find_converter_says_where_to_get_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(CONVERTER_ENV, raising=False)
    with pytest.raises(ConversionError, match="--locate-converters"):
        find_converter(None)
    with pytest.raises(ConversionError, match=r"no convert_lora_to_gguf\.py"):
        find_converter(str(tmp_path))
    (tmp_path / "convert_lora_to_gguf.py").write_text("")
    monkeypatch.setenv(CONVERTER_ENV, str(tmp_path))
    assert find_converter(None) == tmp_path / "convert_lora_to_gguf.py"


def test_resolve_base_takes_a_gguf_or_a_model_folder(tmp_path: Path) -> None:
    gguf = tmp_path / "model.gguf"
    gguf.write_bytes(b"GGUF")
    assert resolve_base(str(gguf)).pretrained_arguments() == {
        "local_files_only": True,
        "gguf_file": "model.gguf",
    }
    (tmp_path / "config.json").write_text("{}")
    assert not resolve_base(str(tmp_path)).is_gguf
    with pytest.raises(BaseModelError, match="never downloads"):
        resolve_base("google/gemma-3-270m")


def test_losses_and_run_record(tmp_path: Path) -> None:
    (tmp_path / "adapter").mkdir()
    (tmp_path / "adapter" / "adapter_model.safetensors").write_bytes(b"x" * 100)
    (tmp_path / "adapter.gguf").write_bytes(b"GGUF" + b"x" * 46)
    trained = Trained(
        path="cpu",
        losses=(3.0, 2.0),
        step_seconds=(1.0, 2.0),
        load_seconds=10.0,
        validation_loss=2.5,
        converter_base=tmp_path / "base",
    )
    write_losses(tmp_path, trained)
    assert json.loads((tmp_path / "losses.json").read_text()) == [
        {"step": 1, "loss": 3.0, "seconds": 1.0},
        {"step": 2, "loss": 2.0, "seconds": 2.0},
    ]
    record = run_record(
        base="b.gguf",
        settings=TrainSettings(steps=2),
        trained=trained,
        durations=Durations(total_seconds=20.0, convert_seconds=1.5),
        out=tmp_path,
    )
    assert record["seconds_per_step"] == 1.5 and record["first_loss"] == 3.0
    assert record["adapter_bytes"] == 100 and record["adapter_gguf_bytes"] == 50
    assert record["lora"]["target_modules"][-1] == "down_proj"


def test_cli_stops_before_loading_on_bad_input(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(CONVERTER_ENV, raising=False)
    arguments = ["--data", str(tmp_path), "--base", "x.gguf", "--out", str(tmp_path / "o")]
    assert main(arguments) == 2
    assert "SIYADA_LLAMA_CONVERT_DIR" in capsys.readouterr().err
    (tmp_path / "convert_lora_to_gguf.py").write_text("")
    assert main([*arguments, "--converter", str(tmp_path)]) == 2
    assert "expected a .gguf file" in capsys.readouterr().err
    assert not (tmp_path / "o").exists()
