"""Issue 8, cases 1 and 2 end to end: function values are reviewed, and an edit inside a
nested function costs exactly one request."""

from __future__ import annotations

from pathlib import Path

from pytest_lsp import LanguageClient

from tests.e2e.conftest import (
    change_document,
    finding,
    initialize,
    open_document,
    status_field,
    wait_for_diagnostics,
    wait_for_idle,
    wait_for_status,
)
from tests.model_server import OllamaDouble

EXPRESS_APP = """const express = require('express');
const app = express();

app.get('/run', (req, res) => {
  const output = execSync(req.query.cmd);
  res.send(output);
});

app.listen(3000);
"""

NESTED = """def outer(a):
    x = a + 1

    def middle(b):
        y = b * 2

        def inner(c):
            return c - 1

        return inner(y)

    return middle(x)
"""


def _last_user_message(request: dict[str, object]) -> str:
    messages = request["messages"]
    assert isinstance(messages, list)
    content = messages[-1]["content"]
    assert isinstance(content, str)
    return content


async def test_case1_an_express_handler_is_reviewed(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    evidence = "  const output = execSync(req.query.cmd);"
    double.add_rule(
        "execSync(req.query.cmd)",
        content={"findings": [finding(evidence, title="Command injection", category="security")]},
    )
    await initialize(client, endpoint=double.url)
    uri = open_document(client, tmp_path / "app.js", EXPRESS_APP, language="javascript")

    diagnostics = await wait_for_diagnostics(client, uri, lambda d: len(d) == 1)
    assert diagnostics[0].message.startswith("Command injection")
    assert diagnostics[0].range.start.line == 4
    [request] = double.chat_requests
    assert "Review this javascript function: app.get('/run') handler\n" in _last_user_message(
        request
    )


async def test_case2_a_keystroke_in_a_nested_function_sends_one_request(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    await initialize(client, endpoint=double.url)
    uri = open_document(client, tmp_path / "nested.py", NESTED)
    await double.wait_for_async(lambda: len(double.chat_requests) == 3)
    await wait_for_idle(client)
    asked = {_last_user_message(r).split("\n", 1)[0] for r in double.chat_requests}
    assert asked == {
        "Review this python function: outer",
        "Review this python function: outer.middle",
        "Review this python function: outer.middle.inner",
    }

    change_document(client, uri, 2, NESTED.replace("return c - 1", "return c - 12"))
    await double.wait_for_async(lambda: len(double.chat_requests) == 4)
    await wait_for_status(client, lambda s: status_field(s, "pending") == 0, since=-1)

    assert len(double.chat_requests) == 4
    edited = _last_user_message(double.chat_requests[-1])
    assert edited.startswith("Review this python function: outer.middle.inner\n")
    assert "return c - 12" in edited
