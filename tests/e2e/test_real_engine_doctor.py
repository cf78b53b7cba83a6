"""`siyada doctor` against a real inference engine: llama.cpp's llama-server with Gemma 3
270M (tests/llama_server.py), over the OpenAI protocol. It proves the doctor reads what
a real server reports (its /props, its timings), not what the double was written to say.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.llama_server import MODEL_ALIAS, LlamaServer, built_engine

CTX_SIZE = 2048
SMALL = "def ratio(a, b):\n    return a / b\n"


def test_doctor_reads_llama_servers_context_build_and_speed(tmp_path: Path) -> None:
    (tmp_path / "ratio.py").write_text(SMALL)
    with LlamaServer(built_engine(), ctx_size=CTX_SIZE) as llama:
        done = subprocess.run(
            [
                sys.executable,
                *("-m", "siyada", "doctor", str(tmp_path), "--format", "json"),
                *("--provider", "openai", "--endpoint", llama.url, "--model", MODEL_ALIAS),
            ],
            capture_output=True,
            text=True,
            timeout=240,
            check=False,
        )

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    server = report["server"]
    assert server["reachable"] is True and server["model_installed"] is True
    assert server["version"]  # llama-server's build_info
    assert server["context"]["server"] == CTX_SIZE  # one slot: all of --ctx-size
    assert report["workspace"]["context_limit"] == CTX_SIZE
    speed = report["speed"]
    assert speed["measured"] is True, speed
    assert speed["basis"] == "server timings"
    assert speed["prompt_tokens_per_second"] > 0 and speed["generation_tokens_per_second"] > 0
    assert report["review_estimate"]["seconds"] > 0
