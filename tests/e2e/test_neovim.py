"""A second real editor: headless Neovim with its built-in LSP client and the config in
docs/neovim/siyada.lua, against the real server and the model double.

tests/e2e/neovim/drive.lua drives Neovim (diagnostics, the quick fix through
vim.lsp.buf.code_action, `siyada.ask` from the finding's code action and from
:SiyadaAsk, stopping an answer with `q`) and writes what it saw as JSON; this test
asserts on that. Without `nvim` it is skipped, saying so, except in
CI (`CI=true`, where scripts/e2e-setup.sh installs Debian's neovim), where it fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import MODEL, WAIT, finding
from tests.model_server import OllamaDouble

REPOSITORY = Path(__file__).resolve().parents[2]
CONFIG = REPOSITORY / "docs" / "neovim" / "siyada.lua"
DRIVER = REPOSITORY / "tests" / "e2e" / "neovim" / "drive.lua"

SOURCE = "def load(path):\n    f = open(path)\n    return f.read()\n"
FIX = "    with open(path) as f:\n        return f.read()"
FIXED = "def load(path):\n" + FIX + "\n    return f.read()"
TITLE = "File handle is never closed"
FINDING_QUESTION = "Is the leak real when the caller exits at once?"
FINDING_ANSWER = "Yes: the handle stays open until the garbage collector closes it."
FUNCTION_QUESTION = "Can this function read a file of any size?"
FUNCTION_ANSWER = "It reads the whole file into memory.\n\nRead it in chunks for large files."
STOPPED_QUESTION = "Explain every line of this function at length."
STOPPED_ANSWER = " ".join(["This answer is long and slow, and is stopped before its end."] * 20)
# Reads the driver's settings for the config before the config runs (`--cmd` comes first).
LOAD_SETTINGS = "lua vim.g.siyada = vim.fn.json_decode(os.getenv('SIYADA_NVIM_CONFIG'))"


def require_nvim() -> str:
    found = shutil.which("nvim")
    if found:
        return found
    reason = "Neovim is not installed (nvim not on PATH; Debian: apt-get install neovim)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason}; scripts/e2e-setup.sh installs it before the tests in CI")
    pytest.skip(reason)


@dataclass(frozen=True)
class NeovimRun:
    results: dict[str, Any]  # what drive.lua wrote
    stdout: str
    lsp_log: str  # Neovim's LSP log: the server's stderr and its warnings


def run_neovim(nvim: str, double: OllamaDouble, work: Path) -> NeovimRun:
    source = work / "project" / "load.py"
    source.parent.mkdir()
    source.write_text(SOURCE, encoding="utf-8")
    out = work / "result.json"
    settings = {
        "endpoint": double.url,
        "model": MODEL,
        "provider": "ollama",
        "debounceMs": 50,
        "cacheDir": str(work / "cache"),
    }
    config = {"cmd": [sys.executable, "-m", "siyada", "lsp"], "settings": settings}
    env = {
        **os.environ,
        # Neovim's own files (its LSP log, where the server's stderr goes) stay in `work`.
        "XDG_CONFIG_HOME": str(work / "config"),
        "XDG_CACHE_HOME": str(work / "xdg-cache"),
        "XDG_STATE_HOME": str(work / "state"),
        "XDG_DATA_HOME": str(work / "data"),
        "SIYADA_NVIM_CONFIG": json.dumps(config),
        "SIYADA_NVIM_SOURCE": str(source),
        "SIYADA_NVIM_RESULT": str(out),
        "SIYADA_NVIM_FINDING_QUESTION": FINDING_QUESTION,
        "SIYADA_NVIM_FUNCTION_QUESTION": FUNCTION_QUESTION,
        "SIYADA_NVIM_STOPPED_QUESTION": STOPPED_QUESTION,
        "SIYADA_NVIM_WAIT_MS": str(int(WAIT * 1000)),
    }
    command = [nvim, "--headless", "--clean", "--cmd", LOAD_SETTINGS, "-u", str(CONFIG)]
    done = subprocess.run(
        [*command, "-c", f"luafile {DRIVER}"],
        env=env,
        cwd=work,
        capture_output=True,
        text=True,
        timeout=6 * WAIT,
    )
    logs = [*work.glob("xdg-cache/nvim/lsp.log"), *work.glob("state/nvim/lsp.log")]
    lsp_log = "".join(log.read_text(encoding="utf-8") for log in logs)
    assert out.exists(), f"the driver wrote nothing (exit {done.returncode}): {done.stderr}"
    results = json.loads(out.read_text(encoding="utf-8"))
    assert "error" not in results, (
        f"{results['error']}\nNeovim's messages: {done.stderr}\nLSP log: {lsp_log}"
    )
    assert done.returncode == 0, done.stderr
    return NeovimRun(results, done.stdout, lsp_log)


def streamed_partly(ask: dict[str, Any], answer: str) -> bool:
    """Whether the answer window showed part of `answer` before all of it."""
    header = f"# {ask['question']}\n\n"
    shown = [text.removeprefix(header) for text in ask["streamed"] if text.startswith(header)]
    return any(0 < len(text) < len(answer) and answer.startswith(text) for text in shown)


def asked(double: OllamaDouble, question: str) -> str:
    """The whole chat (as JSON) whose last user message asked `question`, once."""
    (chat,) = [
        chat
        for chat in double.chat_requests
        if question in [m for m in chat["messages"] if m["role"] == "user"][-1]["content"]
    ]
    return json.dumps(chat)


def test_neovim_shows_the_finding_applies_its_fix_and_asks_about_it(
    double: OllamaDouble, tmp_path: Path
) -> None:
    nvim = require_nvim()
    double.add_rule(FINDING_QUESTION, content=FINDING_ANSWER, chunk_delay=0.05)
    double.add_rule(FUNCTION_QUESTION, content=FUNCTION_ANSWER, chunk_delay=0.05)
    double.add_rule(STOPPED_QUESTION, content=STOPPED_ANSWER, chunk_delay=0.5)
    double.add_rule(
        "def load", content={"findings": [finding("    f = open(path)", replacement=FIX)]}
    )

    run = run_neovim(nvim, double, tmp_path)
    results = run.results

    assert results["filetype"] == "python"
    assert results["steps"] == [
        "diagnostics",
        "ask about the finding",
        "fix",
        "ask about the function",
        "stop an answer",
    ]
    # (a) The finding is a diagnostic where its evidence stands.
    (diagnostic,) = results["diagnostics"]
    assert (diagnostic["lnum"], diagnostic["col"], diagnostic["end_col"]) == (1, 4, 18)
    assert TITLE in diagnostic["message"]

    # (b) vim.lsp.buf.code_action offers one preferred fix, and it rewrites the lines.
    fixes = [a for a in results["fix_actions"] if a["preferred"]]
    assert [a["title"] for a in fixes] == [f"Siyada: Fix “{TITLE}”"]
    assert fixes[0]["kind"] == "quickfix"
    assert results["fixed_text"] == FIXED

    # (c) siyada.ask answers, streaming: from the finding's code action, and :SiyadaAsk.
    about_finding, about_function, stopped = results["asks"]
    for ask, question, answer in (
        (about_finding, FINDING_QUESTION, FINDING_ANSWER),
        (about_function, FUNCTION_QUESTION, FUNCTION_ANSWER),
    ):
        assert ask["question"] == question
        assert ask["error"] is None
        assert ask["result"]["answer"] == answer
        assert ask["result"]["model"] == MODEL
        assert ask["result"]["doneReason"] == "stop"
        assert ask["window"] == f"# {question}\n\n{answer}"
        assert streamed_partly(ask, answer), ask["streamed"]
    assert about_finding["about_finding"] and not about_function["about_finding"]
    finding_chat, function_chat = (asked(double, q) for q in (FINDING_QUESTION, FUNCTION_QUESTION))
    assert TITLE in finding_chat, "the finding's question was asked without the finding"
    assert "def load" in function_chat, "the question was asked without its function"

    # `q` in the answer window closed it and stopped the answer: the server closed its
    # request to the model, and the result says it was cancelled.
    assert stopped["window"] is None
    assert stopped["error"] is None
    assert stopped["result"]["doneReason"] == "cancelled"
    assert STOPPED_ANSWER.startswith(stopped["result"]["answer"])
    assert stopped["result"]["answer"] != STOPPED_ANSWER
    double.wait_for(lambda: double.disconnects >= 1, timeout=WAIT)

    # The server's log stays in Neovim's LSP log, never on stdout; no warning or error
    # there (a workspace/configuration left unanswered would log one).
    assert run.stdout == ""
    assert "[WARN]" not in run.lsp_log and "[ERROR]" not in run.lsp_log, run.lsp_log
