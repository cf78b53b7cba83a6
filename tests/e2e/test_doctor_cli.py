"""`siyada doctor` as a user runs it: a real process against the model server doubles,
with the GPU tools faked by stub executables on PATH."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from siyada.code.functions import extract_functions
from siyada.code.languages import language_for
from siyada.doctor.workspace import prompt_tokens
from siyada.review.prompt import ANSWER_BUDGET, NUM_CTX
from tests.e2e import audit_connections
from tests.e2e.conftest import MODEL
from tests.model_server import OllamaDouble
from tests.model_server.openai import PROPS_BUILD, PROPS_N_CTX, OpenAIDouble
from tests.model_server.timing import ModelSpeed

GPU_STUBS = Path(__file__).parents[1] / "fixtures" / "gpu_stubs"
SHORT = "def add(a, b):\n    return a + b\n"
MIDDLE = (
    "def scale(values, factor):\n    result = []\n    for v in values:\n"
    "        result.append(v * factor)\n    return result\n"
)
# A function whose prompt is over Siyada's context (8192 tokens less the answer's room).
LONG = "def huge():\n" + "".join(
    f"    value_{i} = compute_something({i}) + 1\n" for i in range(900)
)


def _doctor(
    *args: str, path: Path, env_path: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "siyada", "doctor", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**(env if env is not None else os.environ), "PATH": env_path},
        cwd=path,
    )


def _project(tmp_path: Path) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    (tmp_path / "small.py").write_text(SHORT + "\n\n" + MIDDLE)
    (tmp_path / "big.py").write_text(LONG)
    return tmp_path


def _median_prompt_tokens(project: Path) -> int:
    """As bench/context_tokens.py counts: the messages of each function, estimated."""
    counts = []
    for name in ("small.py", "big.py"):
        spec = language_for(None, str(project / name))
        assert spec is not None
        for unit in extract_functions(spec, (project / name).read_text()):
            counts.append(prompt_tokens(spec.id, unit, None))
    return sorted(counts)[len(counts) // 2]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_json_report_against_ollama(tmp_path: Path) -> None:
    project = _project(tmp_path / "project")
    (project / "latin1.py").write_bytes(b"def caf():\n    return '\xe9'\n")  # not UTF-8
    with OllamaDouble(models=[MODEL, "llama3.2:3b"], timing=ModelSpeed(scale=4)) as double:
        first = _doctor(
            "--format", "json", "--endpoint", double.url, ".", path=project, env_path=str(GPU_STUBS)
        )
        chats = list(double.chat_requests)
        second = _doctor(
            "--format", "json", "--endpoint", double.url, path=project, env_path=str(GPU_STUBS)
        )

    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    server = report["server"]
    assert server["reachable"] is True and server["version"] == "0.32.15"
    assert server["model"] == MODEL and server["model_installed"] is True
    assert {(m["name"], m["parameter_size"], m["quantization"]) for m in server["installed"]} == {
        (MODEL, "7B", "Q4_K_M"),
        ("llama3.2:3b", "3B", "Q4_K_M"),
    }
    assert all(m["size_bytes"] > 0 for m in server["installed"])
    assert server["loaded"] == []
    assert server["context"] == {
        "requested": NUM_CTX,
        "model_max": 32768,
        "server": None,
        "in_force": NUM_CTX,
    }

    assert report["gpus"] == [
        {
            "vendor": "nvidia",
            "name": "NVIDIA GeForce RTX 3070",
            "memory_total_bytes": 8192 * 1024**2,
            "memory_free_bytes": 7621 * 1024**2,
            "usable_bytes": 8192 * 1024**2,
            "unified": False,
        }
    ]
    assert report["gpu_tools_unknown"] == ["rocm-smi not found"]
    assert report["machine"]["cpu_cores"] >= 1 and report["machine"]["total_ram_bytes"] > 0
    advice = report["recommendation"]
    assert advice["model"] == "qwen2.5-coder:7b" and advice["quantization"] == "Q4_K_M"
    assert advice["pull_command"] == "ollama pull qwen2.5-coder:7b"

    # One timed chat, asking the review's context so it never makes Ollama reload.
    assert len(chats) == 1, chats
    (chat,) = chats
    assert chat["model"] == MODEL and chat["options"]["num_ctx"] == NUM_CTX
    speed = report["speed"]
    assert speed["measured"] is True and speed["basis"] == "server timings"
    # The double answers at 4x the published 2403 and 72.8 tokens/s.
    assert 2403 < speed["prompt_tokens_per_second"] < 4 * 2403 * 1.5
    assert 72.8 < speed["generation_tokens_per_second"] < 4 * 72.8 * 1.5

    workspace = report["workspace"]
    median = _median_prompt_tokens(project)
    assert workspace["functions"] == 3 and workspace["files"] == 2
    assert workspace["files_not_read"] == 1
    assert workspace["median_prompt_tokens"] == median
    assert workspace["median_function"]["name"] == "scale"
    assert workspace["too_long_count"] == 1
    (too_long,) = workspace["too_long"]
    assert too_long["name"] == "huge" and too_long["prompt_tokens"] + ANSWER_BUDGET > NUM_CTX
    estimate = report["review_estimate"]
    expected = (
        median / speed["prompt_tokens_per_second"] + 150 / speed["generation_tokens_per_second"]
    )
    assert estimate["prompt_tokens"] == median
    assert estimate["seconds"] == pytest.approx(expected, abs=0.02)
    assert any(
        w.startswith("1 of 3 functions are longer than the context") for w in report["warnings"]
    )

    # The timed request loaded the model with the review's context, as /api/ps shows.
    assert second.returncode == 0, second.stderr
    (loaded,) = json.loads(second.stdout)["server"]["loaded"]
    assert loaded["name"] == MODEL and loaded["context_length"] == NUM_CTX


def test_text_report_when_the_server_is_unreachable_and_no_gpu_tool(tmp_path: Path) -> None:
    project = _project(tmp_path / "project")
    empty = tmp_path / "no-tools"
    empty.mkdir()
    url = f"http://127.0.0.1:{_closed_port()}"

    result = _doctor("--endpoint", url, str(project), path=tmp_path, env_path=str(empty))

    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert f"endpoint: {url} (provider ollama)" in text
    assert "reachable: no (" in text
    assert "GPU: none found" in text
    assert "GPU unknown: nvidia-smi not found" in text and "GPU unknown: rocm-smi not found" in text
    assert "model: qwen2.5-coder:1.5b (1.5B, Q4_K_M, needs about 2.0 GB)" in text
    assert "install: ollama pull qwen2.5-coder:1.5b" in text
    assert "not measured: the model server is not reachable" in text
    assert "No GPU was found: the model runs on the CPU" in text
    assert "functions: 3 in 2 files" in text


def test_a_remote_endpoint_is_refused_without_being_contacted(tmp_path: Path) -> None:
    result = _doctor(
        "--format",
        "json",
        "--endpoint",
        "http://192.0.2.1:11434",
        path=tmp_path,
        env_path=str(GPU_STUBS),
    )

    assert result.returncode == 0, result.stderr
    server: dict[str, Any] = json.loads(result.stdout)["server"]
    assert server["reachable"] is False
    assert "refused to contact http://192.0.2.1:11434" in server["problem"]


def test_llama_server_context_and_timings(tmp_path: Path) -> None:
    project = _project(tmp_path / "project")
    with OpenAIDouble(models=["gemma-3-270m"], timing=ModelSpeed(scale=4)) as double:
        result = _doctor(
            "--format",
            "json",
            "--provider",
            "openai",
            "--endpoint",
            double.url,
            "--model",
            "gemma-3-270m",
            path=project,
            env_path=str(GPU_STUBS),
        )

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    server = report["server"]
    assert server["version"] == PROPS_BUILD and server["loaded"] is None
    assert server["context"]["server"] == PROPS_N_CTX
    assert server["context"]["in_force"] == PROPS_N_CTX
    assert report["speed"]["basis"] == "server timings"
    assert report["speed"]["prompt_tokens_per_second"] > 2403
    # Against llama-server's smaller context, the limit is its own.
    assert report["workspace"]["context_limit"] == PROPS_N_CTX


def test_another_openai_server_gives_wall_time_and_an_unknown_context(tmp_path: Path) -> None:
    project = _project(tmp_path / "project")
    with OpenAIDouble(models=["served"], owned_by="vllm", timing=ModelSpeed(scale=4)) as double:
        result = _doctor(
            "--format",
            "json",
            "--provider",
            "openai",
            "--endpoint",
            double.url,
            "--model",
            "served",
            path=project,
            env_path=str(GPU_STUBS),
        )

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["server"]["version"] is None
    assert report["server"]["context"]["in_force"] is None
    assert report["speed"]["basis"] == "wall time"
    assert report["speed"]["prompt_tokens_per_second"] is None
    assert report["workspace"]["context_limit"] == NUM_CTX


def test_bad_input_exits_2(tmp_path: Path) -> None:
    missing = _doctor(str(tmp_path / "missing"), path=tmp_path, env_path=str(GPU_STUBS))
    bad_endpoint = _doctor("--endpoint", "ftp://x", path=tmp_path, env_path=str(GPU_STUBS))

    assert missing.returncode == 2
    assert "is not a folder that can be read" in missing.stderr
    assert bad_endpoint.returncode == 2 and "--endpoint" in bad_endpoint.stderr


def test_a_capped_answer_still_measures_and_a_failed_one_says_why(tmp_path: Path) -> None:
    project = _project(tmp_path / "project")
    with OllamaDouble(models=[MODEL], timing=ModelSpeed(scale=4)) as double:
        # A model that runs on to the answer's cap (a base model does) answered at its speed.
        double.add_rule("Speed check", content="1 2 3 4 5 6 7 8", done_reason="length", times=1)
        capped = _doctor(
            "--format", "json", "--endpoint", double.url, path=project, env_path=str(GPU_STUBS)
        )
        double.add_rule("Speed check", status=500, error="model runner has unexpectedly stopped")
        failed = _doctor("--endpoint", double.url, path=project, env_path=str(GPU_STUBS))

    assert capped.returncode == 0, capped.stderr
    speed = json.loads(capped.stdout)["speed"]
    assert speed["measured"] is True and speed["answer_tokens"] > 0
    assert failed.returncode == 0, failed.stderr
    assert "not measured: the timed request failed:" in failed.stdout
    assert "model runner has unexpectedly stopped" in failed.stdout


def _with_gguf(project: Path, name: str) -> Path:
    gguf = project / "models" / name
    gguf.parent.mkdir(parents=True, exist_ok=True)
    gguf.write_bytes(b"GGUF" + bytes(60))  # the magic is what makes a GGUF file
    return gguf


def _audited_env(tmp_path: Path, models_folder: Path) -> tuple[dict[str, str], Path]:
    """An environment whose Python records every connection and name lookup
    (tests/e2e/audit_connections.py), with OLLAMA_MODELS set so the folder is known."""
    hook = tmp_path / "audit"
    hook.mkdir()
    shutil.copy(Path(audit_connections.__file__), hook / "sitecustomize.py")
    log = tmp_path / "audit.jsonl"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in (str(hook), os.environ.get("PYTHONPATH")) if p),
        audit_connections.ENV_VAR: str(log),
        "OLLAMA_MODELS": str(models_folder),
    }
    return env, log


def test_a_missing_model_with_a_gguf_in_the_workspace_means_ollama_create(tmp_path: Path) -> None:
    project = _project(tmp_path / "project")
    gguf = _with_gguf(project, "qwen2.5-coder-7b-instruct-q4_k_m.gguf")
    env, log = _audited_env(tmp_path, tmp_path / "ollama-models")
    with OllamaDouble(models=["llama3.2:3b"]) as double:
        result = _doctor(
            "--format",
            "json",
            "--endpoint",
            double.url,
            path=project,
            env_path=str(GPU_STUBS),
            env=env,
        )
        port = double.port

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["server"]["model_installed"] is False
    advice = report["bring_model"]
    assert advice["model"] == MODEL and advice["applies"] == "ollama-create"
    assert advice["why"] == f"{MODEL} is not installed on the server"
    assert advice["reason"] == f"a GGUF file of {MODEL} is in the workspace"
    assert advice["gguf"] == {"path": str(gguf), "size_bytes": 64, "source": "workspace"}
    assert advice["modelfile"] == "FROM ./qwen2.5-coder-7b-instruct-q4_k_m.gguf"
    assert advice["models_folder"] == {
        "path": str(tmp_path / "ollama-models"),
        "basis": "OLLAMA_MODELS is set",
    }
    create = next(r for r in advice["routes"] if r["id"] == "ollama-create")
    assert f"ollama create {MODEL} -f Modelfile" in create["steps"][2]
    # Deciding needed nothing but the configured server: no other connection, no lookup.
    records = audit_connections.read(log)
    contacted = {(r.get("host"), r.get("port")) for r in records if r["event"] == "socket.connect"}
    looked_up = {r["host"] for r in records if r["event"] == "socket.getaddrinfo"}
    assert any(r["event"] == "audit.started" for r in records)
    assert contacted == {("127.0.0.1", port)}, contacted
    assert looked_up <= {"127.0.0.1"}, looked_up


def test_a_missing_model_without_a_gguf_means_copying_ollamas_models_folder(
    tmp_path: Path,
) -> None:
    project = _project(tmp_path / "project")
    _with_gguf(project, "gemma-3-270m.gguf")  # another model: it must not decide
    env = {**os.environ, "OLLAMA_MODELS": str(tmp_path / "ollama-models")}
    with OllamaDouble(models=["llama3.2:3b"]) as double:
        text = _doctor("--endpoint", double.url, path=project, env_path=str(GPU_STUBS), env=env)
        given = _doctor(
            "--format",
            "json",
            "--endpoint",
            double.url,
            "--gguf",
            "models/gemma-3-270m.gguf",
            path=project,
            env_path=str(GPU_STUBS),
            env=env,
        )

    assert text.returncode == 0, text.stderr
    section = text.stdout.split("Bringing the model without internet\n", 1)[1].split("\n\n")[0]
    assert section.startswith(f"  {MODEL} is not installed on the server; ")
    assert "  applies here: ollama pull elsewhere, then copy the models folder (" in section
    assert "gemma-3-270m.gguf is there, but its name does not name" in section
    assert f"    1. on a machine with internet (any system): ollama pull {MODEL}" in section
    assert f"into {tmp_path / 'ollama-models'} on this machine (OLLAMA_MODELS is set)" in section
    assert "  ollama create from a GGUF file:" in section
    assert "with the one line FROM ./model.gguf" in section
    # Named with --gguf, the same file decides: the user says it is the model.
    assert given.returncode == 0, given.stderr
    advice = json.loads(given.stdout)["bring_model"]
    assert advice["applies"] == "ollama-create" and advice["gguf"]["source"] == "--gguf"
    assert advice["modelfile"] == "FROM ./gemma-3-270m.gguf"


def test_an_installed_model_needs_nothing_brought(tmp_path: Path) -> None:
    project = _project(tmp_path / "project")
    with OllamaDouble(models=[MODEL]) as double:
        result = _doctor(
            "--format", "json", "--endpoint", double.url, path=project, env_path=str(GPU_STUBS)
        )

    assert result.returncode == 0, result.stderr
    # The stub GPU's 8 GB recommends the configured model, which is installed.
    report = json.loads(result.stdout)
    assert report["recommendation"]["model"] == MODEL
    assert report["bring_model"] is None


def test_an_openai_server_missing_the_model_is_told_to_load_the_gguf(tmp_path: Path) -> None:
    project = _project(tmp_path / "project")
    gguf = _with_gguf(project, "weights.gguf")
    with OpenAIDouble(models=["gemma-3-270m"]) as double:
        result = _doctor(
            "--format",
            "json",
            "--provider",
            "openai",
            "--endpoint",
            double.url,
            "--model",
            "qwen2.5-coder-7b",
            "--gguf",
            str(gguf),
            path=project,
            env_path=str(GPU_STUBS),
        )
        port = double.port

    assert result.returncode == 0, result.stderr
    advice = json.loads(result.stdout)["bring_model"]
    assert advice["applies"] == "openai-gguf"
    assert [r["id"] for r in advice["routes"]] == ["openai-gguf"]
    steps = advice["routes"][0]["steps"]
    assert steps[1] == (
        f"llama.cpp: llama-server -m {gguf} --alias qwen2.5-coder-7b --host 127.0.0.1 --port {port}"
    )
    assert advice["models_folder"] is None


def test_a_gguf_that_is_not_one_is_bad_input(tmp_path: Path) -> None:
    project = _project(tmp_path / "project")

    missing = _doctor("--gguf", "absent.gguf", path=project, env_path=str(GPU_STUBS))
    not_gguf = _doctor("--gguf", "small.py", path=project, env_path=str(GPU_STUBS))

    assert missing.returncode == 2 and "--gguf absent.gguf: no such file" in missing.stderr
    assert not_gguf.returncode == 2
    assert "--gguf small.py: not a GGUF file" in not_gguf.stderr
    assert not_gguf.stdout == ""
