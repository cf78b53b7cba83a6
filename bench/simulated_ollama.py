"""A simulated Ollama server that answers at a model's published speed.

It speaks the part of the Ollama HTTP API a review client uses (/api/version,
/api/tags, /api/show, /api/chat streamed as ndjson, a chat without messages = load) on
127.0.0.1, and spends on each chat the time a real model would:

- it waits for a free slot (`slots` plays OLLAMA_NUM_PARALLEL; waiters are served in
  arrival order);
- it evaluates the prompt at `prompt_tps` tokens/s, but, like Ollama's prompt cache,
  only the part after the prefix shared with the previous prompt of that slot;
- it streams the answer at `gen_tps` tokens/s, then the final `done` line (one more
  token: the end-of-generation token).

Every chat is recorded with monotonic timestamps (arrival, slot granted, first byte,
last byte) and its token counts, so the benchmark can subtract the model's own time
from what the editor sees. The server runs its own event loop in a thread: the
benchmark's loop (the LSP client) cannot delay its answers, and both use the same
`time.monotonic` clock.

Answers are `{"findings": []}`, plus one finding for every line of the reviewed code
that contains MARKER, with that whole line as evidence, so diagnostics appear.

Run alone (for trying an editor against it):
    python bench/simulated_ollama.py --port 11434 [--speed-scale 1] [--slots 1]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import copy
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from siyada.review.prompt import estimate_tokens

HOST = "127.0.0.1"
MODEL = "qwen2.5-coder:7b"
MARKER = "BENCH_MARK"
# llama.cpp llama-bench, Llama 3 8B Q4_K_M on an RTX 3070 (see the README).
PUBLISHED_PROMPT_TPS = 2403.0
PUBLISHED_GEN_TPS = 72.8
PUBLISHED_LABEL = "Llama 3 8B Q4_K_M, RTX 3070"
CONTEXT_LENGTH = 32768


@dataclass(frozen=True)
class ModelSpeed:
    """Tokens per second of the simulated model; `scale` > 1 makes everything faster."""

    prompt_tps: float = PUBLISHED_PROMPT_TPS
    gen_tps: float = PUBLISHED_GEN_TPS
    scale: float = 1.0
    label: str = PUBLISHED_LABEL

    def prompt_seconds(self, tokens: int) -> float:
        return tokens / (self.prompt_tps * self.scale)

    def token_seconds(self) -> float:
        return 1.0 / (self.gen_tps * self.scale)

    def answer_seconds(self, evaluated_tokens: int, answer_tokens: int) -> float:
        """The model's time for one chat: prompt eval, answer, end-of-generation token."""
        return self.prompt_seconds(evaluated_tokens) + (answer_tokens + 1) * self.token_seconds()


@dataclass
class ChatRecord:
    """One /api/chat with messages, as the simulated model saw it (monotonic seconds)."""

    arrival: float
    prompt_tokens: int
    answer_tokens: int
    findings: int
    slot: int = -1
    started: float = 0.0
    evaluated_tokens: int = 0
    first_byte: float = 0.0
    last_byte: float = 0.0
    completed: bool = False

    @property
    def service_seconds(self) -> float:
        """How long the model worked on it (slot granted to last byte)."""
        return self.last_byte - self.started


@dataclass
class _Request:
    method: str
    path: str
    body: Any
    # When its first line was read: the moment the request reached the model server.
    received: float


@dataclass
class _Slot:
    index: int
    last_prompt: str = ""


# -- what the model reads and writes ------------------------------------------------------


def prompt_text(messages: Any) -> str:
    """The prompt as a chat template lays it out (ChatML, as Qwen's template does)."""
    parts = []
    for message in messages if isinstance(messages, list) else []:
        if isinstance(message, dict):
            role, content = message.get("role", ""), message.get("content", "")
            parts.append(f"<|im_start|>{role}\n{content}<|im_end|>\n")
    return "".join(parts) + "<|im_start|>assistant\n"


def evaluated_tokens(previous: str, prompt: str) -> int:
    """Tokens a prompt costs after the prefix it shares with the slot's previous prompt.

    llama.cpp re-evaluates at least one token even for an identical prompt.
    """
    return max(1, estimate_tokens(prompt[shared_prefix(previous, prompt) :]))


