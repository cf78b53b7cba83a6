"""OpenAIClient against the OpenAI double over real HTTP on 127.0.0.1, and against the
real llama-server with Gemma 3 270M when scripts/llama-server-setup.sh has built it."""

import asyncio
import json
import logging
import socket
import ssl
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
import trustme

from siyada.models.chat import ChatRequest, ModelInfo
from siyada.models.errors import (
    AnswerTruncated,
    BadRequest,
    ContextExceeded,
    EndpointUnreachable,
    ModelError,
    ModelNotFound,
    RequestTimedOut,
    ServerBusy,
    ServerFailure,
    StreamFailure,
    Unauthorized,
)
from siyada.models.openai import OpenAIClient, ResponseFormats
from siyada.models.streams import sse_events
from siyada.models.transport import parse_retry_after
from siyada.review.anchor import anchor
from siyada.review.answer import parse_answer, validate
from siyada.review.findings import (
    FINDINGS_SCHEMA,
    MAX_EVIDENCE_CHARS,
    MAX_EXPLANATION_CHARS,
    MAX_REPLACEMENT_CHARS,
    MAX_TITLE_CHARS,
)
from siyada.review.prompt import REVIEW_OPTIONS_BASE, build_messages
from tests.llama_server import MODEL_ALIAS, Engine, LlamaServer, built_engine
from tests.model_server import OpenAIDouble

MODEL = "gemma-3-270m"
KEY = "sk-test-5f1d0c9e"
SCHEMA = {"type": "object", "required": ["findings"], "properties": {"findings": {"type": "array"}}}
OPTIONS = {"temperature": 0, "seed": 42, "num_predict": 256, "num_ctx": 8192}


@pytest.fixture
def double() -> Iterator[OpenAIDouble]:
    with OpenAIDouble(models=[MODEL, "qwen2.5-coder-7b"]) as running:
        yield running


@pytest.fixture
async def client(double: OpenAIDouble) -> AsyncIterator[OpenAIClient]:
    async with OpenAIClient(
        double.url, request_timeout=5, connect_timeout=1, formats=ResponseFormats()
    ) as opened:
        yield opened


def review(code: str = "def f(): pass", model: str = MODEL, **fields: Any) -> ChatRequest:
    messages = [
        {"role": "system", "content": "You review code. Answer with JSON."},
        {"role": "user", "content": code},
    ]
    fields.setdefault("format", SCHEMA)
    fields.setdefault("options", OPTIONS)
    return ChatRequest(model=model, messages=messages, **fields)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


# -- case 2: the protocol ---------------------------------------------------------------


async def test_case2_models_come_from_v1_models(client: OpenAIClient) -> None:
    models = await client.list_models()
    assert models == [ModelInfo(MODEL, 0, "", ""), ModelInfo("qwen2.5-coder-7b", 0, "", "")]


async def test_case2_show_gives_the_entry_or_model_missing_with_the_list(
    client: OpenAIClient,
) -> None:
    assert (await client.show(MODEL))["owned_by"] == "llamacpp"
    with pytest.raises(ModelNotFound) as raised:
        await client.show("llama3.2:3b")
    assert raised.value.available == (MODEL, "qwen2.5-coder-7b")
    assert f"It serves: {MODEL}, qwen2.5-coder-7b." in raised.value.message


async def test_case2_chat_streams_and_sends_the_openai_fields(
    client: OpenAIClient, double: OpenAIDouble
) -> None:
    double.add_rule("", content={"findings": [{"title": "x"}]})
    result = await client.chat(review(keep_alive="30m", think=False))
    assert json.loads(result.content) == {"findings": [{"title": "x"}]}
    assert result.done_reason == "stop"
    assert result.eval_count == len(result.content) // 7 + 1
    assert result.prompt_eval_count > 0
    body = double.chat_requests[-1]
    assert body["stream"] is True
    assert (body["temperature"], body["seed"], body["max_tokens"]) == (0, 42, 256)
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "findings", "schema": SCHEMA, "strict": True},
    }
    # Ollama-only fields never reach an OpenAI server (which refuses unknown fields).
    assert not {"options", "num_ctx", "keep_alive", "think", "format"} & set(body)


