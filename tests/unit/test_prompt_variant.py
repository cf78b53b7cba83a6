"""A prompt variant (`siyada eval --prompt`): it replaces the system text, and its hash
is part of the answer's identity, so answers to one prompt never stand for another's."""

from __future__ import annotations

from pathlib import Path

from siyada.code.functions import extract_functions
from siyada.code.languages import language_for
from siyada.review.answer_cache import AnswerCache, AnswerIdentity
from siyada.review.answer_digest import answer_digest
from siyada.review.cache import DiskCache
from siyada.review.engine import Reviewer
from siyada.review.findings import FINDINGS_VERSION
from siyada.review.prompt import (
    NUM_CTX,
    PROMPT_VERSION,
    REVIEW_OPTIONS_BASE,
    SYSTEM_PROMPT,
    build_messages,
    prompt_hash,
)
from siyada.review.settings import Settings
from tests.e2e.conftest import MODEL
from tests.model_server import OllamaDouble

VARIANT = "Review the function for bugs only. Answer JSON only."


def test_build_messages_uses_the_fixed_system_text_unless_replaced() -> None:
    fixed = build_messages(language="python", function_name="f", code="def f(): pass")
    variant = build_messages(
        language="python", function_name="f", code="def f(): pass", system=VARIANT
    )
    assert fixed[0] == {"role": "system", "content": SYSTEM_PROMPT}
    assert variant[0] == {"role": "system", "content": VARIANT}
    assert fixed[1] == variant[1]


def test_the_fixed_prompt_keeps_the_digests_answers_are_already_stored_under() -> None:
    before_variants = answer_digest(
        function_hash="1",
        model="m",
        prompt_version=PROMPT_VERSION,
        language="python",
        extra={
            "num_ctx": NUM_CTX,
            "options": dict(REVIEW_OPTIONS_BASE),
            "findings": FINDINGS_VERSION,
        },
    )
    assert AnswerIdentity("1", "m", "python").digest() == before_variants


def test_each_prompt_variant_has_its_own_digest() -> None:
    fixed = AnswerIdentity("1", "m", "python")
    variant = AnswerIdentity("1", "m", "python", prompt_hash=prompt_hash(VARIANT))
    other = AnswerIdentity("1", "m", "python", prompt_hash=prompt_hash(VARIANT + " "))
    assert len({fixed.digest(), variant.digest(), other.digest()}) == 3
    # sha256 of the text, the same in every process.
    assert prompt_hash("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


async def test_a_reviewer_with_a_variant_sends_it_and_does_not_reuse_other_answers(
    tmp_path: Path,
) -> None:
    python = language_for("python")
    assert python is not None
    (unit,) = extract_functions(python, "def f(x):\n    return x\n")
    cache = AnswerCache(DiskCache(tmp_path))
    with OllamaDouble(models=[MODEL]) as double:
        settings = Settings(endpoint=double.url)
        fixed = Reviewer(settings, cache)
        variant = Reviewer(settings, cache, system_prompt=VARIANT)
        # Reconfigured (as on a settings change), it keeps its variant.
        again = variant.reconfigured(settings)
        try:
            await fixed.review("python", unit)
            assert variant.cached("python", unit) is None
            await variant.review("python", unit)
            assert variant.cached("python", unit) == ()
            await again.review("python", unit)
        finally:
            await fixed.aclose()
            await variant.aclose()
        systems = [request["messages"][0]["content"] for request in double.chat_requests]
    cache.close()
    assert systems == [SYSTEM_PROMPT, VARIANT]
