"""Which model fits this machine, following the guide's hardware table.

The guide: a 4-bit model of 7-8B parameters needs about 6 GB of RAM or VRAM, Phi-3 Mini
about 4 GB, Mistral 7B about 5.5 GB, and a CPU-only machine runs them, but slowly.
The names are Ollama library tags; the quantization is the one each tag pulls.
`qwen2.5-coder:14b`, for GPUs with room to spare, is sized the guide's way: its 9 GB
file, the cache of Siyada's 8192-token context (about 1.6 GB) and runtime buffers,
so 12 GB. A CPU-only machine gets a
small coder model, and a warning that reviews will be slow.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from siyada.doctor.gpus import Gpu
from siyada.doctor.machine import Machine

GB: Final = 1_000_000_000


@dataclass(frozen=True)
class Candidate:
    model: str  # an Ollama library tag
    parameters: str
    quantization: str
    needs: int  # bytes of RAM or VRAM


# Best first: the first that fits is recommended.
GPU_LADDER: Final = (
    Candidate("qwen2.5-coder:14b", "14.8B", "Q4_K_M", 12 * GB),
    Candidate("qwen2.5-coder:7b", "7.6B", "Q4_K_M", 6 * GB),
    Candidate("mistral:7b", "7.2B", "Q4_0", int(5.5 * GB)),
    Candidate("phi3:mini", "3.8B", "Q4_0", 4 * GB),
)
CPU_MODEL: Final = Candidate("qwen2.5-coder:1.5b", "1.5B", "Q4_K_M", 2 * GB)
CPU_WARNING: Final = (
    "No GPU was found: the model runs on the CPU, which takes many seconds per function "
    "(about 10 times slower than a GPU). Reviews on save work; reviews while typing will lag."
)


@dataclass(frozen=True)
class Recommendation:
    """The model to use (None when nothing can be said or nothing fits) and why."""

    candidate: Candidate | None
    # What the advice is based on, e.g. "NVIDIA GeForce RTX 3070: 8.0 GB of VRAM".
    basis: str
    warnings: tuple[str, ...] = ()

    @property
    def pull_command(self) -> str | None:
        return f"ollama pull {self.candidate.model}" if self.candidate else None


def recommend(machine: Machine, gpus: Sequence[Gpu]) -> Recommendation:
    best_gpu = max(gpus, key=lambda gpu: gpu.usable_memory or 0, default=None)
    if best_gpu is not None and best_gpu.usable_memory:
        fitting = _first_fitting(best_gpu.usable_memory)
        if fitting is not None:
            return Recommendation(fitting, _gpu_basis(best_gpu))
    return _cpu_only(machine, best_gpu)


def _first_fitting(memory: int) -> Candidate | None:
    return next((c for c in GPU_LADDER if c.needs <= memory), None)


def _cpu_only(machine: Machine, gpu: Gpu | None) -> Recommendation:
    ram = machine.total_ram
    if ram is None:
        return Recommendation(
            None,
            "the machine's memory could not be read",
            (f"A 7-8B model at 4 bits needs about 6 GB; {CPU_MODEL.model} about 2 GB.",),
        )
    basis = f"{gigabytes(ram)} of RAM, no GPU"
    warnings = [CPU_WARNING]
    if gpu is not None and gpu.usable_memory:
        basis = f"{gigabytes(ram)} of RAM; {_gpu_basis(gpu)} is too small for a 4 GB model"
        warnings = [CPU_WARNING.replace("No GPU was found", "The GPU is too small")]
    if ram < CPU_MODEL.needs:
        return Recommendation(
            None,
            basis,
            (f"{CPU_MODEL.model}, the smallest, needs about {gigabytes(CPU_MODEL.needs)}.",),
        )
    return Recommendation(CPU_MODEL, basis, tuple(warnings))


def _gpu_basis(gpu: Gpu) -> str:
    kind = "usable of unified memory" if gpu.unified else "of VRAM"
    return f"{gpu.name}: {gigabytes(gpu.usable_memory or 0)} {kind}"


def gigabytes(count: int) -> str:
    """`count` bytes in decimal gigabytes, as the guide's table speaks: "4.3 GB"."""
    return f"{count / GB:.1f} GB"