async def test_case2_cache_prompt_only_for_llama_cpp() -> None:
    for owner, expected in (("llamacpp", True), ("vllm", False)):
        with OpenAIDouble(models=[MODEL], owned_by=owner) as double:
            async with OpenAIClient(double.url, formats=ResponseFormats()) as client:
                await client.chat(review())
                await client.chat(review())
            assert [body.get("cache_prompt") is True for body in double.chat_requests] == [
                expected,
                expected,
            ]
            # The server is identified once per client, not before every chat.
            assert [path for _, path, _ in double.requests].count("/v1/models") == 1


async def test_case2_refused_json_schema_falls_back_to_json_object_and_is_remembered() -> None:
    formats = ResponseFormats()
    with OpenAIDouble(models=[MODEL], refuse_json_schema=True) as double:
        async with OpenAIClient(double.url, formats=formats) as client:
            first = await client.chat(review())
        # A new client of the same endpoint (as after a settings change) asks no more.
        async with OpenAIClient(double.url, formats=formats) as client:
            second = await client.chat(review())
        kinds = [body["response_format"]["type"] for body in double.chat_requests]
    assert json.loads(first.content) == json.loads(second.content) == {"findings": []}
    assert kinds == ["json_schema", "json_object", "json_object"]
    assert double.chat_requests[1]["response_format"]["schema"] == SCHEMA


async def test_case2_a_400_for_another_reason_is_not_taken_for_a_refusal(
    client: OpenAIClient, double: OpenAIDouble
) -> None:
    double.add_rule("", status=400, error="messages: invalid role", times=2)
    with pytest.raises(BadRequest) as raised:
        await client.chat(review())
    assert "messages: invalid role" in raised.value.message
    double.add_rule("", content={"findings": []})
    await client.chat(review())
    kinds = [body["response_format"]["type"] for body in double.chat_requests]
    assert kinds == ["json_schema", "json_object", "json_schema"]


async def test_case2_finish_reason_length_is_a_truncated_answer(
    client: OpenAIClient, double: OpenAIDouble
) -> None:
    double.add_rule("", content='{"findings": [{"evidence": "1000000', done_reason="length")
    with pytest.raises(AnswerTruncated) as raised:
        await client.chat(review())
    assert raised.value.partial == '{"findings": [{"evidence": "1000000'
    assert "max_tokens" in raised.value.message


async def test_case2_answer_without_schema_sends_no_response_format(
    client: OpenAIClient, double: OpenAIDouble
) -> None:
    double.add_rule("", content="plain words")
    result = await client.chat(review(format=None))
    assert result.content == "plain words"
    assert "response_format" not in double.chat_requests[-1]


async def test_case2_cancelling_closes_the_request(
    client: OpenAIClient, double: OpenAIDouble
) -> None:
    double.add_rule("", hold=True)
    task = asyncio.create_task(client.chat(review()))
    await asyncio.to_thread(double.wait_for, lambda: double.held == 1)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await asyncio.to_thread(double.wait_for, lambda: double.disconnects == 1)


# -- case 4: errors, mapped in one place --------------------------------------------------


async def test_case4_refused_connection_is_unreachable() -> None:
    url = f"http://127.0.0.1:{closed_port()}/v1"
    async with OpenAIClient(url, connect_timeout=1) as client:
        with pytest.raises(EndpointUnreachable) as raised:
            await client.chat(review())
    assert raised.value.kind == "unreachable"
    assert "ollama serve" not in raised.value.message
    assert url in raised.value.message


async def test_case4_unknown_model_is_model_missing_with_the_served_models(
    client: OpenAIClient, double: OpenAIDouble
) -> None:
    with pytest.raises(ModelNotFound) as raised:
        await client.chat(review(model="llama3.2:3b"))
    assert raised.value.kind == "modelMissing"
    assert raised.value.available == (MODEL, "qwen2.5-coder-7b")
    assert "ollama pull" not in raised.value.message


