"""OllamaClient against the Ollama double over real HTTP on 127.0.0.1."""

import asyncio
import json
import logging
import socket
from collections.abc import AsyncIterator, Iterator
from contextlib import aclosing
from typing import Any

import httpx
import pytest

from siyada.models.chat import ChatRequest, ModelInfo
from siyada.models.errors import (
    AnswerTruncated,
    BadRequest,
    EndpointUnreachable,
    ModelError,
    ModelNotFound,
    RequestTimedOut,
    ServerBusy,
    ServerFailure,
    StreamFailure,
)
from siyada.models.ollama import OllamaClient
from siyada.models.streams import ndjson
from tests.model_server import OllamaDouble

MODEL = "qwen2.5-coder:7b"
SCHEMA = {"type": "object", "required": ["findings"], "properties": {"findings": {"type": "array"}}}


@pytest.fixture
def double() -> Iterator[OllamaDouble]:
    with OllamaDouble(models=[MODEL]) as running:
        yield running


@pytest.fixture
async def client(double: OllamaDouble) -> AsyncIterator[OllamaClient]:
    async with OllamaClient(double.url, request_timeout=5, connect_timeout=1) as opened:
        yield opened


def review(code: str = "def f(): pass", model: str = MODEL, **fields: Any) -> ChatRequest:
    messages = [
        {"role": "system", "content": "You review code."},
        {"role": "user", "content": code},
    ]
    return ChatRequest(model=model, messages=messages, **fields)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


# -- simple calls ---------------------------------------------------------------------


async def test_list_models(client: OllamaClient, double: OllamaDouble) -> None:
    double.set_models([MODEL, "llama3.2:3b"])
    models = await client.list_models()
    assert [m.name for m in models] == [MODEL, "llama3.2:3b"]
    assert models[0] == ModelInfo(MODEL, models[0].size, "7B", "Q4_K_M")
    assert models[0].size > 0


async def test_show(client: OllamaClient) -> None:
    shown = await client.show(MODEL)
    assert shown["model_info"]["qwen2.context_length"] == 32768
    assert "completion" in shown["capabilities"]


async def test_show_of_a_missing_model(client: OllamaClient) -> None:
    with pytest.raises(ModelNotFound) as raised:
        await client.show("nope:1b")
    assert raised.value.model == "nope:1b"
    assert raised.value.kind == "modelMissing"


async def test_endpoint_with_a_path_prefix_that_is_not_ollama(double: OllamaDouble) -> None:
    async with OllamaClient(f"{double.url}/not-ollama/") as client:
        with pytest.raises(BadRequest, match=r"Is .* an Ollama server"):
            await client.list_models()
    assert double.requests[-1][1] == "/not-ollama/api/tags"


# -- chat -------------------------------------------------------------------------------


async def test_chat_assembles_the_streamed_content(
    client: OllamaClient, double: OllamaDouble
) -> None:
    answer = {"findings": [{"title": "Unbounded loop", "evidence": "while True:" * 5}]}
    double.add_rule("", content=answer)
    result = await client.chat(review())
    assert json.loads(result.content) == answer
    assert result.done_reason == "stop"
    assert result.eval_count > 5  # it really came in many pieces
    assert result.prompt_eval_count > 0
    assert result.total_duration_ns > 0


async def test_chat_keeps_characters_that_other_line_splitters_break_on(
    client: OllamaClient, double: OllamaDouble
) -> None:
    # Ollama's JSON leaves U+0085 and \x1c raw, escapes U+2028 and <>&.
    text = "a\x85b\x1cc\u2028d\u2029e<&>f\r\ng\ré"
    double.add_rule("", content=text)
    assert (await client.chat(review())).content == text


async def test_chat_request_body(client: OllamaClient, double: OllamaDouble) -> None:
    options = {"temperature": 0, "seed": 7, "num_ctx": 8192, "num_predict": 512}
    await client.chat(review("def g(): ...", format=SCHEMA, options=options, keep_alive="30m"))
    body = double.chat_requests[-1]
    assert body == {
        "model": MODEL,
        "messages": [
            {"role": "system", "content": "You review code."},
            {"role": "user", "content": "def g(): ..."},
        ],
        "stream": True,
        "format": SCHEMA,
        "options": options,
        "keep_alive": "30m",
        "think": False,
    }


