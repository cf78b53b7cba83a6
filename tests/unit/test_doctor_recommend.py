"""The doctor's model advice, as a table of machines (the guide's hardware table)."""

from __future__ import annotations

import pytest

from siyada.doctor.gpus import Gpu
from siyada.doctor.machine import Machine
from siyada.doctor.recommend import CPU_WARNING, recommend

GIB = 1024**3
MIB = 1024**2


def _machine(ram_gib: float | None) -> Machine:
    total = int(ram_gib * GIB) if ram_gib is not None else None
    return Machine("linux", total, total, 8)


def _nvidia(vram_mib: int) -> Gpu:
    return Gpu("nvidia", "NVIDIA GeForce RTX", vram_mib * MIB, vram_mib * MIB)


def _apple(ram_gib: int) -> Gpu:
    return Gpu("apple", "Apple M2 (unified memory)", ram_gib * GIB, None, unified=True)


MACHINES = [
    # (name, machine, gpus, model, quantization, slow)
    ("CPU-only 8 GB", _machine(8), [], "qwen2.5-coder:1.5b", "Q4_K_M", True),
    ("8 GB GPU", _machine(16), [_nvidia(8192)], "qwen2.5-coder:7b", "Q4_K_M", False),
    ("24 GB GPU", _machine(64), [_nvidia(24576)], "qwen2.5-coder:14b", "Q4_K_M", False),
    ("Apple 16 GB", _machine(16), [_apple(16)], "qwen2.5-coder:7b", "Q4_K_M", False),
    ("6 GB GPU, Mistral's 5.5 GB fits", _machine(16), [_nvidia(5500)], "mistral:7b", "Q4_0", False),
    ("4 GB GPU, Phi-3 Mini", _machine(16), [_nvidia(4096)], "phi3:mini", "Q4_0", False),
    ("2 GB GPU is too small", _machine(16), [_nvidia(2048)], "qwen2.5-coder:1.5b", "Q4_K_M", True),
]


@pytest.mark.parametrize(
    ("machine", "gpus", "model", "quantization", "slow"),
    [row[1:] for row in MACHINES],
    ids=[row[0] for row in MACHINES],
)
def test_the_model_that_fits(
    machine: Machine, gpus: list[Gpu], model: str, quantization: str, slow: bool
) -> None:
    advice = recommend(machine, gpus)

    assert advice.candidate is not None
    assert advice.candidate.model == model
    assert advice.candidate.quantization == quantization
    assert advice.pull_command == f"ollama pull {model}"
    assert any("slower than a GPU" in warning for warning in advice.warnings) is slow


def test_cpu_only_names_the_ram_and_warns_about_speed() -> None:
    advice = recommend(_machine(8), [])

    assert advice.basis == "8.6 GB of RAM, no GPU"
    assert advice.warnings == (CPU_WARNING,)


def test_a_gpu_too_small_is_named_in_the_basis() -> None:
    advice = recommend(_machine(16), [_nvidia(2048)])

    assert "NVIDIA GeForce RTX: 2.1 GB of VRAM is too small" in advice.basis
    assert advice.warnings[0].startswith("The GPU is too small")


def test_unknown_machine_gets_no_model_but_the_needs() -> None:
    advice = recommend(_machine(None), [])

    assert advice.candidate is None
    assert advice.pull_command is None
    assert advice.basis == "the machine's memory could not be read"
    assert "about 6 GB" in advice.warnings[0]


def test_too_little_ram_for_any_model() -> None:
    advice = recommend(_machine(1), [])

    assert advice.candidate is None
    assert "needs about 2.0 GB" in advice.warnings[0]


def test_apple_unified_memory_counts_the_gpu_share() -> None:
    assert _apple(16).usable_memory == int(16 * GIB * 2 / 3)
    assert _apple(64).usable_memory == int(64 * GIB * 3 / 4)
    assert _nvidia(8192).usable_memory == 8192 * MIB


def test_the_largest_gpu_decides() -> None:
    advice = recommend(_machine(32), [_nvidia(4096), _nvidia(12288)])

    assert advice.candidate is not None and advice.candidate.model == "qwen2.5-coder:14b"