def shared_prefix(first: str, second: str) -> int:
    """Length of the common prefix (binary search on slices: long prompts stay cheap)."""
    low, high = 0, min(len(first), len(second))
    while low < high:
        middle = (low + high + 1) // 2
        if first[:middle] == second[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def answer_for(messages: Any) -> str:
    """No findings, except one per line of the reviewed code that carries MARKER."""
    user = ""
    for message in messages if isinstance(messages, list) else []:
        if isinstance(message, dict) and message.get("role") == "user":
            user = str(message.get("content") or "")
    findings = [
        {
            "category": "bug",
            "severity": "warning",
            "title": "Untrusted data is unpickled",
            "explanation": "pickle.loads runs code from the payload.",
            "evidence": line,
            "confidence": 0.9,
        }
        for line in user.split("\n")
        if MARKER in line
    ]
    return json.dumps({"findings": findings})


def token_pieces(text: str) -> list[str]:
    """The answer split into as many pieces as it has tokens (one streamed line each)."""
    count = max(1, estimate_tokens(text))
    size = len(text)
    return [text[size * i // count : size * (i + 1) // count] for i in range(count)]


# -- the server ---------------------------------------------------------------------------


class SimulatedOllama:
    """Use as a context manager; `url` is where it listens, `chats()` what it served."""

    def __init__(self, speed: ModelSpeed, *, slots: int = 1, port: int = 0) -> None:
        self.speed = speed
        self.slot_count = slots
        self._port = port
        self._lock = threading.Lock()
        self._chats: list[ChatRecord] = []
        self._loads = 0
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self._free: asyncio.Queue[_Slot] | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._handlers: set[asyncio.Task[None]] = set()
        # Called from the server's thread whenever a chat arrives or ends.
        self.on_change: Callable[[], None] | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self._port}"

    def start(self) -> None:
        self._thread = threading.Thread(target=asyncio.run, args=(self._serve(),), daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the simulated Ollama did not start")

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        if self._thread is not None:
            self._thread.join(10)

    def __enter__(self) -> SimulatedOllama:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def chats(self, since: float = 0.0) -> list[ChatRecord]:
        """Copies of the chats that arrived at or after `since` (monotonic seconds)."""
        with self._lock:
            return [copy.copy(c) for c in self._chats if c.arrival >= since]

    def completed(self, since: float = 0.0) -> list[ChatRecord]:
        return [c for c in self.chats(since) if c.completed]

    def answered(self, since: float = 0.0) -> tuple[int, float]:
        """How many chats since `since` are answered, and the last byte of the latest,
        without copying records (waiters ask this after every notification)."""
        with self._lock:
            done = [c.last_byte for c in self._chats if c.arrival >= since and c.completed]
        return len(done), max(done, default=0.0)

    @property
    def loads(self) -> int:
        with self._lock:
            return self._loads

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    # -- event loop of the server thread ------------------------------------------------

    async def _serve(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        self._free = asyncio.Queue()
        for index in range(self.slot_count):
            self._free.put_nowait(_Slot(index))
        server = await asyncio.start_server(self._connection, HOST, self._port)
        self._port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            await self._stop.wait()
            server.close()
            # Close the open connections and let their handlers finish, rather than
            # having asyncio.run cancel them mid-answer.
            for writer in list(self._writers):
                writer.close()
            await asyncio.gather(*self._handlers, return_exceptions=True)

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handler = asyncio.current_task()
        assert handler is not None
        self._handlers.add(handler)
        self._writers.add(writer)
        try:
            while (request := await _read_request(reader)) is not None:
                await self._dispatch(request, reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass  # the client left; a cancelled review does exactly that
        finally:
            self._writers.discard(writer)
            self._handlers.discard(handler)
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _dispatch(
        self, request: _Request, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        body = request.body if isinstance(request.body, dict) else {}
        route = (request.method, request.path)
        if route == ("GET", "/"):
            await _send(writer, 200, "Ollama is running", "text/plain; charset=utf-8")
        elif route == ("GET", "/api/version"):
            await _send_json(writer, 200, {"version": "0.32.15"})
        elif route == ("GET", "/api/tags"):
            await _send_json(writer, 200, {"models": [_tag_entry()]})
        elif route == ("POST", "/api/show"):
            await self._show(writer, body)
        elif route == ("POST", "/api/chat"):
            await self._chat(reader, writer, body, request.received)
        else:
            await _send_json(writer, 404, {"error": "404 page not found"})

    async def _show(self, writer: asyncio.StreamWriter, body: Mapping[str, Any]) -> None:
        if _full_name(str(body.get("model") or "")) != _full_name(MODEL):
            await _send_json(writer, 404, {"error": f"model '{body.get('model')}' not found"})
            return
        await _send_json(writer, 200, _show_body())

    async def _chat(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        body: Mapping[str, Any],
        received: float,
    ) -> None:
        if _full_name(str(body.get("model") or "")) != _full_name(MODEL):
            await _send_json(writer, 404, {"error": f"model '{body.get('model')}' not found"})
            return
        messages = body.get("messages") or []
        if not messages:
            with self._lock:
                self._loads += 1
            await _send_json(writer, 200, _chat_line("", done_reason="load"))
            return
        streamed = body.get("stream", True) is not False
        await self._answer(reader, writer, messages, streamed=streamed, received=received)

    async def _answer(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        messages: list[Any],
        *,
        streamed: bool,
        received: float,
    ) -> None:
        prompt, answer = prompt_text(messages), answer_for(messages)
        pieces = token_pieces(answer)
        record = ChatRecord(
            arrival=received,
            prompt_tokens=estimate_tokens(prompt),
            answer_tokens=len(pieces),
            findings=answer.count('"evidence"'),
        )
        with self._lock:
            self._chats.append(record)
        self._changed()
        assert self._free is not None
        # A closed connection cancels a queued or running generation, as in Ollama.
        gone = asyncio.ensure_future(reader.read(1))
        slot_wanted = asyncio.ensure_future(self._free.get())
        try:
            await asyncio.wait({gone, slot_wanted}, return_when=asyncio.FIRST_COMPLETED)
            if not slot_wanted.done():
                return
            slot = slot_wanted.result()
            try:
                await self._generate(record, slot, prompt, pieces, gone, writer, streamed)
            finally:
                self._free.put_nowait(slot)
                self._changed()
        finally:
            # Settle both before the connection reads its next request: a pending read
            # would collide with it.
            for waiter in (slot_wanted, gone):
                waiter.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await waiter

    async def _generate(
        self,
        record: ChatRecord,
        slot: _Slot,
        prompt: str,
        pieces: list[str],
        gone: asyncio.Future[bytes],
        writer: asyncio.StreamWriter,
        streamed: bool,
    ) -> None:
        record.slot, record.started = slot.index, time.monotonic()
        record.evaluated_tokens = evaluated_tokens(slot.last_prompt, prompt)
        generating = record.started + self.speed.prompt_seconds(record.evaluated_tokens)
        if not await _sleep_until(generating, gone):
            return
        slot.last_prompt = prompt
        step = self.speed.token_seconds()
        if streamed:
            await _begin_stream(writer)
        sent = 0
        while sent <= len(pieces):
            # Send every token due by now in one write: the answer keeps its pace even
            # when a wake-up comes late.
            elapsed = (time.monotonic() - generating) / step
            due = min(len(pieces) + 1, int(elapsed + 1e-9))
            if due > sent:
                lines = [_chat_line(p) for p in pieces[sent:due]]
                if due == len(pieces) + 1:
                    lines.append(self._final_line(record, pieces))
                if streamed:
                    await _write_chunk(writer, lines)
                    record.first_byte = record.first_byte or time.monotonic()
                sent = due
            if sent <= len(pieces) and not await _sleep_until(generating + (sent + 1) * step, gone):
                return
        if streamed:
            await _end_stream(writer)
        else:
            final = self._final_line(record, pieces) | {
                "message": {"role": "assistant", "content": "".join(pieces)}
            }
            await _send_json(writer, 200, final)
            record.first_byte = time.monotonic()
        with self._lock:  # read together by chats()
            record.last_byte = time.monotonic()
            record.completed = True

    def _final_line(self, record: ChatRecord, pieces: list[str]) -> dict[str, Any]:
        prompt_ns = int(self.speed.prompt_seconds(record.evaluated_tokens) * 1e9)
        eval_ns = int((len(pieces) + 1) * self.speed.token_seconds() * 1e9)
        return _chat_line("", done_reason="stop") | {
            "total_duration": prompt_ns + eval_ns,
            "load_duration": 0,
            "prompt_eval_count": record.prompt_tokens,
            "prompt_eval_duration": prompt_ns,
            "eval_count": len(pieces),
            "eval_duration": eval_ns,
        }


async def _sleep_until(deadline: float, gone: asyncio.Future[bytes]) -> bool:
    """Sleep until `deadline`; False when the client closed the connection meanwhile."""
    delay = deadline - time.monotonic()
    if delay > 0:
        await asyncio.wait({gone}, timeout=delay)
    return not gone.done()


# -- HTTP/1.1, just enough --------------------------------------------------------------


async def _read_request(reader: asyncio.StreamReader) -> _Request | None:
    line = await reader.readline()
    received = time.monotonic()
    if not line.strip():
        return None
    method, target, _version = line.decode("latin-1").split(" ", 2)
    headers: dict[str, str] = {}
    while (header := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = header.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length") or 0)
    raw = await reader.readexactly(length) if length else b""
    try:
        body = json.loads(raw) if raw else None
    except ValueError:
        body = None
    return _Request(method, target.split("?", 1)[0], body, received)


async def _send(writer: asyncio.StreamWriter, status: int, text: str, content_type: str) -> None:
    data = text.encode()
    head = (
        f"HTTP/1.1 {status} {_REASONS.get(status, 'OK')}\r\n"
        f"Content-Type: {content_type}\r\nContent-Length: {len(data)}\r\n\r\n"
    )
    writer.write(head.encode() + data)
    await writer.drain()


async def _send_json(writer: asyncio.StreamWriter, status: int, data: Any) -> None:
    await _send(writer, status, json.dumps(data), "application/json; charset=utf-8")


async def _begin_stream(writer: asyncio.StreamWriter) -> None:
    writer.write(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/x-ndjson\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n"
    )
    await writer.drain()


async def _write_chunk(writer: asyncio.StreamWriter, lines: list[dict[str, Any]]) -> None:
    data = "".join(json.dumps(line) + "\n" for line in lines).encode()
    writer.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
    await writer.drain()


async def _end_stream(writer: asyncio.StreamWriter) -> None:
    writer.write(b"0\r\n\r\n")
    await writer.drain()


_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found"}


# -- Ollama's bodies ------------------------------------------------------------------------


def _full_name(model: str) -> str:
    return model if ":" in model else f"{model}:latest"


def _chat_line(content: str, done_reason: str | None = None) -> dict[str, Any]:
    line: dict[str, Any] = {
        "model": MODEL,
        "created_at": "2025-01-01T00:00:00Z",
        "message": {"role": "assistant", "content": content},
        "done": done_reason is not None,
    }
    if done_reason is not None:
        line["done_reason"] = done_reason
    return line


_DETAILS = {
    "parent_model": "",
    "format": "gguf",
    "family": "qwen2",
    "families": ["qwen2"],
    "parameter_size": "7.6B",
    "quantization_level": "Q4_K_M",
}


def _tag_entry() -> dict[str, Any]:
    return {
        "name": MODEL,
        "model": MODEL,
        "modified_at": "2025-01-01T00:00:00Z",
        "size": 4_683_087_332,
        "digest": "0" * 64,
        "details": _DETAILS,
    }


def _show_body() -> dict[str, Any]:
    return {
        "modelfile": f"FROM {MODEL}\n",
        "parameters": "",
        "template": "{{ .Prompt }}",
        "details": _DETAILS,
        "model_info": {"general.architecture": "qwen2", "qwen2.context_length": CONTEXT_LENGTH},
        "capabilities": ["completion", "tools", "insert"],
        "modified_at": "2025-01-01T00:00:00Z",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve a simulated Ollama on 127.0.0.1.")
    parser.add_argument("--port", type=int, default=11434, help="0 picks a free port")
    parser.add_argument("--slots", type=int, default=1, help="like OLLAMA_NUM_PARALLEL")
    parser.add_argument("--speed-scale", type=float, default=1.0, help="10 = 10x faster")
    args = parser.parse_args()
    speed = ModelSpeed(scale=args.speed_scale)
    with SimulatedOllama(speed, slots=args.slots, port=args.port) as server:
        print(f"listening on {server.url}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


if __name__ == "__main__":
    main()