async def test_case4_a_404_from_a_wrong_base_url_is_no_model_missing(
    double: OpenAIDouble,
) -> None:
    root = double.url.removesuffix("/v1")
    async with OpenAIClient(root, formats=ResponseFormats()) as client:
        with pytest.raises(BadRequest) as raised:
            await client.chat(review())
    assert not isinstance(raised.value, ModelNotFound)
    assert "ending in /v1" in raised.value.message


async def test_case4_401_is_unauthorized_naming_the_api_key_setting() -> None:
    with OpenAIDouble(models=[MODEL], api_key=KEY) as double:
        async with OpenAIClient(double.url, api_key="wrong", api_key_env="SIYADA_KEY") as client:
            with pytest.raises(Unauthorized) as raised:
                await client.chat(review())
        async with OpenAIClient(double.url, api_key_env="SIYADA_KEY") as client:
            with pytest.raises(Unauthorized) as missing:
                await client.list_models()
    assert raised.value.kind == "unauthorized"
    assert raised.value.status == 401
    assert "SIYADA_KEY" in raised.value.message
    assert "siyada.apiKeyEnv" in raised.value.message
    assert "SIYADA_KEY" in missing.value.message


async def test_case4_403_is_unauthorized_too(client: OpenAIClient, double: OpenAIDouble) -> None:
    double.add_rule("", status=403, error="forbidden")
    with pytest.raises(Unauthorized) as raised:
        await client.chat(review())
    assert raised.value.status == 403


@pytest.mark.parametrize(
    ("status", "retry_after", "expected"), [(429, "7", 7.0), (503, None, None)]
)
async def test_case4_429_and_503_are_busy_with_the_retry_after_delay(
    client: OpenAIClient,
    double: OpenAIDouble,
    status: int,
    retry_after: str | None,
    expected: float | None,
) -> None:
    double.add_rule("", status=status, retry_after=retry_after)
    with pytest.raises(ServerBusy) as raised:
        await client.chat(review())
    assert raised.value.kind == "busy"
    assert raised.value.retry_after == expected


def test_case4_retry_after_as_seconds_or_http_date() -> None:
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("7", now) == 7.0
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", now) == 30.0
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now) == 0.0
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after("", now) is None
    assert parse_retry_after(None, now) is None


async def test_case4_5xx_is_a_server_failure(client: OpenAIClient, double: OpenAIDouble) -> None:
    double.add_rule("", status=500, error="CUDA error: out of memory")
    with pytest.raises(ServerFailure) as raised:
        await client.chat(review())
    assert raised.value.status == 500
    assert "CUDA error: out of memory" in raised.value.message
    assert "Ollama" not in raised.value.message


async def test_case4_an_error_event_in_the_stream_is_a_stream_failure(
    client: OpenAIClient, double: OpenAIDouble
) -> None:
    double.add_rule("", error_mid_stream=True, error="the KV cache is full")
    with pytest.raises(StreamFailure) as raised:
        await client.chat(review())
    assert "the KV cache is full" in raised.value.message


async def test_case4_a_dropped_connection_is_a_stream_failure(
    client: OpenAIClient, double: OpenAIDouble
) -> None:
    double.add_rule("", drop_mid_stream=True, content={"findings": ["x" * 100]})
    with pytest.raises(StreamFailure):
        await client.chat(review())


async def test_case4_a_prompt_over_the_context_is_not_retried_as_a_refusal(
    client: OpenAIClient, double: OpenAIDouble
) -> None:
    message = "the request exceeds the available context size, try increasing it"
    double.add_rule("", status=400, error=message)
    with pytest.raises(ContextExceeded) as raised:
        await client.chat(review())
    assert raised.value.kind == "contextExceeded"
    assert isinstance(raised.value, BadRequest)
    assert len(double.chat_requests) == 1


