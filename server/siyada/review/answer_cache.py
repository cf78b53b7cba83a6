"""The model's answers per function: what indexes them and where they are kept.

`AnswerIdentity` is everything that determines an answer; `AnswerCache` keeps recent
answers in memory in front of the SQLite store (`cache.py`) that every Siyada process of
the user shares, so a function that comes back unchanged (undo, reopening, a copy in
another file, a restart, `siyada check`) costs no model call.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from siyada.review.answer_digest import answer_digest
from siyada.review.cache import DiskCache
from siyada.review.cache_folder import default_cache_dir
from siyada.review.explanation_language import ENGLISH
from siyada.review.findings import FINDINGS_VERSION, Finding
from siyada.review.prompt import (
    FILE_CONTEXT_PROMPT_VERSION,
    NUM_CTX,
    PROMPT_VERSION,
    REVIEW_OPTIONS_BASE,
)
from siyada.review.settings import Settings
from siyada.review.settings_table import OLLAMA_PROVIDER

_CACHE_ENTRIES: Final = 20_000


@dataclass(frozen=True)
class AnswerIdentity:
    """Everything that determines the model's answer for a function: what the answer
    cache is indexed by. The user's filters are not in it: they are applied when
    showing, so they never cost a call."""

    function_hash: str
    model: str
    language: str
    prompt_version: str = PROMPT_VERSION
    # Two engines may serve different weights under the same model name (an
    # OpenAI-compatible server names models as its operator chose).
    provider: str = OLLAMA_PROVIDER
    # The hash of a system text that replaces the fixed one (`siyada eval --prompt`);
    # empty for the fixed text, whose PROMPT_VERSION already names it.
    prompt_hash: str = ""
    # With `context` "file": the digest of the context sent beside the function. None
    # with "function", whose answers keep the names they always had.
    context_digest: str | None = None
    # The digest of the team's review guidance sent with the function (team_settings.py);
    # empty without guidance, whose answers keep the names they always had.
    instructions_digest: str = ""
    # The language of the words for the reader (a concrete BCP 47 tag, never "auto"):
    # answers in each language are kept apart, so switching back costs no call.
    explanation_language: str = ENGLISH

    def digest(self) -> str:
        """The name of the answer in the disk cache, the same in every process."""
        extra: dict[str, object] = {
            "num_ctx": NUM_CTX,
            "options": dict(REVIEW_OPTIONS_BASE),
            "findings": FINDINGS_VERSION,
        }
        if self.provider != OLLAMA_PROVIDER:
            # Only when not Ollama, so the answers Ollama users already have stay valid.
            extra["provider"] = self.provider
        if self.explanation_language != ENGLISH:
            # Only when not English, so English answers keep the shape of their names.
            extra["explanation_language"] = self.explanation_language
        if self.prompt_hash:
            extra["prompt"] = self.prompt_hash
        if self.context_digest is not None:
            extra["context"] = [FILE_CONTEXT_PROMPT_VERSION, self.context_digest]
        if self.instructions_digest:
            extra["instructions"] = self.instructions_digest
        return answer_digest(
            function_hash=self.function_hash,
            model=self.model,
            prompt_version=self.prompt_version,
            language=self.language,
            extra=extra,
        )


class AnswerCache:
    """The model's findings per function: recent ones in memory, all on disk (shared by
    every Siyada process of the user, so a restart or `siyada check` costs no call)."""

    def __init__(self, disk: DiskCache | None = None, capacity: int = _CACHE_ENTRIES) -> None:
        self._disk = disk
        self._capacity = capacity
        self._answers: OrderedDict[AnswerIdentity, tuple[Finding, ...]] = OrderedDict()
        # Answers cut off at the length limit, and prompts the server's context could
        # not hold, in memory only: a restart, another model or a changed function asks
        # again.
        self._cut_off: OrderedDict[AnswerIdentity, None] = OrderedDict()
        self._over_context: OrderedDict[AnswerIdentity, None] = OrderedDict()

    @property
    def problem(self) -> str | None:
        return self._disk.problem if self._disk is not None else None

    def get(self, identity: AnswerIdentity) -> tuple[Finding, ...] | None:
        found = self._answers.get(identity)
        if found is not None:
            self._answers.move_to_end(identity)
            return found
        if self._disk is not None:
            found = self._disk.get(identity.digest())
            if found is not None:
                self._remember(identity, found)
        return found

    def put(self, identity: AnswerIdentity, findings: tuple[Finding, ...]) -> None:
        self._remember(identity, findings)
        if self._disk is not None:
            self._disk.put(identity.digest(), findings)

    def mark_cut_off(self, identity: AnswerIdentity) -> None:
        self._remember_skip(self._cut_off, identity)

    def was_cut_off(self, identity: AnswerIdentity) -> bool:
        return identity in self._cut_off

    def mark_over_context(self, identity: AnswerIdentity) -> None:
        self._remember_skip(self._over_context, identity)

    def was_over_context(self, identity: AnswerIdentity) -> bool:
        return identity in self._over_context

    def _remember_skip(
        self, skipped: OrderedDict[AnswerIdentity, None], identity: AnswerIdentity
    ) -> None:
        skipped[identity] = None
        skipped.move_to_end(identity)
        while len(skipped) > self._capacity:
            skipped.popitem(last=False)

    def close(self) -> None:
        if self._disk is not None:
            self._disk.close()

    def _remember(self, identity: AnswerIdentity, findings: tuple[Finding, ...]) -> None:
        self._answers[identity] = findings
        self._answers.move_to_end(identity)
        while len(self._answers) > self._capacity:
            self._answers.popitem(last=False)


def open_cache(settings: Settings) -> AnswerCache:
    folder = Path(settings.cache_dir) if settings.cache_dir else default_cache_dir(os.environ)
    return AnswerCache(DiskCache(folder))
