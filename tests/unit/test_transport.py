"""What both model clients share: the error text of a failed response and the line
splitting of a streamed body (the clients' own tests cover the choke point over HTTP)."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator

import httpx
import pytest

from siyada.models.streams import byte_lines
from siyada.models.transport import error_text, tls_context


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (json.dumps({"error": "model 'x' not found"}), "model 'x' not found"),  # Ollama
        (json.dumps({"error": {"message": "bad schema", "code": 400}}), "bad schema"),  # OpenAI
        (json.dumps({"object": "error", "message": "too long"}), "too long"),  # vLLM
        ("  <html>Bad Gateway</html>\n", "<html>Bad Gateway</html>"),
        (json.dumps(["not", "an", "object"]), '["not", "an", "object"]'),
    ],
)
def test_error_text_reads_each_servers_error_shape(body: str, expected: str) -> None:
    assert error_text(httpx.Response(400, text=body)) == expected


def test_error_text_is_bounded() -> None:
    assert len(error_text(httpx.Response(500, text="x" * 10_000))) == 300
    long_message = json.dumps({"error": "y" * 10_000})
    assert error_text(httpx.Response(500, text=long_message)) == "y" * 300


async def test_lines_split_on_newline_only_and_keep_an_unterminated_last_line() -> None:
    body = "a\x85b\u2028c\r\n\nd\re\nlast".encode()
    stream = httpx.Response(200, stream=httpx.ByteStream(body))
    assert [line async for line in byte_lines(stream)] == [
        "a\x85b\u2028c\r".encode(),
        b"",
        b"d\re",
        b"last",
    ]


async def test_lines_across_chunk_boundaries() -> None:
    class Chunks(httpx.AsyncByteStream):
        async def __aiter__(self) -> AsyncIterator[bytes]:
            for chunk in (b'{"a"', b":1}\n{", b'"b":2}\n'):
                yield chunk

    lines = [line async for line in byte_lines(httpx.Response(200, stream=Chunks()))]
    assert lines == [b'{"a":1}', b'{"b":2}']


def test_tls_is_verified_by_default_and_a_bad_bundle_is_a_clear_error() -> None:
    assert tls_context(None) is True
    assert tls_context("") is True
    with pytest.raises(
        ValueError, match=re.escape("the CA bundle '/nonexistent/ca.pem' cannot be used")
    ):
        tls_context("/nonexistent/ca.pem")