async def test_chat_omits_unset_format_and_keep_alive(
    client: OllamaClient, double: OllamaDouble
) -> None:
    await client.chat(review(keep_alive=None))
    body = double.chat_requests[-1]
    assert "format" not in body
    assert "keep_alive" not in body
    assert body["think"] is False


async def test_missing_model(client: OllamaClient) -> None:
    with pytest.raises(ModelNotFound) as raised:
        await client.chat(review(model="nope:1b"))
    assert str(raised.value) == (
        f"Model 'nope:1b' is not available at {client.endpoint}. "
        "Pull it with `ollama pull nope:1b`."
    )


@pytest.mark.parametrize(
    ("status", "error", "expected"),
    [
        (500, "model runner has unexpectedly stopped", ServerFailure),
        (502, "bad gateway", ServerFailure),
        (503, "server busy, please try again.", ServerBusy),
        (400, "invalid options", BadRequest),
        (401, "unauthorized", BadRequest),
    ],
)
async def test_http_status_errors(
    client: OllamaClient,
    double: OllamaDouble,
    status: int,
    error: str,
    expected: type[ModelError],
) -> None:
    double.add_rule("", status=status, error=error)
    with pytest.raises(expected) as raised:
        await client.chat(review())
    assert raised.value.endpoint == client.endpoint
    assert client.endpoint in str(raised.value)
    if not isinstance(raised.value, ServerBusy):
        assert error in str(raised.value)


async def test_server_failure_carries_the_server_message(
    client: OllamaClient, double: OllamaDouble
) -> None:
    double.add_rule("", status=500, error="out of memory")
    with pytest.raises(ServerFailure) as raised:
        await client.chat(review())
    assert (raised.value.status, raised.value.server_message) == (500, "out of memory")


async def test_thinking_on_a_model_without_it_is_a_bad_request(client: OllamaClient) -> None:
    with pytest.raises(BadRequest, match="does not support thinking"):
        await client.chat(review(think=True))


async def test_connection_refused() -> None:
    async with OllamaClient(f"http://127.0.0.1:{closed_port()}") as client:
        with pytest.raises(EndpointUnreachable) as raised:
            await client.list_models()
    assert str(raised.value) == (
        f"Ollama is not reachable at {client.endpoint}. Start it with `ollama serve` "
        "(install from ollama.com) or set siyada.endpoint."
    )
    assert raised.value.kind == "unreachable"


async def test_ollama_going_down_and_coming_back(
    client: OllamaClient, double: OllamaDouble
) -> None:
    await client.chat(review())  # leaves a pooled keep-alive connection behind
    double.stop()
    with pytest.raises(EndpointUnreachable):
        await client.chat(review())
    double.start()
    assert (await client.chat(review())).done_reason == "stop"


async def test_error_line_mid_stream(client: OllamaClient, double: OllamaDouble) -> None:
    double.add_rule("", content="x" * 100, error_mid_stream=True, error="runner crashed")
    with pytest.raises(StreamFailure, match="runner crashed"):
        await client.chat(review())


async def test_connection_dropped_mid_stream(client: OllamaClient, double: OllamaDouble) -> None:
    double.add_rule("", content="x" * 100, drop_mid_stream=True)
    with pytest.raises(StreamFailure, match="connection dropped"):
        await client.chat(review())


async def test_invalid_or_unfinished_ndjson_is_a_stream_failure() -> None:
    async def objects(body: bytes) -> list[dict[str, Any]]:
        lines = ndjson(httpx.Response(200, content=body), "http://127.0.0.1:11434")
        return [line async for line in lines]

    assert await objects(b'{"a": 1}\n\n{"b": 2}') == [{"a": 1}, {"b": 2}]
    with pytest.raises(StreamFailure, match="not valid JSON"):
        await objects(b'{"a": 1}\n{"message": {"cont')
    with pytest.raises(StreamFailure, match="not a JSON object"):
        await objects(b"[1, 2]\n")


async def test_truncated_answer(client: OllamaClient, double: OllamaDouble) -> None:
    double.add_rule("", content='{"findings": [{"title": "cut', done_reason="length")
    with pytest.raises(AnswerTruncated) as raised:
        await client.chat(review())
    assert raised.value.partial == '{"findings": [{"title": "cut'
    assert raised.value.model == MODEL


