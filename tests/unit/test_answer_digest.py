"""Unit tests for the digest an answer is stored under."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from siyada.review.answer_digest import answer_digest

ANSWER_PARTS: dict[str, Any] = {
    "function_hash": "abc123",
    "model": "qwen2.5-coder:7b",
    "prompt_version": "1",
    "language": "python",
    "extra": {"num_ctx": 8192, "think": False},
}


def test_answer_digest_is_a_stable_sha256_hex() -> None:
    digest = answer_digest(**ANSWER_PARTS)
    assert len(digest) == 64 and set(digest) <= set("0123456789abcdef")
    assert digest == answer_digest(**ANSWER_PARTS)
    # Pinned: a change of format silently invalidates every user's cache.
    canonical = (
        '{"extra":{"n":1},"function_hash":"h","language":"go","model":"m","prompt_version":"1"}'
    )
    pinned = answer_digest(
        function_hash="h", model="m", prompt_version="1", language="go", extra={"n": 1}
    )
    assert pinned == hashlib.sha256(canonical.encode()).hexdigest()


@pytest.mark.parametrize(
    ("part", "other"),
    [
        ("function_hash", "abc124"),
        ("model", "llama3.1:8b"),
        ("prompt_version", "2"),
        ("language", "javascript"),
        ("extra", {"num_ctx": 4096, "think": False}),
        ("extra", {"num_ctx": 8192}),
        ("extra", {"num_ctx": 8192, "think": False, "seed": 1}),
    ],
)
def test_answer_digest_changes_with_each_part(part: str, other: object) -> None:
    assert answer_digest(**{**ANSWER_PARTS, part: other}) != answer_digest(**ANSWER_PARTS)


def test_answer_digest_ignores_the_order_of_extra_and_sorts_sets() -> None:
    a = answer_digest(**{**ANSWER_PARTS, "extra": {"a": 1, "b": {"x", "y", "z"}}})
    b = answer_digest(**{**ANSWER_PARTS, "extra": {"b": frozenset({"z", "y", "x"}), "a": 1}})
    assert a == b


def test_answer_digest_parts_cannot_run_into_each_other() -> None:
    one = answer_digest(function_hash="ab", model="c", prompt_version="1", language="go")
    two = answer_digest(function_hash="a", model="bc", prompt_version="1", language="go")
    assert one != two


def test_answer_digest_rejects_values_that_are_not_json() -> None:
    with pytest.raises(TypeError):
        answer_digest(**{**ANSWER_PARTS, "extra": {"when": object()}})
