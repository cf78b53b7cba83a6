"""A fake model server for the tests and the benchmark: real HTTP on 127.0.0.1.

One server (`fake.ModelServer`) speaks Ollama (`OllamaDouble`) or the OpenAI-compatible
API (`OpenAIDouble`), answers chats by an answer policy (`answers`: scripted rules and a
default answer) at the pace of a timing policy (`timing`: at once for tests, or a
model's published prompt and generation speeds with a number of slots for the
benchmark), and records what it sees. Run it alone with `python -m tests.model_server`
(see __main__.py).
"""

from tests.model_server.answers import (
    MARKER,
    Rule,
    echo_question,
    last_user_content,
    marker_findings,
    no_findings,
)
from tests.model_server.fake import ModelServer
from tests.model_server.observations import ChatRecord
from tests.model_server.ollama import OllamaDouble
from tests.model_server.openai import OpenAIDouble
from tests.model_server.timing import (
    INSTANT,
    ModelSpeed,
    evaluated_tokens,
    prompt_text,
    token_pieces,
)

__all__ = [
    "INSTANT",
    "MARKER",
    "ChatRecord",
    "ModelServer",
    "ModelSpeed",
    "OllamaDouble",
    "OpenAIDouble",
    "Rule",
    "echo_question",
    "evaluated_tokens",
    "last_user_content",
    "marker_findings",
    "no_findings",
    "prompt_text",
    "token_pieces",
]
