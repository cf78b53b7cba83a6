"""`siyada modelfile`: the Ollama Modelfile for a base model and a LoRA adapter."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from siyada.cli import main
from siyada.modelfile import (
    CannotWriteModelfile,
    adapter_file,
    base_reference,
    modelfile_text,
)
from siyada.review.prompt import SYSTEM_PROMPT
from tests.unit.test_gguf_metadata import ADAPTER_PAIRS, STRING, header


def gguf(path: Path, general_type: str | None = "adapter") -> Path:
    """A GGUF file whose header says it is `general_type` (None: says nothing)."""
    pairs = [pair for pair in ADAPTER_PAIRS if pair[0] != "general.type"]
    if general_type is not None:
        pairs.append(("general.type", STRING, general_type))
    path.write_bytes(header(*pairs))
    return path


def parts(text: str) -> dict[str, str]:
    """Each instruction's argument, read the way Ollama reads a Modelfile: one word or a
    quoted path per line, the SYSTEM text between triple quotes."""
    system = re.search(r'^SYSTEM """(.*?)"""$', text, re.MULTILINE | re.DOTALL)
    assert system is not None, text
    rest = text[: system.start()] + text[system.end() :]
    found = {"SYSTEM": system.group(1)}
    for line in filter(None, rest.split("\n")):
        if line.startswith("PARAMETER "):
            _, name, value = line.split(" ", 2)
            found[f"PARAMETER {name}"] = value
        else:
            instruction, _, argument = line.partition(" ")
            found[instruction] = argument
    return found


def test_a_model_name_and_an_adapter_make_from_adapter_system_and_temperature(
    tmp_path: Path,
) -> None:
    adapter = gguf(tmp_path / "adapter.gguf")

    text = modelfile_text(base_reference("gemma3:270m"), adapter_file(adapter))

    assert parts(text) == {
        "FROM": "gemma3:270m",
        "ADAPTER": str(adapter.resolve()),
        "SYSTEM": SYSTEM_PROMPT,
        "PARAMETER temperature": "0",
    }
    assert text.splitlines()[0] == "FROM gemma3:270m"
    assert text.endswith("PARAMETER temperature 0\n")


def test_a_gguf_base_is_written_as_its_absolute_path_and_spaces_are_quoted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "my models"
    folder.mkdir()
    base = gguf(folder / "base.gguf", "model")
    adapter = gguf(folder / "adapter.gguf")
    monkeypatch.chdir(folder)

    text = modelfile_text(base_reference("base.gguf"), adapter_file(Path("adapter.gguf")))

    assert text.startswith(f'FROM "{base.resolve()}"\nADAPTER "{adapter.resolve()}"\n')


@pytest.mark.parametrize(
    ("content", "reason"),
    [(None, "no such file"), (b"PK\x03\x04 not gguf", "not a GGUF file")],
)
def test_an_adapter_that_is_missing_or_not_gguf_is_refused(
    tmp_path: Path, content: bytes | None, reason: str
) -> None:
    adapter = tmp_path / "adapter.gguf"
    if content is not None:
        adapter.write_bytes(content)

    with pytest.raises(CannotWriteModelfile, match=re.escape(f"--adapter {adapter}: {reason}")):
        adapter_file(adapter)


def test_a_model_given_as_the_adapter_or_an_adapter_as_the_base_is_refused(
    tmp_path: Path,
) -> None:
    model = gguf(tmp_path / "gemma.gguf", "model")
    adapter = gguf(tmp_path / "adapter.gguf")
    silent = gguf(tmp_path / "old-converter.gguf", None)

    with pytest.raises(CannotWriteModelfile) as swapped_adapter:
        adapter_file(model)
    with pytest.raises(CannotWriteModelfile) as swapped_base:
        base_reference(str(adapter))

    assert str(swapped_adapter.value) == (
        f"--adapter {model} is a model, not a LoRA adapter (its general.type); the "
        "adapter is the small GGUF that convert_lora_to_gguf.py writes"
    )
    assert str(swapped_base.value) == (
        f"--base {adapter} is a LoRA adapter, not a model; name the model the adapter "
        "was trained on"
    )
    # A header that does not say is taken as it is; a model is a fine base.
    assert adapter_file(silent) == silent.resolve()
    assert base_reference(str(model)) == str(model.resolve())


def test_a_base_ending_in_gguf_must_be_a_gguf_file_and_a_name_must_be_one_word(
    tmp_path: Path,
) -> None:
    with pytest.raises(
        CannotWriteModelfile, match=re.escape(f"--base {tmp_path / 'missing.gguf'}: no such file")
    ):
        base_reference(str(tmp_path / "missing.gguf"))
    not_gguf = tmp_path / "weights.bin"
    not_gguf.write_bytes(b"\0" * 16)
    with pytest.raises(CannotWriteModelfile, match="not a GGUF file"):
        base_reference(str(not_gguf))
    with pytest.raises(CannotWriteModelfile, match="expected an Ollama model name"):
        base_reference("gemma3 270m")
    with pytest.raises(CannotWriteModelfile, match="expected an Ollama model name"):
        base_reference("  ")


def test_a_system_text_that_would_end_the_quoting_early_is_refused(tmp_path: Path) -> None:
    adapter = gguf(tmp_path / "adapter.gguf")

    with pytest.raises(CannotWriteModelfile, match="cannot be quoted"):
        modelfile_text("gemma3:270m", adapter, system='Say """ here')
    with pytest.raises(CannotWriteModelfile, match="cannot be quoted"):
        modelfile_text("gemma3:270m", adapter, system='ends with a quote"')


def test_the_command_writes_the_file_or_stdout_and_exits_2_on_bad_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    adapter = gguf(tmp_path / "adapter.gguf")
    out = tmp_path / "Modelfile"

    to_stdout = main(["modelfile", "--base", "gemma3:270m", "--adapter", str(adapter)])
    printed = capsys.readouterr()
    to_file = main(
        ["modelfile", "--base", "gemma3:270m", "--adapter", str(adapter), "--out", str(out)]
    )
    told = capsys.readouterr()
    refused = main(
        [
            "modelfile",
            "--base",
            "gemma3:270m",
            "--adapter",
            str(tmp_path / "no.gguf"),
            "--out",
            str(tmp_path / "other"),
        ]
    )
    refusal = capsys.readouterr()

    assert to_stdout == 0 and to_file == 0
    assert printed.out == out.read_text(encoding="utf-8")
    assert parts(printed.out)["ADAPTER"] == str(adapter.resolve())
    assert told.out == ""
    assert f"ollama create siyada-tuned -f {out}" in told.err
    assert refused == 2
    assert refusal.out == ""
    assert refusal.err == f"siyada: --adapter {tmp_path / 'no.gguf'}: no such file\n"
    assert not (tmp_path / "other").exists()


def test_an_out_that_is_a_folder_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    adapter = gguf(tmp_path / "adapter.gguf")

    code = main(["modelfile", "--base", "m", "--adapter", str(adapter), "--out", str(tmp_path)])

    assert code == 2
    assert f"--out {tmp_path} is a folder; name a file" in capsys.readouterr().err
