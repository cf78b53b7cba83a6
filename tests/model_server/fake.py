"""What every protocol of the fake model server shares.

`ModelServer` serves real HTTP on 127.0.0.1 (serving.py), answers chats by its answer
policy (answers.py) at the pace of its timing policy (timing.py), and records what it
sees (observations.py). A protocol (ollama.py, openai.py) routes requests and writes
answers in its format (`ChatFormat`); the pipeline of a chat is here: hold, delay, error
status, slot, prompt evaluation, then the answer streamed or whole.
"""

from __future__ import annotations

import asyncio
import bisect
import functools
import ssl
import time
from collections.abc import Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol, Self

from siyada.review.prompt import estimate_tokens
from tests.model_server.answers import (
    Answer,
    DefaultAnswer,
    Rule,
    Script,
    asked_language,
    last_user_content,
    no_findings,
)
from tests.model_server.observations import ChatRecord, Observations
from tests.model_server.serving import ClientGone, Exchange, HttpServer, Reply, Request
from tests.model_server.timing import INSTANT, Slot, Slots, Timing, evaluated_tokens, prompt_text


@dataclass(frozen=True)
class Usage:
    """Token counts and measured durations, for a protocol's final line."""

    prompt_tokens: int
    answer_tokens: int
    prompt_seconds: float
    answer_seconds: float
    total_seconds: float


class ChatFormat(Protocol):
    """How one protocol writes the answer to one chat."""

    stream_type: str
    mid_stream_error: str

    def accepted(self) -> None: ...
    def failure(self, status: int, message: str | None, retry_after: str | None) -> Reply: ...
    def whole(self, text: str, done_reason: str, usage: Usage) -> Reply: ...
    def opening(self) -> list[bytes]: ...
    def piece(self, text: str) -> bytes: ...
    def closing(self, done_reason: str, usage: Usage) -> list[bytes]: ...
    def stream_error(self, message: str) -> bytes: ...


