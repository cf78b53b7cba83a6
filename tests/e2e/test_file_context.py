"""The `context` setting end to end: with "file" each request carries the function's
context from the same file, and exactly the functions whose context changed are asked
about again; with "function" the requests are those of before."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types
from pytest_lsp import LanguageClient

from siyada.code.functions import extract_functions
from siyada.code.languages import language_for
from siyada.review.prompt import SYSTEM_PROMPT, SYSTEM_PROMPT_WITH_CONTEXT, build_messages
from tests.e2e.conftest import (
    MODEL,
    change_document,
    finding,
    initialize,
    open_document,
    status_field,
    wait_for_diagnostics,
    wait_for_idle,
    wait_until,
)
from tests.e2e.test_eval_cli import evaluate, figures, script_perfect
from tests.model_server import OllamaDouble

SOURCE = """import json
import os


class Store:
    table = "orders"

    def __init__(self, db):
        self.db = db

    def find(self, key):
        return json.dumps(helper(key))

    def size(self):
        return len(self.db)


def helper(key):
    return key.upper()


def listing(root):
    return os.listdir(root)


def exists(path):
    return os.path.exists(path)


def unrelated(n):
    return n * 2
"""
FUNCTIONS = 7
HEADER = "Review this python function: "


def reviewed(request: dict[str, Any]) -> str:
    """The name of the function a chat request asks about."""
    user = request["messages"][-1]["content"]
    assert user.startswith(HEADER)
    return str(user[len(HEADER) :].split("\n", 1)[0])


def request_for(double: OllamaDouble, name: str) -> dict[str, Any]:
    """The newest request about `name`."""
    return [r for r in double.chat_requests if reviewed(r) == name][-1]


async def opened(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path, context: str = "file"
) -> str:
    await initialize(client, endpoint=double.url, context=context)
    uri = open_document(client, tmp_path / "store.py", SOURCE)
    await double.wait_for_async(lambda: len(double.chat_requests) == FUNCTIONS)
    await wait_for_idle(client)
    return uri


async def rereviewed_after(
    client: LanguageClient, double: OllamaDouble, uri: str, change: Callable[[str], str]
) -> set[str]:
    """The functions asked about again after the document changes by `change`, once
    the reviews that change started have all finished."""
    before = len(double.chat_requests)
    statuses: list[Any] = client.statuses  # type: ignore[attr-defined]
    since = len(statuses)
    change_document(client, uri, 2, change(SOURCE))

    def settled() -> bool:
        new = statuses[since:]
        started = any(status_field(s, "pending") > 0 for s in new)
        return started and status_field(statuses[-1], "pending") == 0

    await wait_until(client, "siyada/status", settled)
    names = [reviewed(r) for r in double.chat_requests[before:]]
    assert len(names) == len(set(names)), f"a function was asked about twice: {names}"
    return set(names)


async def test_file_context_request_carries_the_used_import_and_callee_signature(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    await opened(client, double, tmp_path)

    find = request_for(double, "Store.find")["messages"]
    assert find[0] == {"role": "system", "content": SYSTEM_PROMPT_WITH_CONTEXT}
    user = find[1]["content"]
    code, context = user.split("Context from the same file, for reference only", 1)
    assert "return json.dumps(helper(key))" in code
    assert "import json" in context
    assert "def helper(key):" in context
    assert 'class Store:\n    table = "orders"' in context
    assert "import os" not in context  # imported, but not used by find
    assert "key.upper()" not in context  # a callee's body is not context
    assert "self.db = db" in request_for(double, "Store.size")["messages"][1]["content"]


async def test_editing_an_unrelated_function_rereviews_nothing_else(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    uri = await opened(client, double, tmp_path)

    names = await rereviewed_after(client, double, uri, lambda s: s.replace("n * 2", "n * 3"))

    assert names == {"unrelated"}


async def test_an_edit_outside_every_function_rereviews_nothing(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    uri = await opened(client, double, tmp_path)

    # With an edit of `unrelated` in the same change, so the end of the reviews it
    # starts shows that the comment started none.
    names = await rereviewed_after(
        client,
        double,
        uri,
        lambda s: s.replace("import os\n", "import os\n\n# orders and paths\n").replace(
            "n * 2", "n * 3"
        ),
    )

    assert names == {"unrelated"}


async def test_editing_a_callee_body_rereviews_only_the_callee(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    uri = await opened(client, double, tmp_path)

    names = await rereviewed_after(
        client, double, uri, lambda s: s.replace("key.upper()", "key.lower()")
    )

    assert names == {"helper"}


async def test_changing_a_used_import_rereviews_exactly_its_users(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    uri = await opened(client, double, tmp_path)

    names = await rereviewed_after(
        client, double, uri, lambda s: s.replace("import os\n", "import os, sys\n")
    )

    assert names == {"listing", "exists"}
    assert "import os, sys" in request_for(double, "exists")["messages"][1]["content"]


async def test_changing_a_callee_signature_rereviews_its_callers(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    uri = await opened(client, double, tmp_path)

    names = await rereviewed_after(
        client, double, uri, lambda s: s.replace("def helper(key):", "def helper(key, strict):")
    )

    assert names == {"helper", "Store.find"}
    assert "def helper(key, strict):" in request_for(double, "Store.find")["messages"][1]["content"]


async def test_changing_a_class_field_rereviews_its_methods(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    uri = await opened(client, double, tmp_path)

    names = await rereviewed_after(client, double, uri, lambda s: s.replace('"orders"', '"items"'))

    assert names == {"Store.__init__", "Store.find", "Store.size"}


async def test_a_context_seen_before_shows_its_cached_answer_without_a_request(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    # Only a request with the original import in its context gets the finding.
    double.add_rule(
        "import os\n```",
        content={"findings": [finding("    return os.listdir(root)", title="Lists everything")]},
    )
    uri = await opened(client, double, tmp_path)
    await wait_for_diagnostics(client, uri, lambda d: _titles(d) == ["Lists everything"])

    names = await rereviewed_after(
        client, double, uri, lambda s: s.replace("import os\n", "import os, sys\n")
    )
    assert names == {"listing", "exists"}
    await wait_for_diagnostics(client, uri, lambda d: _titles(d) == [])
    asked = len(double.chat_requests)

    change_document(client, uri, 3, SOURCE)  # back: their answers are in the cache
    await wait_for_diagnostics(client, uri, lambda d: _titles(d) == ["Lists everything"])
    status = await client.workspace_execute_command_async(
        types.ExecuteCommandParams(command="siyada.status", arguments=[])
    )
    assert status_field(status, "pending") == 0
    assert len(double.chat_requests) == asked


def _titles(diagnostics: Sequence[types.Diagnostic]) -> list[str]:
    return [d.message.split(" \u2014 ", 1)[0] for d in diagnostics]


async def test_function_context_prompts_are_those_of_before(
    client: LanguageClient, double: OllamaDouble, tmp_path: Path
) -> None:
    uri = await opened(client, double, tmp_path, context="function")

    units = {u.name: u for u in extract_functions(language_for("python"), SOURCE)}
    for request in double.chat_requests:
        name = reviewed(request)
        expected = build_messages(language="python", function_name=name, code=units[name].text)
        assert request["messages"] == expected
        assert request["messages"][0]["content"] == SYSTEM_PROMPT
    # Without context an import is nobody's: only the edited function is asked again.
    names = await rereviewed_after(
        client,
        double,
        uri,
        lambda s: s.replace("import os\n", "import os, sys\n").replace("n * 2", "n * 3"),
    )
    assert names == {"unrelated"}


def test_check_with_file_context_sends_the_context(tmp_path: Path) -> None:
    (tmp_path / "store.py").write_text(SOURCE)
    command = [sys.executable, "-m", "siyada", "check", str(tmp_path), "--context", "file"]
    with OllamaDouble(models=[MODEL]) as double:
        result = subprocess.run(
            [*command, "--endpoint", double.url],
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        requests = list(double.chat_requests)

    assert result.returncode == 0, result.stderr
    assert len(requests) == FUNCTIONS
    find = next(r for r in requests if reviewed(r) == "Store.find")["messages"]
    assert find[0]["content"] == SYSTEM_PROMPT_WITH_CONTEXT
    assert "import json" in find[1]["content"] and "def helper(key):" in find[1]["content"]


def test_check_refuses_an_unknown_context(tmp_path: Path) -> None:
    (tmp_path / "store.py").write_text(SOURCE)
    result = subprocess.run(
        [sys.executable, "-m", "siyada", "check", str(tmp_path), "--context", "project"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "--context" in result.stderr and "'project'" in result.stderr


def test_eval_compares_the_two_settings_with_answers_kept_apart() -> None:
    with OllamaDouble(models=[MODEL]) as double:
        script_perfect(double)
        alone = evaluate(double, "--context", "function")
        with_file = evaluate(double, "--context", "file")
        requests = list(double.chat_requests)
        evaluate(double, "--context", "file")
        asked_after_cached_run = len(double.chat_requests)

    # Each setting asked about every function once; the second file run was cached.
    assert len(requests) == 18 and asked_after_cached_run == 18
    assert all(r["messages"][0]["content"] == SYSTEM_PROMPT for r in requests[:9])
    assert all(r["messages"][0]["content"] == SYSTEM_PROMPT_WITH_CONTEXT for r in requests[9:])
    find = next(r for r in requests[9:] if reviewed(r) == "OrderStore.find")
    context = find["messages"][1]["content"].split("for reference only", 1)[1]
    assert "self.conn = sqlite3.connect(path)" in context
    assert "import hashlib" not in context
    # The scripted model answers the same with or without context: same figures.
    assert figures(with_file) == figures(alone)
    assert with_file["prompt_tokens_per_function"] > alone["prompt_tokens_per_function"]
