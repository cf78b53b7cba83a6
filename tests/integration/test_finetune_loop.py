"""The whole fine-tuning loop on a real model, on the CPU: a dataset exported from a
scripted session, a LoRA fine-tune of Gemma 3 270M (loaded from its GGUF) for a few steps, the
adapter converted to GGUF by llama.cpp's converter, llama-server serving the base with
the adapter, and `siyada check` reviewing a file through it.

It needs torch (`pip install torch==2.13.0`, then `pip install -e '.[train]'`), and
llama-server, the model and the converters from scripts/llama-server-setup.sh. Without
them it is skipped, and fails when CI=true, so the loop never passes unseen.
"""

from __future__ import annotations

import importlib.util
import json
import math
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Final

import httpx
import pytest

from tests.integration.finetune_dataset import (
    KEPT_TITLES,
    LEAK_AS_CORRECTED,
    assistant_answers,
    export_from_scripted_session,
)
from tests.llama_server import MODEL_ALIAS, SETUP_SCRIPT, LlamaServer, built_engine

REPOSITORY: Final = Path(__file__).parents[2]
# Captured at import: the autouse fixture points XDG_CACHE_HOME at a fresh folder per
# test, which must not hide the engine's cache where the converters are.
_ENVIRONMENT: Final = dict(os.environ)
# Three passes over the training chats: the first pass's mean loss is compared with the
# last's, over the same chats.
PASSES: Final = 3
CHATS: Final = len(KEPT_TITLES)
STEPS: Final = PASSES * CHATS
# Loading the GGUF and 12 steps take a few minutes on 2 free cores, and several times
# that on cores shared with other work.
FINETUNE_WAIT: Final = 2400.0
REVIEW_WAIT: Final = 300.0
SMALL: Final = "def ratio(a, b):\n    return a / b\n"


def required(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI installs the training extra and runs llama-server-setup.sh)")
    pytest.skip(reason)


def converters() -> Path:
    done = subprocess.run(
        ["bash", str(SETUP_SCRIPT), "--locate-converters"],
        env=_ENVIRONMENT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if done.returncode != 0:
        required(f"llama.cpp's converters are not kept: {done.stderr.strip()}")
    return Path(done.stdout.split()[-1])


@contextmanager
def stage(name: str, timings: dict[str, float]) -> Iterator[None]:
    started = time.monotonic()
    yield
    timings[name] = round(time.monotonic() - started, 1)
    print(f"stage {name}: {timings[name]} s", flush=True)


def lora_parameters(adapter: Path) -> int:
    """How many numbers the peft adapter holds."""
    # Imported here: safetensors comes with the training extra, which may be missing.
    from safetensors import safe_open

    with safe_open(str(adapter / "adapter_model.safetensors"), framework="numpy") as tensors:
        names = tensors.keys()
        return sum(math.prod(tensors.get_slice(name).get_shape()) for name in names)


@pytest.mark.timeout(3000)
def test_finetune_convert_serve_and_review_on_a_real_model(
    tmp_path: Path, isolated_cache: Path
) -> None:
    if importlib.util.find_spec("torch") is None or importlib.util.find_spec("peft") is None:
        required("torch and the training extra are not installed")
    engine = built_engine()
    convert_dir = converters()
    timings: dict[str, float] = {}
    started = time.monotonic()

    with stage("dataset", timings):
        data = export_from_scripted_session(tmp_path, isolated_cache)
    answers = assistant_answers(data)
    titles = {name: [f["title"] for f in answer["findings"]] for name, answer in answers.items()}
    assert titles == KEPT_TITLES, titles
    corrected = answers["read_config"]["findings"][0]
    assert corrected["replacement"] == LEAK_AS_CORRECTED, corrected
    print((data / "DATA_CARD.md").read_text(), flush=True)

    out = tmp_path / "run"
    log = tmp_path / "finetune.log"
    with stage("finetune", timings), log.open("w") as written:
        done = subprocess.run(
            [
                sys.executable,
                *("-m", "train.finetune"),
                *("--data", str(data), "--base", str(engine.model), "--out", str(out)),
                *("--steps", str(STEPS), "--learning-rate", "1e-3", "--max-length", "1024"),
                *("--device", "cpu", "--converter", str(convert_dir)),
            ],
            cwd=REPOSITORY,
            stdout=written,
            stderr=subprocess.STDOUT,
            timeout=FINETUNE_WAIT,
            check=False,
        )
    output = log.read_text(errors="replace")
    print("\n".join(line for line in output.splitlines() if line.startswith(("step", "trained"))))
    assert done.returncode == 0, output[-4000:]

    losses = [step["loss"] for step in json.loads((out / "losses.json").read_text())]
    assert len(losses) == STEPS
    first, last = losses[:CHATS], losses[-CHATS:]
    assert statistics.mean(last) < 0.8 * statistics.mean(first), losses

    run = json.loads((out / "run.json").read_text())
    assert run["path"] == "cpu" and run["steps"] == STEPS
    assert run["lora"]["r"] == 8 and "gate_proj" in run["lora"]["target_modules"]
    gguf = out / "adapter.gguf"
    assert gguf.read_bytes()[:4] == b"GGUF"
    # Every LoRA weight in 16 bits, plus the header and tensor index.
    parameters = lora_parameters(out / "adapter")
    assert 2 * parameters <= gguf.stat().st_size <= 2 * parameters + 1_000_000
    assert run["adapter_gguf_bytes"] == gguf.stat().st_size

    project = tmp_path / "project"
    project.mkdir()
    (project / "ratio.py").write_text(SMALL)
    # The adapter learnt Gemma's turn format; the GGUF names no chat template, so the
    # server is told to use Gemma's.
    server = LlamaServer(engine, extra_args=("--lora", str(gguf), "--chat-template", "gemma"))
    with stage("serve", timings), server:
        loaded = httpx.get(f"http://127.0.0.1:{server.port}/lora-adapters", timeout=30).json()
        assert [Path(adapter["path"]).name for adapter in loaded] == ["adapter.gguf"], loaded
        assert loaded[0]["scale"] == 1.0, loaded
        with stage("review", timings):
            review = subprocess.run(
                [
                    sys.executable,
                    *("-m", "siyada", "check", str(project)),
                    *("--provider", "openai", "--endpoint", server.url, "--model", MODEL_ALIAS),
                    *("--format", "json"),
                ],
                capture_output=True,
                text=True,
                timeout=REVIEW_WAIT,
                check=False,
            )
    assert review.returncode in (0, 1), review.stderr
    reported = json.loads(review.stdout)
    assert isinstance(reported, list) and (review.returncode == 1) == bool(reported)
    for entry in reported:
        assert entry["path"].endswith("ratio.py") and entry["function"] == "ratio"
    assert "1 function" in review.stderr, review.stderr

    timings["whole test"] = round(time.monotonic() - started, 1)
    print(
        f"fine-tuning loop: {json.dumps(timings)}; load {run['load_seconds']} s, "
        f"{run['seconds_per_step']} s/step, losses {[round(loss, 3) for loss in losses]}, "
        f"adapter {run['adapter_bytes']} bytes (peft), {run['adapter_gguf_bytes']} bytes (GGUF)",
        flush=True,
    )
