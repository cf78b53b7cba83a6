"""The doctor's readers of machine facts and its speed arithmetic, without a server."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from siyada.doctor.gpus import apple_gpu, parse_nvidia_smi, parse_rocm_smi, survey_gpus
from siyada.doctor.machine import parse_meminfo, read_machine
from siyada.doctor.model_server import ContextLength
from siyada.doctor.speed import (
    TYPICAL_ANSWER_TOKENS,
    Speed,
    Unmeasured,
    seconds_per_review,
    speed_of,
)
from siyada.doctor.tools import run_tool
from siyada.models.chat import ChatResult
from siyada.review.limits import fits_context
from siyada.review.prompt import ANSWER_BUDGET, NUM_CTX

MIB = 1024**2


def test_meminfo_gives_total_and_available() -> None:
    text = "MemTotal:       16303428 kB\nMemFree:  1000 kB\nMemAvailable:   12000000 kB\n"

    assert parse_meminfo(text) == (16303428 * 1024, 12000000 * 1024)
    assert parse_meminfo("MemTotal: 2048 kB\nMemFree: 1024 kB\n") == (2048 * 1024, 1024 * 1024)
    assert parse_meminfo("garbage") == (None, None)


async def test_this_machine_has_cores_and_memory() -> None:
    machine = await read_machine()

    assert machine.cpu_cores is not None and machine.cpu_cores >= 1
    assert machine.total_ram is not None and machine.total_ram > 0


def test_nvidia_smi_csv() -> None:
    (gpu, second) = parse_nvidia_smi(
        "NVIDIA GeForce RTX 3070, 8192, 7800\nNVIDIA A100-SXM4-40GB, 40960, 40000\n"
    )

    assert (gpu.vendor, gpu.name) == ("nvidia", "NVIDIA GeForce RTX 3070")
    assert (gpu.memory_total, gpu.memory_free) == (8192 * MIB, 7800 * MIB)
    assert second.memory_total == 40960 * MIB
    assert parse_nvidia_smi("No devices were found\n") == []


def test_rocm_smi_json() -> None:
    text = json.dumps(
        {
            "card0": {
                "VRAM Total Memory (B)": "17163091968",
                "VRAM Total Used Memory (B)": "163091968",
            }
        }
    )

    (gpu,) = parse_rocm_smi(text)

    assert (gpu.vendor, gpu.name) == ("amd", "AMD GPU (card0)")
    assert (gpu.memory_total, gpu.memory_free) == (17163091968, 17000000000)
    assert parse_rocm_smi("not json") == []


def test_apple_silicon_and_intel_macs() -> None:
    gpu = apple_gpu("1\n", "Apple M2 Pro\n", "17179869184\n")

    assert gpu is not None and gpu.unified and gpu.memory_total == 17179869184
    assert gpu.name == "Apple M2 Pro (unified memory)"
    assert apple_gpu("0\n", "Intel(R) Core(TM) i7", "17179869184") is None


def _stub(folder: Path, name: str, script: str) -> None:
    path = folder / name
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


async def test_gpu_tools_missing_failing_or_answering(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _stub(tmp_path, "nvidia-smi", "echo 'NVIDIA RTX 4090, 24564, 24000'")
    _stub(tmp_path, "rocm-smi", "echo 'driver not loaded' >&2; exit 3")
    monkeypatch.setenv("PATH", str(tmp_path))

    survey = await survey_gpus(platform="linux")

    (gpu,) = survey.gpus
    assert gpu.name == "NVIDIA RTX 4090" and gpu.memory_total == 24564 * MIB
    assert survey.unknown == ("rocm-smi failed (exit 3): driver not loaded",)


async def test_no_gpu_tools_is_unknown_not_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))

    survey = await survey_gpus(platform="linux")

    assert survey.gpus == ()
    assert survey.unknown == ("nvidia-smi not found", "rocm-smi not found")


async def test_a_hanging_tool_is_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _stub(tmp_path, "slow-tool", "sleep 30")
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}/usr/bin{os.pathsep}/bin")

    result = await run_tool(["slow-tool"], time_limit=0.5)

    assert result.output is None and result.problem == "slow-tool did not answer within 0.5 s"


def _result(**counts: int) -> ChatResult:
    base = {
        "prompt_eval_count": 0,
        "eval_count": 0,
        "total_duration_ns": 0,
        "prompt_eval_duration_ns": 0,
        "eval_duration_ns": 0,
    } | counts
    return ChatResult(content="1 2 3", done_reason="stop", **base)


def test_speed_from_the_servers_timings() -> None:
    speed = speed_of(
        _result(
            prompt_eval_count=400,
            prompt_eval_duration_ns=200_000_000,
            eval_count=40,
            eval_duration_ns=1_000_000_000,
        ),
        wall_seconds=1.5,
    )

    assert isinstance(speed, Speed)
    assert speed.prompt_tps == pytest.approx(2000.0)
    assert speed.generation_tps == pytest.approx(40.0)
    assert speed.basis == "server timings"
    # 800 prompt tokens at 2000/s, then the typical answer at 40/s.
    expected = 0.4 + TYPICAL_ANSWER_TOKENS / 40
    assert seconds_per_review(speed, 800) == pytest.approx(expected)


def test_speed_from_wall_time_when_the_server_has_no_timings() -> None:
    speed = speed_of(_result(prompt_eval_count=100, eval_count=30), wall_seconds=2.0)

    assert isinstance(speed, Speed)
    assert speed.prompt_tps is None
    assert speed.generation_tps == pytest.approx(15.0)
    assert speed.basis == "wall time"
    assert seconds_per_review(speed, 800) == pytest.approx(TYPICAL_ANSWER_TOKENS / 15)


def test_no_counted_answer_is_unmeasured() -> None:
    speed = speed_of(_result(prompt_eval_count=10), wall_seconds=1.0)

    assert isinstance(speed, Unmeasured)
    assert speed.reason == "the server did not count the answer's tokens"


def test_context_in_force() -> None:
    assert ContextLength(NUM_CTX, 32768, None).in_force == NUM_CTX
    assert ContextLength(NUM_CTX, 4096, 2048).in_force == 4096  # Ollama caps at the model's
    assert ContextLength(None, None, 4096).in_force == 4096  # llama-server's n_ctx
    assert ContextLength(None, None, None).in_force is None


def test_fits_context_keeps_room_for_the_answer() -> None:
    assert fits_context(NUM_CTX - ANSWER_BUDGET)
    assert not fits_context(NUM_CTX - ANSWER_BUDGET + 1)
    assert fits_context(1000, 4096) and not fits_context(4000, 4096)
