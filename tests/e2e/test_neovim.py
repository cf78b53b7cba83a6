"""A second real editor: headless Neovim with its built-in LSP client and the config in
docs/neovim/siyada.lua, against the real server and the model double.

tests/e2e/neovim/drive.lua drives Neovim (diagnostics, the quick fix through
vim.lsp.buf.code_action, `siyada.ask` through the config's ask) and writes what it saw
as JSON; this test asserts on that. Without `nvim` it is skipped, saying so, except in
CI (`CI=true`, where scripts/e2e-setup.sh installs Debian's neovim), where it fails.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
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
QUESTION = "Is the leak real when the caller exits at once?"
ANSWER = "Yes: the handle stays open until the garbage collector closes it.\n\nUse `with`."
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


def run_neovim(nvim: str, double: OllamaDouble, work: Path) -> tuple[dict[str, Any], str]:
    """Neovim's run of the driver: the JSON it wrote, and Neovim's stdout."""
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
        "SIYADA_NVIM_QUESTION": QUESTION,
        "SIYADA_NVIM_WAIT_MS": str(int(WAIT * 1000)),
    }
    command = [nvim, "--headless", "--clean", "--cmd", LOAD_SETTINGS, "-u", str(CONFIG)]
    done = subprocess.run(
        [*command, "-c", f"luafile {DRIVER}"],
        env=env,
        cwd=work,
        capture_output=True,
        text=True,
        timeout=4 * WAIT,
    )
    assert out.exists(), f"the driver wrote nothing (exit {done.returncode}): {done.stderr}"
    results = json.loads(out.read_text(encoding="utf-8"))
    assert "error" not in results, f"{results['error']}\nNeovim's messages: {done.stderr}"
    assert done.returncode == 0, done.stderr
    return results, done.stdout


def test_neovim_shows_the_finding_applies_its_fix_and_asks_about_it(
    double: OllamaDouble, tmp_path: Path
) -> None:
    nvim = require_nvim()
    double.add_rule(QUESTION, content=ANSWER)
    double.add_rule(
        "def load", content={"findings": [finding("    f = open(path)", replacement=FIX)]}
    )

    results, stdout = run_neovim(nvim, double, tmp_path)

    assert results["filetype"] == "python"
    assert results["steps"] == ["diagnostics", "fix", "ask"]
    (diagnostic,) = results["diagnostics"]
    assert (diagnostic["lnum"], diagnostic["col"], diagnostic["end_col"]) == (1, 4, 18)
    assert TITLE in diagnostic["message"]

    fixes = [a for a in results["actions"] if a["preferred"]]
    assert [a["title"] for a in fixes] == [f"Siyada: Fix “{TITLE}”"]
    assert fixes[0]["kind"] == "quickfix"
    assert results["fixed_text"] == FIXED

    ask = results["ask"]
    assert ask["error"] is None
    assert ask["result"]["answer"] == ANSWER
    assert ask["result"]["model"] == MODEL
    assert ask["result"]["doneReason"] == "stop"
    assert ask["window"] == f"# {QUESTION}\n\n{ANSWER}"
    (chat,) = [c for c in double.chat_requests if QUESTION in json.dumps(c)]
    assert "def load" in json.dumps(chat), "the question was asked without its function"

    # Neovim keeps the server's log (its stderr) in its LSP log file, not on stdout.
    assert stdout == ""
