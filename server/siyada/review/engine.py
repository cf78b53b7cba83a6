"""Review one function with the model: prompt in, findings relative to the function out.

The engine knows nothing of LSP. Answers come from the answer cache when it has them
(`answer_cache.py`); a function that cannot be reviewed raises a `NotReviewed`
(`not_reviewed.py`); placing findings in a document is `placement.py`'s job.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from siyada.code.context import FunctionContext
from siyada.code.functions import FunctionUnit
from siyada.feedback.fingerprint import key_path
from siyada.feedback.store import FeedbackStore, ReviewRecord, open_feedback
from siyada.models.chat import ChatRequest, ChatResult
from siyada.models.errors import (
    AnswerTruncated,
    ContextExceeded,
    ServerBusy,
    ServerFailure,
    StreamFailure,
)
from siyada.review.answer import UnusableAnswer, findings_in_answer
from siyada.review.answer_cache import AnswerCache, AnswerIdentity, open_cache
from siyada.review.connection import ModelClient, NoClient, open_client
from siyada.review.explanation_language import resolved
from siyada.review.findings import FINDINGS_SCHEMA, Finding
from siyada.review.limits import fits_context
from siyada.review.not_reviewed import (
    AnswerCutOff,
    AnswerUnusable,
    FunctionTooLong,
    TooLongForServer,
)
from siyada.review.prompt import (
    NUM_CTX,
    REVIEW_OPTIONS_BASE,
    build_messages,
    prompt_hash,
    prompt_tokens,
)
from siyada.review.settings import Settings
from siyada.review.team_settings import NO_INSTRUCTIONS, Instructions

# What a review gives, from the modules that define it, so a caller of `Reviewer` needs
# one import.

log = logging.getLogger(__name__)

_RETRY_DELAYS: Final = (1.0, 3.0)


@dataclass(frozen=True)
class Reviewed:
    """A function's findings, and how long the model took to give them (None when
    they came from the answer cache)."""

    findings: tuple[Finding, ...]
    model_seconds: float | None = None

    @property
    def cached(self) -> bool:
        return self.model_seconds is None


class Reviewer:
    """Asks the model about single functions, with one client for the configured endpoint."""

    def __init__(
        self,
        settings: Settings,
        cache: AnswerCache | None = None,
        client: ModelClient | None = None,
        *,
        system_prompt: str | None = None,
        instructions: Instructions = NO_INSTRUCTIONS,
        feedback: FeedbackStore | None = None,
    ) -> None:
        self._settings = settings
        # Where each answer of the model is recorded for the dataset; None records nothing.
        self._feedback = feedback
        # "auto" left unresolved by the caller means no locale is known: English.
        self._explanation_language = resolved(settings.explanation_language, None)
        # The team's review guidance (repository settings), sent with each function.
        self._instructions = instructions
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

    def reconfigured(
        self, settings: Settings, instructions: Instructions | None = None
    ) -> Reviewer:
        """A reviewer for new settings (and team guidance, when given), keeping the
        answers and, when the connection settings did not change, the client (so
        reviews in flight carry on)."""
        same_connection = settings.connection_inputs() == self._settings.connection_inputs()
        client = self._client if same_connection else None
        same_cache = settings.cache_dir == self._settings.cache_dir
        feedback = self._feedback
        if feedback is not None and not same_cache:
            feedback = open_feedback(settings)  # it lives beside the cache
        return Reviewer(
            settings,
            self._cache if same_cache else None,
            client,
            system_prompt=self._system_prompt,
            instructions=self._instructions if instructions is None else instructions,
            feedback=feedback,
        )

    @property
    def instructions(self) -> Instructions:
        return self._instructions

    def answer_inputs(self) -> tuple[object, ...]:
        """What changes the model's answers: the settings' part and the team guidance."""
        return (*self._settings.answer_inputs(), self._instructions)

    def shares_cache_with(self, other: Reviewer) -> bool:
        return self._cache is other._cache

    @property
    def cache(self) -> AnswerCache:
        return self._cache

    @property
    def feedback(self) -> FeedbackStore | None:
        """The feedback store answers are recorded in (closed by whoever opened it)."""
        return self._feedback

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

    def cached(
        self,
        language: str,
        unit: FunctionUnit,
        context: FunctionContext | None = None,
        *,
        path: Path | None = None,
    ) -> tuple[Finding, ...] | None:
        return self._cache.get(self._identity(language, unit, context, path))

    def _identity(
        self,
        language: str,
        unit: FunctionUnit,
        context: FunctionContext | None,
        path: Path | None = None,
    ) -> AnswerIdentity:
        return AnswerIdentity(
            unit.hash,
            self._settings.model,
            language,
            provider=self._settings.provider,
            prompt_hash="" if self._system_prompt is None else prompt_hash(self._system_prompt),
            context_digest=context.digest if context is not None else None,
            instructions_digest=self._instructions.digest_for(language, path),
            explanation_language=self._explanation_language,
        )

    async def review(
        self,
        language: str,
        unit: FunctionUnit,
        context: FunctionContext | None = None,
        *,
        path: Path | None = None,
    ) -> tuple[Finding, ...]:
        """The findings of `unit`, from the cache or the model; `context` is sent beside
        it (given with the `context` setting "file", None with "function"); `path` (the
        file's) chooses the team's guidance by path glob. Only a complete, usable answer
        is remembered; otherwise a NotReviewed subclass or ModelError is raised."""
        return (await self.answer(language, unit, context, path=path)).findings

    async def answer(
        self,
        language: str,
        unit: FunctionUnit,
        context: FunctionContext | None = None,
        *,
        path: Path | None = None,
        fresh: bool = False,
    ) -> Reviewed:
        """`review`, saying whether the cache answered and how long the model took.
        `fresh` asks the model even when the cache has an answer (or remembers it cut
        off or too long), and keeps the new answer in its place."""
        identity = self._identity(language, unit, context, path)
        if not fresh:
            found = self._cache.get(identity)
            if found is not None:
                return Reviewed(found)
            if self._cache.was_cut_off(identity):
                raise AnswerCutOff(unit)
            if self._cache.was_over_context(identity):
                raise TooLongForServer(unit)
        started = asyncio.get_running_loop().time()
        guidance = self._instructions.text_for(language, path)
        findings = await self._ask_model(language, unit, identity, context, guidance, path)
        self._cache.put(identity, findings)
        return Reviewed(findings, asyncio.get_running_loop().time() - started)

    async def _ask_model(
        self,
        language: str,
        unit: FunctionUnit,
        identity: AnswerIdentity,
        context: FunctionContext | None,
        guidance: str,
        path: Path | None,
    ) -> tuple[Finding, ...]:
        messages = build_messages(
            language=language,
            function_name=unit.name,
            code=unit.text,
            system=self._system_prompt,
            context=context.render() if context is not None else None,
            instructions=guidance,
            explanation_language=self._explanation_language,
        )
        tokens = prompt_tokens(messages)
        if not fits_context(tokens):
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
            findings = tuple(findings_in_answer(result.content, unit.text))
        except UnusableAnswer as unusable:
            raise AnswerUnusable(unit, unusable.reason) from unusable
        self._record_review(language, unit, path, messages, findings)
        return findings

    def _record_review(
        self,
        language: str,
        unit: FunctionUnit,
        path: Path | None,
        messages: list[dict[str, str]],
        findings: tuple[Finding, ...],
    ) -> None:
        """Keep the answer for the dataset; a failure is logged, never raised, so
        feedback can never cost a review."""
        if self._feedback is None:
            return
        record = ReviewRecord(
            key_path=key_path(path) if path is not None else "",
            function=unit.name,
            function_hash=unit.hash,
            language=language,
            model=self._settings.model,
            messages=tuple(dict(message) for message in messages),
            findings=findings,
        )
        try:
            self._feedback.record_review(record)
        except Exception:
            log.warning("Could not record the review of %s.", unit.name, exc_info=True)

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