async def test_case4_no_answer_in_time_is_a_timeout(double: OpenAIDouble) -> None:
    double.add_rule("", delay=3)
    async with OpenAIClient(double.url, request_timeout=0.5) as client:
        with pytest.raises(RequestTimedOut):
            await client.chat(review())


# -- case 5: keys and transport ---------------------------------------------------------


async def test_case5_the_key_is_sent_only_as_a_bearer_header_and_never_shown(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with OpenAIDouble(models=[MODEL], api_key=KEY) as double:
        double.add_rule("", status=400, error=f"key {KEY} is not allowed to use json_schema")
        async with OpenAIClient(double.url, api_key=KEY, api_key_env="SIYADA_KEY") as client:
            with pytest.raises(BadRequest) as raised:
                await client.chat(review())
            shown = repr(client)
    assert {headers["Authorization"] for headers in double.headers} == {f"Bearer {KEY}"}
    assert all(KEY not in json.dumps(body) for _, _, body in double.requests)
    for text in (raised.value.message, shown, caplog.text):
        assert KEY not in text
    assert "[redacted]" in raised.value.message


async def test_case5_no_proxy_from_the_environment(
    double: OpenAIDouble, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{closed_port()}")
    async with OpenAIClient(double.url) as client:
        assert MODEL in [m.name for m in await client.list_models()]


@pytest.fixture
def private_ca(tmp_path: Path) -> Iterator[tuple[OpenAIDouble, Path]]:
    """A double serving HTTPS with a certificate from a private CA, and that CA's file."""
    authority = trustme.CA()
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert("127.0.0.1").configure_cert(tls)
    ca_file = tmp_path / "team-ca.pem"
    authority.cert_pem.write_to_path(str(ca_file))
    with OpenAIDouble(tls=tls) as double:
        yield double, ca_file


async def test_case5_tls_is_verified_against_the_private_ca_given(
    private_ca: tuple[OpenAIDouble, Path],
) -> None:
    double, ca_file = private_ca
    assert double.url.startswith("https://")
    async with OpenAIClient(double.url, ca_bundle=str(ca_file)) as client:
        assert MODEL in [m.name for m in await client.list_models()]


async def test_case5_tls_with_an_unknown_authority_is_refused(
    private_ca: tuple[OpenAIDouble, Path],
) -> None:
    double, _ = private_ca
    async with OpenAIClient(double.url) as client:
        with pytest.raises(ModelError):
            await client.list_models()
    assert double.chat_requests == [] and not any(p == "/v1/models" for _, p, _ in double.requests)


def test_case5_a_missing_ca_bundle_is_a_clear_error(tmp_path: Path) -> None:
    missing = tmp_path / "missing-ca.pem"
    with pytest.raises(ValueError, match=r"missing-ca\.pem"):
        OpenAIClient("https://models.example.test/v1", ca_bundle=str(missing))


# -- the real engine ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def engine() -> Engine:
    return built_engine()


@pytest.fixture(scope="module")
def llama(engine: Engine) -> Iterator[LlamaServer]:
    with LlamaServer(engine, ctx_size=4096) as server:
        yield server


def real_review(code: str, max_tokens: int = 768) -> ChatRequest:
    messages = build_messages(language="python", function_name="average", code=code)
    options = {**REVIEW_OPTIONS_BASE, "num_predict": max_tokens}
    return ChatRequest(
        model=MODEL_ALIAS, messages=messages, format=FINDINGS_SCHEMA, options=options
    )


CODE = "def average(values):\n    return sum(values) / len(values)"


async def test_real_engine_identifies_as_llama_cpp_and_lists_its_alias(llama: LlamaServer) -> None:
    async with OpenAIClient(llama.url) as client:
        models = await client.list_models()
        assert await client.is_llama_cpp()
    assert [model.name for model in models] == [MODEL_ALIAS]
    assert models[0].size > 0
    assert models[0].parameter_size.endswith("M")


async def test_case3_real_engine_answer_keeps_to_the_bounded_schema(llama: LlamaServer) -> None:
    async with OpenAIClient(llama.url, formats=ResponseFormats()) as client:
        try:
            result = await client.chat(real_review(CODE))
        except AnswerTruncated as truncated:
            pytest.fail(f"the bounded schema let the answer run to max_tokens: {truncated.partial}")
    answer = json.loads(result.content)
    items = parse_answer(result.content)
    assert set(answer) == {"findings"}
    assert len(answer["findings"]) <= 3
    for item in items:
        checked = validate(item)
        assert checked is not None, item
        for name, bound in (
            ("title", MAX_TITLE_CHARS),
            ("explanation", MAX_EXPLANATION_CHARS),
            ("evidence", MAX_EVIDENCE_CHARS),
            ("replacement", MAX_REPLACEMENT_CHARS),
        ):
            assert len(item.get(name, "")) <= bound, (name, item)
        # llama.cpp compiles minimum/maximum only for integers, not numbers: the model
        # may still say 100, and validation clamps it.
        assert 0 <= checked["confidence"] <= 1
        anchor(item["evidence"], CODE)  # must not raise on what a real model quotes


async def test_case2_real_engine_small_max_tokens_is_a_truncated_answer(
    llama: LlamaServer,
) -> None:
    async with OpenAIClient(llama.url, formats=ResponseFormats()) as client:
        with pytest.raises(AnswerTruncated) as raised:
            await client.chat(real_review(CODE, max_tokens=4))
    # The grammar admits leading whitespace, so four tokens may not reach the "{".
    assert raised.value.partial.strip() in ("", "{") or raised.value.partial.lstrip()[0] == "{"


async def test_case4_real_engine_function_over_the_context_is_context_exceeded(
    llama: LlamaServer,
) -> None:
    huge = "def average(values):\n" + "    total = values[0] + values[1]\n" * 1500
    async with OpenAIClient(llama.url, formats=ResponseFormats()) as client:
        with pytest.raises(ContextExceeded):
            await client.chat(real_review(huge))


async def test_case4_real_engine_with_an_api_key_refuses_a_wrong_one(engine: Engine) -> None:
    with LlamaServer(engine, ctx_size=1024, api_key=KEY) as server:
        async with OpenAIClient(server.url, api_key="wrong", api_key_env="SIYADA_KEY") as client:
            with pytest.raises(Unauthorized):
                await client.list_models()
        async with OpenAIClient(server.url, api_key=KEY) as client:
            assert [m.name for m in await client.list_models()] == [MODEL_ALIAS]


async def test_case4_real_engine_killed_then_restarted_recovers(engine: Engine) -> None:
    with LlamaServer(engine, ctx_size=1024) as server:
        async with OpenAIClient(server.url, connect_timeout=1) as client:
            await client.list_models()
            server.stop()
            with pytest.raises(ModelError) as raised:
                await client.list_models()
            assert isinstance(raised.value, EndpointUnreachable | StreamFailure)
            server.start()
            assert [m.name for m in await client.list_models()] == [MODEL_ALIAS]


async def test_case2_event_stream_parsing_follows_the_sse_rules() -> None:
    chunk = {"choices": [{"delta": {"content": "a\u2028b"}, "finish_reason": None}]}
    body = (
        b": keep-alive comment\r\n\r\n"
        b"event: message\r\n"
        + b"data: "
        + json.dumps(chunk, ensure_ascii=False).encode()
        + b"\r\n\r\n"
        + b'data:{"choices": []}\n\n'
        + b"data: [DONE]\n\n"
        + b'data: {"after": "done"}\n\n'
    )
    response = httpx.Response(200, content=body)
    events = [event async for event in sse_events(response, "http://127.0.0.1:1/v1")]
    assert events == [chunk, {"choices": []}]


async def test_case4_an_event_that_is_not_json_is_a_stream_failure() -> None:
    response = httpx.Response(200, content=b"data: {not json\n\n")
    with pytest.raises(StreamFailure, match="not valid JSON"):
        _ = [event async for event in sse_events(response, "http://127.0.0.1:1/v1")]
