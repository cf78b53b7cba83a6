"""What kind of GGUF a file is, from its header: a model or a LoRA adapter.

A GGUF file starts with `GGUF`, a version, the tensor and key counts, then its metadata
as key, type, value. llama.cpp writes `general.type` ("model", or "adapter" from
`convert_lora_to_gguf.py`) among the first keys, so only the header's first keys are
read, never the tensors: a multi-gigabyte model costs a few kilobytes.
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import BinaryIO, Final

from siyada.doctor.gguf import MAGIC

TYPE_KEY: Final = "general.type"
# How many keys are read before giving up: general.* keys come first.
MAX_KEYS: Final = 64
MAX_KEY_BYTES: Final = 1 << 16
MAX_STRING_BYTES: Final = 1 << 20
# The sizes of GGUF's fixed-size value types (uint8 ... float64), by type number.
_FIXED_SIZES: Final = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}
_STRING, _ARRAY = 8, 9


class _Unreadable(Exception):
    """The header is not what GGUF versions 2 and 3 write."""


def gguf_type(path: Path) -> str | None:
    """The file's `general.type` ("model", "adapter"), or None when the header does
    not say (an older converter, another version) or cannot be read."""
    try:
        with path.open("rb") as stream:
            return _type_in(stream)
    except (OSError, _Unreadable, struct.error, UnicodeDecodeError):
        return None


def _type_in(stream: BinaryIO) -> str | None:
    magic, version = stream.read(4), _unpack(stream, "<I")
    if magic != MAGIC or version not in (2, 3):
        return None
    _unpack(stream, "<Q")  # the tensor count
    keys = _unpack(stream, "<Q")
    for _ in range(min(keys, MAX_KEYS)):
        key = _string(stream, MAX_KEY_BYTES)
        kind = _unpack(stream, "<I")
        if key == TYPE_KEY:
            return _string(stream, MAX_STRING_BYTES) if kind == _STRING else None
        _skip_value(stream, kind)
    return None


def _skip_value(stream: BinaryIO, kind: int) -> None:
    if kind in _FIXED_SIZES:
        stream.seek(_FIXED_SIZES[kind], 1)
    elif kind == _STRING:
        stream.seek(_unpack(stream, "<Q"), 1)
    elif kind == _ARRAY:
        item, count = _unpack(stream, "<I"), _unpack(stream, "<Q")
        if item in _FIXED_SIZES:
            stream.seek(_FIXED_SIZES[item] * count, 1)
        elif item == _STRING:
            for _ in range(count):
                stream.seek(_unpack(stream, "<Q"), 1)
        else:
            raise _Unreadable(f"an array of type {item}")
    else:
        raise _Unreadable(f"a value of type {kind}")


def _string(stream: BinaryIO, limit: int) -> str:
    length = _unpack(stream, "<Q")
    if length > limit:
        raise _Unreadable("a string longer than a header holds")
    data = stream.read(length)
    if len(data) != length:
        raise _Unreadable("the file ends inside its header")
    return data.decode("utf-8")


def _unpack(stream: BinaryIO, layout: str) -> int:
    size = struct.calcsize(layout)
    data = stream.read(size)
    if len(data) != size:
        raise _Unreadable("the file ends inside its header")
    value: int = struct.unpack(layout, data)[0]
    return value
