"""`gguf_type`: a GGUF's `general.type` read from its header only."""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Any

import pytest

from siyada.gguf_metadata import gguf_type
from tests.llama_server import built_engine

STRING, ARRAY, UINT32, FLOAT32 = 8, 9, 4, 6


def text(value: str) -> bytes:
    data = value.encode()
    return struct.pack("<Q", len(data)) + data


def value(kind: int, content: Any) -> bytes:
    """One metadata value of type `kind` (only what these tests write)."""
    if kind == STRING:
        return text(content)
    if kind == UINT32:
        return struct.pack("<I", content)
    item, items = content
    if item == STRING:
        body = b"".join(text(entry) for entry in items)
    else:
        body = b"".join(struct.pack("<f", entry) for entry in items)
    return struct.pack("<IQ", item, len(items)) + body


def header(*pairs: tuple[str, int, Any], version: int = 3) -> bytes:
    """A GGUF header with these (key, type, content) metadata pairs and no tensors."""
    metadata = b"".join(
        text(key) + struct.pack("<I", kind) + value(kind, c) for key, kind, c in pairs
    )
    return b"GGUF" + struct.pack("<IQQ", version, 0, len(pairs)) + metadata


ADAPTER_PAIRS = (
    ("general.architecture", STRING, "gemma3"),
    ("general.tags", ARRAY, (STRING, ["lora", "siyada"])),
    ("general.scores", ARRAY, (FLOAT32, [0.5, 1.5])),
    ("general.file_type", UINT32, 1),
    ("general.type", STRING, "adapter"),
    ("adapter.type", STRING, "lora"),
)


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "file.gguf"
    path.write_bytes(data)
    return path


def test_the_type_is_found_after_strings_arrays_and_numbers(tmp_path: Path) -> None:
    assert gguf_type(write(tmp_path, header(*ADAPTER_PAIRS))) == "adapter"
    assert gguf_type(write(tmp_path, header(*ADAPTER_PAIRS, version=2))) == "adapter"


@pytest.mark.parametrize(
    "data",
    [
        header(*ADAPTER_PAIRS[:4]),  # no general.type
        header(("general.type", UINT32, 7)),  # not a string
        header(*ADAPTER_PAIRS, version=1),  # an older layout
        header(*ADAPTER_PAIRS)[:60],  # cut inside the header
        b"GGML" + header(*ADAPTER_PAIRS)[4:],  # not GGUF
        b"",
    ],
    ids=["no type", "not a string", "version 1", "cut short", "not gguf", "empty"],
)
def test_a_header_that_does_not_say_gives_none(tmp_path: Path, data: bytes) -> None:
    assert gguf_type(write(tmp_path, data)) is None


def test_a_missing_file_gives_none(tmp_path: Path) -> None:
    assert gguf_type(tmp_path / "missing.gguf") is None


def test_the_real_gemma_model_says_it_is_a_model() -> None:
    assert gguf_type(built_engine().model) == "model"