class ModelServer(Observations):
    """A fake model server; a protocol subclass implements `route`. A context manager."""

    def __init__(
        self,
        models: Iterable[str],
        *,
        port: int = 0,
        tls: ssl.SSLContext | None = None,
        timing: Timing = INSTANT,
        slots: int | None = None,
        default_answer: DefaultAnswer = no_findings,
        free_answer: DefaultAnswer | None = None,
    ) -> None:
        super().__init__()
        self.timing = timing
        self.slot_count = slots
        self._models = list(models)
        self._script = Script(default_answer, free_answer)
        self._released = 0  # bumped by release(); a held answer waits for a bump
        self._release_event = asyncio.Event()
        self._slots = Slots(slots)
        self._http = HttpServer(self._handle, port=port, tls=tls)

    # -- lifecycle ---------------------------------------------------------------

    def start(self) -> None:
        """Listen (again) on the same port; the first start picks a free one if 0."""
        if self._http.running:
            return
        self._slots = Slots(self.slot_count)  # a restarted server has lost its caches
        self._release_event = asyncio.Event()
        self._http.start()

    def stop(self) -> None:
        """Stop listening and cut every open connection, as a killed server would."""
        self._http.stop()

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._http.port

    @property
    def url(self) -> str:
        return f"{self._http.scheme}://127.0.0.1:{self.port}"

    # -- scripting -----------------------------------------------------------------

    def add_rule(self, match: str, **fields: Any) -> Rule:
        """Answer chats whose last user message contains `match` ("" matches all).

        Rules are tried in the order added; the keywords are `Rule`'s fields.
        """
        return self._script.add(Rule(match, **fields))

    def clear_rules(self) -> None:
        self._script.clear()

    def release(self) -> None:
        """Let every answer held right now go ahead (later holds wait for the next call)."""
        with self._cond:
            self._released += 1
            self._cond.notify_all()
        self._http.call_soon(self._wake_held)

    def set_models(self, models: Iterable[str]) -> None:
        self._changed(lambda: setattr(self, "_models", list(models)))

    @property
    def models(self) -> list[str]:
        with self._cond:
            return list(self._models)

    def load_script(self, script: dict[str, Any]) -> None:
        """Apply a {"models": [...], "rules": [{...}, ...]} script (the CLI's format)."""
        if "models" in script:
            self.set_models(script["models"])
        for rule in script.get("rules", []):
            self.add_rule(**rule)

    # -- serving (the server's thread) --------------------------------------------------

    async def route(self, request: Request, exchange: Exchange) -> None:
        raise NotImplementedError

    async def _handle(self, request: Request, exchange: Exchange) -> None:
        try:
            await self.route(request, exchange)
        except ClientGone:
            self._changed(lambda: setattr(self, "disconnects", self.disconnects + 1))
            raise

    def _wake_held(self) -> None:
        self._release_event.set()
        self._release_event = asyncio.Event()

    async def _hold(self, exchange: Exchange) -> None:
        with self._cond:
            ticket = self._released
        self._changed(lambda: setattr(self, "held", self.held + 1))
        try:
            while self._released <= ticket:
                await exchange.wait(self._release_event.wait())
        finally:
            self._changed(lambda: setattr(self, "held", self.held - 1))

    async def answer_chat(
        self,
        exchange: Exchange,
        messages: list[Any],
        streamed: bool,
        out: ChatFormat,
        *,
        free: bool = False,
    ) -> None:
        """Answer a chat by the policies: the whole pipeline a chat goes through. `free`:
        the chat asks for a free-text answer (no answer format)."""
        question = last_user_content(messages)
        answer = self._script.answer(question, asked_language(messages), free=free)
        prompt = prompt_text(messages)
        pieces = self.timing.pieces(answer.text)
        record = ChatRecord(
            arrival=exchange.request.received,
            prompt_tokens=estimate_tokens(prompt),
            answer_tokens=len(pieces),
            findings=answer.text.count('"evidence"'),
            free=free,
        )
        self._changed(lambda: self._records.append(record))
        try:
            await self._answer_by_rule(exchange, record, prompt, pieces, answer, streamed, out)
        except ClientGone:
            self._changed(lambda: setattr(record, "disconnected", True))
            raise

    async def _answer_by_rule(
        self,
        exchange: Exchange,
        record: ChatRecord,
        prompt: str,
        pieces: list[str],
        answer: Answer,
        streamed: bool,
        out: ChatFormat,
    ) -> None:
        rule = answer.rule
        if rule.hold:
            await self._hold(exchange)
        await exchange.pause(rule.delay)
        if rule.status != 200:
            await exchange.reply(out.failure(rule.status, rule.error, rule.retry_after))
            return
        out.accepted()
        if not streamed and rule.drop_mid_stream:
            await exchange.drop()
        elif not streamed and rule.error_mid_stream:
            await exchange.reply(out.failure(500, rule.error or out.mid_stream_error, None))
        else:
            slot = await self._slots.acquire(exchange.wait)
            try:
                await self._generate(exchange, record, slot, prompt, pieces, answer, streamed, out)
            finally:
                self._slots.release(slot)
                self._changed(lambda: None)

    async def _generate(
        self,
        exchange: Exchange,
        record: ChatRecord,
        slot: Slot,
        prompt: str,
        pieces: list[str],
        answer: Answer,
        streamed: bool,
        out: ChatFormat,
    ) -> None:
        evaluated = evaluated_tokens(slot.last_prompt, prompt)

        def granted() -> None:
            record.slot, record.started = slot.index, time.monotonic()
            record.evaluated_tokens = evaluated

        self._changed(granted)
        generating = record.started + self.timing.prompt_seconds(record.evaluated_tokens)
        await exchange.pause_until(generating)
        slot.last_prompt = prompt
        if streamed:
            await self._stream(exchange, record, generating, pieces, answer, out)
            if answer.broken:
                return
        else:
            token = self.timing.token_seconds()
            await exchange.pause_until(generating + (len(pieces) + 1) * token)
            usage = self._usage(record, generating)
            await exchange.reply(out.whole(answer.text, answer.rule.done_reason, usage))
            record.first_byte = time.monotonic()
        self._changed(lambda: self._finish(record))

    async def _stream(
        self,
        exchange: Exchange,
        record: ChatRecord,
        generating: float,
        pieces: list[str],
        answer: Answer,
        out: ChatFormat,
    ) -> None:
        """Every piece due by now goes in one write: the pace holds when a wake-up is late."""
        rule, token = answer.rule, self.timing.token_seconds()
        step = token + rule.chunk_delay
        count = len(pieces) // 2 if answer.broken else len(pieces)
        due = [generating + (i + 1) * step for i in range(count)]
        closing_at = generating + len(pieces) * step + token
        await exchange.begin_stream(out.stream_type)
        if opening := out.opening():
            await exchange.send_chunks(opening)
        sent = 0
        while True:
            now = time.monotonic() + 1e-9
            upto = bisect.bisect_right(due, now)
            frames = [out.piece(p) for p in pieces[sent:upto]]
            sent = upto
            finished = sent == count and (answer.broken or now >= closing_at)
            if finished and not answer.broken:
                frames += out.closing(rule.done_reason, self._usage(record, generating))
            if frames:
                await exchange.send_chunks(frames)
                record.first_byte = record.first_byte or time.monotonic()
                self._changed(functools.partial(setattr, record, "pieces_sent", sent))
            if finished:
                break
            await exchange.pause_until(due[sent] if sent < count else closing_at)
        if rule.drop_mid_stream:
            await exchange.drop()
            return
        if rule.error_mid_stream:
            # After streaming began the status is 200: the error is the last line.
            await exchange.send_chunks([out.stream_error(rule.error or out.mid_stream_error)])
        await exchange.end_stream()

    def _usage(self, record: ChatRecord, generating: float) -> Usage:
        now = time.monotonic()
        return Usage(
            prompt_tokens=record.prompt_tokens,
            answer_tokens=record.answer_tokens,
            prompt_seconds=generating - record.started,
            answer_seconds=now - generating,
            total_seconds=now - record.arrival,
        )

    @staticmethod
    def _finish(record: ChatRecord) -> None:
        record.last_byte = time.monotonic()
        record.completed = True
