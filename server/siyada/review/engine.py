"""Review one function with the model: prompt in, anchored findings out.

The engine knows nothing of LSP. It keeps an in-memory cache of answers keyed by
what determines them (function hash, model, prompt version), so a function that comes
back unchanged (undo, reopening, a copy in another file) costs no model call.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from siyada.code.fixes import fix_refusal
from siyada.code.functions import FunctionUnit
from siyada.code.languages import LanguageSpec, Tree, encode_source
from siyada.code.suppressions import file_is_suppressed, is_suppressed
from siyada.models.errors import ContextExceeded
from siyada.models.ollama import (
    AnswerTruncated,
    ChatRequest,
    ChatResult,
    ServerBusy,
    ServerFailure,
    StreamFailure,
)
from siyada.review.answer import UnusableAnswer, findings_in_answer
from siyada.review.answer_digest import answer_digest
from siyada.review.cache import DiskCache
from siyada.review.cache_folder import default_cache_dir
from siyada.review.connection import ModelClient, NoClient, open_client
from siyada.review.findings import FINDINGS_SCHEMA, FINDINGS_VERSION, Finding, severity_rank
from siyada.review.prompt import (
    PROMPT_VERSION,
    REVIEW_OPTIONS_BASE,
    SYSTEM_PROMPT,
    build_messages,
    estimate_tokens,
    prompt_hash,
)
from siyada.review.settings import OLLAMA_PROVIDER, Settings

log = logging.getLogger(__name__)

# One context size for every request: changing num_ctx between requests makes Ollama
# reload the model. 8k tokens holds the prompt, a long function and the answer, and its
# KV cache fits next to a 7B Q4 model on an 8 GB GPU.
NUM_CTX = 8192
_ANSWER_BUDGET = int(REVIEW_OPTIONS_BASE.get("num_predict", 1024))
_RETRY_DELAYS = (1.0, 3.0)
_CACHE_ENTRIES = 20_000


class NotReviewed(Exception):
    """A function was not reviewed this time; the message tells the user why."""


class FunctionTooLong(NotReviewed):
    """The function does not fit in the model's context; it is skipped, not truncated."""

    def __init__(self, unit: FunctionUnit, tokens: int) -> None:
        super().__init__(
            f"{unit.name} is too long to review (~{tokens} tokens; the limit is "
            f"{NUM_CTX - _ANSWER_BUDGET}). Split it into smaller functions to have it reviewed."
        )


class TooLongForServer(FunctionTooLong):
    """The model server said the prompt does not fit its context window (a server
    started with a context smaller than Siyada's estimate allows for). The same
    function would be refused again, so it is skipped until its text changes."""

    def __init__(self, unit: FunctionUnit) -> None:
        NotReviewed.__init__(
            self,
            f"{unit.name} does not fit the model server's context window, so it was not "
            "reviewed. Start the server with a larger context (llama-server --ctx-size, vLLM "
            "--max-model-len), or split the function.",
        )


class AnswerUnusable(NotReviewed):
    """The model answered something other than findings. Not remembered: the function
    is asked about again on the next save, edit or review command."""

    def __init__(self, unit: FunctionUnit, reason: str) -> None:
        super().__init__(
            f"The model's answer about {unit.name} could not be used ({reason}); "
            "Siyada asks again on the next save or edit."
        )
        self.reason = reason


class AnswerCutOff(NotReviewed):
    """The model's answer hit its length limit. Asking again would cut it off again, so
    the function is skipped until its text changes (remembered for the session only)."""

    def __init__(self, unit: FunctionUnit) -> None:
        super().__init__(
            f"The model's answer about {unit.name} was cut off at its length limit, so it "
            "was not used; Siyada asks again once the function changes."
        )


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
        if self.prompt_hash:
            extra["prompt"] = self.prompt_hash
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


