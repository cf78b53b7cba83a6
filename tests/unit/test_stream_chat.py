"""`stream_chat` of both model clients: a free-text answer read piece by piece from the
double over real HTTP, its end, its failures, and stopping it early."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import aclosing

import pytest

from siyada.models.chat import ChatChunk, ChatRequest
from siyada.models.errors import ModelNotFound, StreamFailure
from siyada.models.ollama import OllamaClient
from siyada.models.openai import OpenAIClient, ResponseFormats
from siyada.review.connection import ModelClient
from tests.model_server import ModelServer, OllamaDouble, OpenAIDouble, echo_question

MODEL = "qwen2.5-coder:7b"
ANSWER = "Use a `with` block, so the file is closed:\n\n```python\nwith open(p) as f:\n```\n"


@pytest.fixture(params=["ollama", "openai"])
def double(request: pytest.FixtureRequest) -> Iterator[ModelServer]:
    server: ModelServer = (
        OllamaDouble(models=[MODEL], free_answer=echo_question)
        if request.param == "ollama"
        else OpenAIDouble([MODEL], free_answer=echo_question)
    )
    with server:
        yield server


@pytest.fixture
async def client(double: ModelServer) -> AsyncIterator[ModelClient]:
    opened: ModelClient
    if isinstance(double, OpenAIDouble):
        opened = OpenAIClient(
            double.url, request_timeout=5, connect_timeout=1, formats=ResponseFormats()
        )
    else:
        opened = OllamaClient(double.url, request_timeout=5, connect_timeout=1)
    async with opened:
        yield opened


def question(text: str = "Why?", model: str = MODEL) -> ChatRequest:
    messages = [
        {"role": "system", "content": "You answer questions about code."},
        {"role": "user", "content": text},
    ]
    return ChatRequest(model=model, messages=messages, options={"num_ctx": 8192})


async def chunks_of(client: ModelClient, request: ChatRequest) -> list[ChatChunk]:
    async with aclosing(client.stream_chat(request)) as chunks:
        return [chunk async for chunk in chunks]


async def test_the_answer_arrives_in_pieces_then_its_end(
    client: ModelClient, double: ModelServer
) -> None:
    double.add_rule("Why?", content=ANSWER, free=True)

    chunks = await chunks_of(client, question())

    assert len(chunks) > 3  # the double streams a few characters at a time
    assert "".join(chunk.content for chunk in chunks) == ANSWER
    assert [chunk.done_reason for chunk in chunks[:-1]] == [None] * (len(chunks) - 1)
    assert chunks[-1].done_reason == "stop"
    (body,) = double.chat_requests
    assert body["stream"] is True
    assert "format" not in body and "response_format" not in body  # free text, no schema
    (record,) = double.chats()
    assert record.free and record.completed and not record.disconnected


async def test_an_answer_cut_at_the_length_limit_says_so(
    client: ModelClient, double: ModelServer
) -> None:
    double.add_rule("Why?", content="A long answ", done_reason="length", free=True)

    chunks = await chunks_of(client, question())

    assert "".join(chunk.content for chunk in chunks) == "A long answ"
    assert chunks[-1].done_reason == "length"


async def test_a_chat_no_rule_matches_gets_a_free_text_answer(
    client: ModelClient, double: ModelServer
) -> None:
    double.add_rule("", content={"findings": []}, free=False)  # reviews only

    chunks = await chunks_of(client, question("Is this slow?"))

    text = "".join(chunk.content for chunk in chunks)
    assert text.startswith("You asked: Is this slow?")


@pytest.mark.parametrize("failure", ["error_mid_stream", "drop_mid_stream"])
async def test_a_stream_that_breaks_raises_after_the_pieces_it_gave(
    client: ModelClient, double: ModelServer, failure: str
) -> None:
    double.add_rule("Why?", content=ANSWER, free=True, **{failure: True})
    received: list[str] = []

    with pytest.raises(StreamFailure):
        async with aclosing(client.stream_chat(question())) as chunks:
            async for chunk in chunks:
                received.append(chunk.content)

    assert received and ANSWER.startswith("".join(received))


async def test_an_unknown_model_raises_before_any_piece(client: ModelClient) -> None:
    with pytest.raises(ModelNotFound):
        await chunks_of(client, question(model="absent:1b"))


async def test_closing_the_stream_early_closes_the_connection(
    client: ModelClient, double: ModelServer
) -> None:
    double.add_rule("Why?", content="word " * 2000, chunk_delay=0.01, free=True)

    async with aclosing(client.stream_chat(question())) as chunks:
        first = await anext(chunks)

    assert first.content and first.done_reason is None
    await double.wait_for_async(lambda: any(c.disconnected for c in double.chats()))
    (record,) = double.chats()
    assert not record.completed and record.pieces_sent < record.answer_tokens
    # The client still works afterwards.
    double.add_rule("Again?", content="Yes.", free=True)
    assert "".join(c.content for c in await chunks_of(client, question("Again?"))) == "Yes."


async def test_cancelling_the_reader_closes_the_connection(
    client: ModelClient, double: ModelServer
) -> None:
    double.add_rule("Why?", content="word " * 2000, chunk_delay=0.01, free=True)
    task = asyncio.create_task(chunks_of(client, question()))
    await double.wait_for_async(lambda: any(c.pieces_sent > 0 for c in double.chats()))

    task.cancel()

    with pytest.raises(asyncio.CancelledError):
        await task
    await double.wait_for_async(lambda: any(c.disconnected for c in double.chats()))
    assert double.disconnects == 1


async def test_a_long_answer_is_bounded_by_the_wait_for_each_piece_not_in_total(
    double: ModelServer,
) -> None:
    # 20 pieces 0.1 s apart: 2 s in all, each piece well within the 1 s timeout.
    double.add_rule("Why?", content="x" * 7 * 20, chunk_delay=0.1, free=True)
    slow: ModelClient
    if isinstance(double, OpenAIDouble):
        slow = OpenAIClient(double.url, request_timeout=1, formats=ResponseFormats())
    else:
        slow = OllamaClient(double.url, request_timeout=1)
    async with slow:
        chunks = await chunks_of(slow, question())

    assert "".join(chunk.content for chunk in chunks) == "x" * 140
    assert chunks[-1].done_reason == "stop"
