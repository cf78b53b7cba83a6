"""The name an answer is stored under: a digest of everything that determines it.

The disk cache is shared by every Siyada process and version of the user, so the digest
depends only on its parts, never on the process, run or order of the settings given.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

_NO_EXTRA: Final[Mapping[str, object]] = MappingProxyType({})


def answer_digest(
    *,
    function_hash: str,
    model: str,
    prompt_version: str,
    language: str,
    extra: Mapping[str, object] = _NO_EXTRA,
) -> str:
    """A stable digest (sha256 hex) of everything that determines a model's answer.

    `extra` holds the settings that change the answer (JSON values; sets are sorted).
    The digest is the same in every process and run for the same parts, whatever the
    order of `extra`.
    """
    parts = {
        "function_hash": function_hash,
        "model": model,
        "prompt_version": prompt_version,
        "language": language,
        "extra": dict(extra),
    }
    canonical = json.dumps(
        parts, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_canonical
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _canonical(value: object) -> object:
    if isinstance(value, set | frozenset):
        return sorted(value, key=lambda item: json.dumps(item, sort_keys=True, default=_canonical))
    raise TypeError(f"{type(value).__name__} is not a JSON value and cannot be part of a digest")