class Reviewer:
    """Asks the model about single functions, with one client for the configured endpoint."""

    def __init__(
        self,
        settings: Settings,
        cache: AnswerCache | None = None,
        client: ModelClient | None = None,
        *,
        system_prompt: str | None = None,
    ) -> None:
        self._settings = settings
        # A replacement of the fixed system text, to compare prompts; None: the fixed one.
        self._system_prompt = system_prompt
        self._cache = cache if cache is not None else open_cache(settings)
        self._refusal: NoClient | None = None
        self._client: ModelClient | None = client
        if client is None:
            try:
                self._client = open_client(settings)
            except NoClient as refusal:
                self._refusal = refusal

    def reconfigured(self, settings: Settings) -> Reviewer:
        """A reviewer for new settings, keeping the answers and, when the connection
        settings did not change, the client (so reviews in flight carry on)."""
        same_connection = settings.connection_key() == self._settings.connection_key()
        client = self._client if same_connection else None
        same_cache = settings.cache_dir == self._settings.cache_dir
        return Reviewer(
            settings,
            self._cache if same_cache else None,
            client,
            system_prompt=self._system_prompt,
        )

    def shares_cache_with(self, other: Reviewer) -> bool:
        return self._cache is other._cache

    @property
    def cache(self) -> AnswerCache:
        return self._cache

    def shares_client_with(self, other: Reviewer) -> bool:
        return self._client is not None and self._client is other._client

    @property
    def client(self) -> ModelClient:
        """The model server's client; raises EndpointRefused when policy forbids it
        (or another NoClient when none could be made)."""
        if self._client is None:
            assert self._refusal is not None
            raise self._refusal
        return self._client

    @property
    def settings(self) -> Settings:
        return self._settings

    def cached(self, language: str, unit: FunctionUnit) -> tuple[Finding, ...] | None:
        return self._cache.get(self._identity(language, unit))

    def _identity(self, language: str, unit: FunctionUnit) -> AnswerIdentity:
        return AnswerIdentity(
            unit.hash,
            self._settings.model,
            language,
            provider=self._settings.provider,
            prompt_hash="" if self._system_prompt is None else prompt_hash(self._system_prompt),
        )

    async def review(self, language: str, unit: FunctionUnit) -> tuple[Finding, ...]:
        """The findings of `unit`, from the cache or the model. Only a complete, usable
        answer is remembered; otherwise a NotReviewed subclass or ModelError is raised."""
        identity = self._identity(language, unit)
        found = self._cache.get(identity)
        if found is not None:
            return found
        if self._cache.was_cut_off(identity):
            raise AnswerCutOff(unit)
        if self._cache.was_over_context(identity):
            raise TooLongForServer(unit)
        findings = await self._ask_model(language, unit, identity)
        self._cache.put(identity, findings)
        return findings

    async def _ask_model(
        self, language: str, unit: FunctionUnit, identity: AnswerIdentity
    ) -> tuple[Finding, ...]:
        system = SYSTEM_PROMPT if self._system_prompt is None else self._system_prompt
        messages = build_messages(
            language=language, function_name=unit.name, code=unit.text, system=system
        )
        tokens = sum(estimate_tokens(m["content"]) for m in messages)
        if tokens + _ANSWER_BUDGET > NUM_CTX:
            raise FunctionTooLong(unit, tokens)
        request = ChatRequest(
            model=self._settings.model,
            messages=messages,
            format=FINDINGS_SCHEMA,
            options={**REVIEW_OPTIONS_BASE, "num_ctx": NUM_CTX},
            keep_alive=self._settings.keep_alive,
            think=False,
        )
        try:
            result = await self._chat_with_retries(request)
        except AnswerTruncated as truncated:
            # A cut-off answer is not trustworthy JSON; showing part of it would be worse
            # than showing nothing, and asking again would cut it off again.
            self._cache.mark_cut_off(identity)
            raise AnswerCutOff(unit) from truncated
        except ContextExceeded as exceeded:
            # The same prompt always needs the same context: asking again cannot help.
            self._cache.mark_over_context(identity)
            raise TooLongForServer(unit) from exceeded
        # Filters are applied when showing, so changing them needs no new model call.
        try:
            return tuple(findings_in_answer(result.content, unit.text))
        except UnusableAnswer as unusable:
            raise AnswerUnusable(unit, unusable.reason) from unusable

    async def _chat_with_retries(self, request: ChatRequest) -> ChatResult:
        for delay in (*_RETRY_DELAYS, None):
            try:
                return await self.client.chat(request)
            except (ServerBusy, ServerFailure, StreamFailure) as error:
                if delay is None:
                    raise
                wait = self._retry_delay(error, delay)
                log.info("Model server hiccup (%s); retrying in %.1f s.", error.kind, wait)
                await asyncio.sleep(wait)
        raise AssertionError("unreachable")

    def _retry_delay(
        self, error: ServerBusy | ServerFailure | StreamFailure, delay: float
    ) -> float:
        """Our own back-off, or longer when a busy server asks for it (`Retry-After`);
        never longer than one request may take."""
        asked = error.retry_after if isinstance(error, ServerBusy) else None
        return min(max(delay, asked or 0.0), self._settings.request_timeout_sec)

    async def aclose(self) -> None:
        """Close the client (the cache outlives reviewers; close it with `cache.close`)."""
        if self._client is not None:
            await self._client.aclose()