async def test_rules_match_the_last_user_message(
    client: OllamaClient, double: OllamaDouble
) -> None:
    double.add_rule("def slow", content="slow answer", times=1)
    double.add_rule("", content="any answer")
    assert (await client.chat(review("def slow(): ..."))).content == "slow answer"
    assert (await client.chat(review("def slow(): ..."))).content == "any answer"


# -- time limits and cancellation -------------------------------------------------------


async def test_slow_stream_beyond_the_total_timeout(double: OllamaDouble) -> None:
    # Every line arrives well within the read timeout; only the total bound can stop it.
    double.add_rule("", content="x" * 700, chunk_delay=0.02)
    async with OllamaClient(double.url, request_timeout=0.4) as client:
        with pytest.raises(RequestTimedOut, match=r"within 0\.4 s"):
            await client.chat(review())
    await double.wait_for_async(lambda: double.disconnects == 1)


async def test_no_answer_beyond_the_read_timeout(double: OllamaDouble) -> None:
    double.add_rule("", delay=5)
    async with OllamaClient(double.url, request_timeout=0.3) as client:
        with pytest.raises(RequestTimedOut):
            await client.chat(review())
    await double.wait_for_async(lambda: double.disconnects == 1)


async def test_cancelling_a_queued_chat_closes_the_connection(
    client: OllamaClient, double: OllamaDouble
) -> None:
    double.add_rule("", hold=True, times=1)
    task = asyncio.create_task(client.chat(review()))
    await double.wait_for_async(lambda: double.held == 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await double.wait_for_async(lambda: double.disconnects == 1 and double.held == 0)
    assert (await client.chat(review())).done_reason == "stop"  # the client still works


async def test_cancelling_mid_stream_closes_the_connection(
    client: OllamaClient, double: OllamaDouble
) -> None:
    double.add_rule("", content="x" * 7000, chunk_delay=0.01)
    task = asyncio.create_task(client.chat(review()))
    await double.wait_for_async(lambda: len(double.chat_requests) == 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await double.wait_for_async(lambda: double.disconnects == 1)


# -- load and pull --------------------------------------------------------------------------


async def test_load(client: OllamaClient, double: OllamaDouble) -> None:
    await client.load(MODEL, "30m")
    assert double.requests[-1] == (
        "POST",
        "/api/chat",
        {"model": MODEL, "messages": [], "keep_alive": "30m", "stream": False},
    )
    assert double.chat_requests == []  # a load is not a review


async def test_load_of_a_missing_model(client: OllamaClient) -> None:
    with pytest.raises(ModelNotFound):
        await client.load("nope:1b", -1)


async def test_pull_progress(client: OllamaClient, double: OllamaDouble) -> None:
    progress = [p async for p in client.pull("llama3.2:3b")]
    assert progress[0].status == "pulling manifest"
    assert progress[-1].status == "success"
    layers = [p for p in progress if p.digest]
    assert layers[0].completed == 0  # Ollama omits it while it is 0
    assert all(p.total and p.completed is not None for p in layers)
    assert layers[-1].completed == layers[-1].total
    assert "llama3.2:3b" in [m.name for m in await client.list_models()]


async def test_pull_of_an_unknown_model(client: OllamaClient) -> None:
    with pytest.raises(StreamFailure, match="file does not exist"):
        async for _ in client.pull("no-such-model:1b"):
            pass


async def test_stopping_a_pull_early_closes_the_request(
    client: OllamaClient, double: OllamaDouble
) -> None:
    double.pull_line_delay = 0.05
    async with aclosing(client.pull("llama3.2:3b")) as progress:
        async for step in progress:
            assert step.status == "pulling manifest"
            break
    await double.wait_for_async(lambda: double.disconnects == 1)


# -- privacy --------------------------------------------------------------------------------


async def test_environment_proxies_are_ignored(
    double: OllamaDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{closed_port()}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    double.set_models([MODEL])
    async with OllamaClient(double.url) as client:
        assert [m.name for m in await client.list_models()] == [MODEL]


async def test_source_code_is_never_logged(
    client: OllamaClient, double: OllamaDouble, caplog: pytest.LogCaptureFixture
) -> None:
    double.add_rule("", content="SECRET-ANSWER")
    caplog.set_level(logging.DEBUG)
    await client.chat(review("password = 'SECRET-CODE'"))
    assert caplog.records  # something was logged...
    assert "SECRET" not in caplog.text  # ...but neither the code nor the answer
