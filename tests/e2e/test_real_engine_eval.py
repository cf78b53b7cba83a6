"""`siyada eval` against a real inference engine: llama.cpp's llama-server with Gemma 3
270M (tests/llama_server.py), over the OpenAI protocol.

The tiny base model proves the whole path (a real tokenizer, grammar-constrained
answers, real timings and token counts), never the quality of its findings: the test
asserts the report's structure and that its counts are consistent, and sets no
threshold. Skipped when the engine is not built, except in CI, where it must run.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

from tests.llama_server import MODEL_ALIAS, LlamaServer, built_engine

CORPUS = Path(__file__).parents[1] / "fixtures" / "eval" / "corpus"
# Short functions (a tiny model on a busy machine answers slowly): one with a known
# problem, one clean, in two languages.
SUBSET = ("digest", "Sum")
REAL_WAIT = 600.0
RATES = ("recall", "false_positive_rate", "found", "problems", "flagged", "clean")


def subset_corpus(folder: Path) -> Path:
    shutil.copytree(CORPUS, folder)
    cases = json.loads((CORPUS / "labels.json").read_text())["cases"]
    kept = [case for case in cases if case["function"] in SUBSET]
    (folder / "labels.json").write_text(json.dumps({"cases": kept}))
    return folder


def test_eval_with_the_real_tiny_model_reports_consistent_figures(tmp_path: Path) -> None:
    corpus = subset_corpus(tmp_path / "corpus")
    with LlamaServer(built_engine(), ctx_size=2048) as server:
        done = subprocess.run(
            [
                sys.executable,
                *("-m", "siyada", "eval", "--corpus", str(corpus)),
                *("--provider", "openai", "--endpoint", server.url, "--model", MODEL_ALIAS),
                *("--format", "json"),
            ],
            capture_output=True,
            text=True,
            timeout=REAL_WAIT,
            check=False,
        )

    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["corpus"] == {"functions": 2, "problems": 1, "clean": 1}
    (entry,) = report["models"]
    assert entry["model"] == MODEL_ALIAS
    assert (entry["problems"], entry["clean"]) == (1, 1)
    assert 0 <= entry["found"] <= 1 and 0 <= entry["flagged"] <= 1
    assert entry["recall"] == entry["found"] / 1
    assert entry["false_positive_rate"] == entry["flagged"] / 1
    assert entry["cached"] == 0 and 0 <= entry["not_reviewed"] <= 2
    assert entry["findings"] >= entry["found"] + entry["flagged"]
    # Every function was asked about, so every answer was measured.
    latency = entry["latency_ms"]
    assert 0 < latency["p50"] <= latency["p95"]
    # The server counts the prompt: Siyada's system text alone is hundreds of tokens.
    assert entry["prompt_tokens_per_function"] > 300
    share = entry["anchored_share"]
    assert share is None or 0 <= share <= 1
    assert set(entry["by_language"]) == {"python", "go"}
    assert sum(entry["by_language"][lang]["problems"] for lang in ("python", "go")) == 1
    for rates in (*entry["by_category"].values(), *entry["by_language"].values()):
        assert set(rates) == set(RATES)
    print(json.dumps(entry, indent=2), file=sys.stderr)