def is_shown(finding: Finding, settings: Settings) -> bool:
    """The user's filters, applied at display time."""
    return (
        finding.confidence >= settings.min_confidence
        and severity_rank(finding.severity) <= severity_rank(settings.min_severity)
        and finding.category in settings.categories
    )


@dataclass(frozen=True)
class PlacedFinding:
    """A finding placed in a document: absolute 0-based lines, inclusive."""

    unit: FunctionUnit
    finding: Finding
    start_line: int
    end_line: int


def place_findings(
    units: Sequence[FunctionUnit],
    findings_of: Mapping[str, Sequence[Finding]],
    lines: Sequence[str],
    text: str,
    settings: Settings,
    *,
    spec: LanguageSpec,
) -> list[PlacedFinding]:
    """Findings of each unit moved to where the unit is now, filtered and unsuppressed.

    A finding whose fix is not provably local (`fix_refusal`) is placed without it.
    """
    if file_is_suppressed(text):
        return []
    placed: list[PlacedFinding] = []
    seen: set[tuple[int, int, str, str]] = set()
    fixes = _FixJudge(spec, text)
    for unit in units:
        for finding in findings_of.get(unit.hash, ()):
            lines_in_document = unit.document_range(finding.start_line, finding.end_line)
            if lines_in_document is None:
                continue  # it quotes a placeholder or a nested unit's line: not this unit's
            start, end = lines_in_document
            identity = (start, end, finding.category, finding.title)
            if identity in seen or not is_shown(finding, settings):
                continue
            if is_suppressed(list(lines), start, finding.category):
                continue
            seen.add(identity)
            if finding.replacement is not None and not fixes.is_local(unit, finding, start, end):
                finding = replace(finding, replacement=None)
            placed.append(PlacedFinding(unit, finding, start, end))
    return placed


# Verdicts on fixes, by function text and finding: the same fix of the same function
# is judged once, not on every keystroke elsewhere in the document. The code action
# judges again against the document as it is before offering the edit.
_Fix = tuple[str, str, int, int, str]
_fix_verdicts: OrderedDict[_Fix, bool] = OrderedDict()
_FIX_VERDICTS = 4096


class _FixJudge:
    """`fix_refusal` for one document, parsing it at most once."""

    def __init__(self, spec: LanguageSpec, text: str) -> None:
        self._spec, self._text = spec, text
        self._tree: Tree | None = None

    def is_local(self, unit: FunctionUnit, finding: Finding, start: int, end: int) -> bool:
        """Whether the finding's fix, at document lines start..end, is local to `unit`."""
        assert finding.replacement is not None
        fix = (self._spec.id, unit.hash, finding.start_line, finding.end_line, finding.replacement)
        verdict = _fix_verdicts.get(fix)
        if verdict is None:
            if self._tree is None:
                self._tree = self._spec.parse(encode_source(self._text))
            refusal = fix_refusal(
                self._spec, self._text, unit, start, end, finding.replacement, self._tree
            )
            if refusal is not None:
                log.info("The fix offered for %s is not shown: %s.", unit.name, refusal)
            verdict = refusal is None
        _fix_verdicts[fix] = verdict
        _fix_verdicts.move_to_end(fix)
        while len(_fix_verdicts) > _FIX_VERDICTS:
            _fix_verdicts.popitem(last=False)
        return verdict
