"""GPUs and their memory, through the vendors' own tools; none is a dependency.

- NVIDIA: `nvidia-smi --query-gpu=name,memory.total,memory.free --format=csv,noheader,nounits`
  (MiB);
- AMD: `rocm-smi --showmeminfo vram --json` (bytes, per card);
- Apple silicon: the GPU shares the machine's memory (`sysctl hw.memsize`), of which
  macOS lets the GPU use about two thirds (three quarters above 36 GB).

A tool that is missing or fails is listed in `unknown` with the reason; the survey
itself never fails.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from siyada.doctor.tools import ToolResult, run_tool

MIB: Final = 1024 * 1024
NVIDIA_QUERY: Final = (
    "nvidia-smi",
    "--query-gpu=name,memory.total,memory.free",
    "--format=csv,noheader,nounits",
)
ROCM_QUERY: Final = ("rocm-smi", "--showmeminfo", "vram", "--json")
ROCM_TOTAL: Final = "VRAM Total Memory (B)"
ROCM_USED: Final = "VRAM Total Used Memory (B)"
GIB: Final = 1024**3
# macOS's default limit on the memory the GPU may wire (recommendedMaxWorkingSetSize).
APPLE_LARGE_MACHINE: Final = 36 * GIB


@dataclass(frozen=True)
class Gpu:
    vendor: str  # "nvidia", "amd", "apple"
    name: str
    memory_total: int | None  # bytes
    memory_free: int | None  # bytes
    unified: bool = False  # shares the machine's RAM (Apple silicon)

    @property
    def usable_memory(self) -> int | None:
        """What a model may occupy: all of a discrete GPU's memory, the share macOS
        gives the GPU of unified memory."""
        if self.memory_total is None or not self.unified:
            return self.memory_total
        share = 3 / 4 if self.memory_total > APPLE_LARGE_MACHINE else 2 / 3
        return int(self.memory_total * share)


@dataclass(frozen=True)
class GpuSurvey:
    gpus: tuple[Gpu, ...]
    # One line per tool that could not say anything ("nvidia-smi not found").
    unknown: tuple[str, ...]


def parse_nvidia_smi(text: str) -> list[Gpu]:
    gpus = []
    for line in text.splitlines():
        fields = [field.strip() for field in line.split(",")]
        if len(fields) != 3 or not fields[0]:
            continue
        gpus.append(Gpu("nvidia", fields[0], _mib(fields[1]), _mib(fields[2])))
    return gpus


def parse_rocm_smi(text: str) -> list[Gpu]:
    try:
        cards = json.loads(text)
    except ValueError:
        return []
    gpus = []
    for card, values in cards.items() if isinstance(cards, dict) else ():
        if not isinstance(values, dict) or ROCM_TOTAL not in values:
            continue
        total, used = _number(values.get(ROCM_TOTAL)), _number(values.get(ROCM_USED))
        free = total - used if total is not None and used is not None else None
        gpus.append(Gpu("amd", f"AMD GPU ({card})", total, free))
    return gpus


def apple_gpu(arm64: str, brand: str, memsize: str) -> Gpu | None:
    """The GPU of an Apple silicon Mac from `sysctl -n` of hw.optional.arm64,
    machdep.cpu.brand_string and hw.memsize; None on an Intel Mac."""
    if arm64.strip() != "1":
        return None
    name = brand.strip() or "Apple silicon"
    return Gpu("apple", f"{name} (unified memory)", _number(memsize.strip()), None, unified=True)


async def survey_gpus(platform: str = sys.platform) -> GpuSurvey:
    nvidia, rocm = await asyncio.gather(run_tool(NVIDIA_QUERY), run_tool(ROCM_QUERY))
    gpus: list[Gpu] = []
    unknown: list[str] = []
    for tool, result, parse in (
        ("nvidia-smi", nvidia, parse_nvidia_smi),
        ("rocm-smi", rocm, parse_rocm_smi),
    ):
        _take(tool, result, parse, gpus, unknown)
    if platform == "darwin":
        apple = await _apple()
        if isinstance(apple, Gpu):
            gpus.append(apple)
        elif apple:
            unknown.append(apple)
    return GpuSurvey(tuple(gpus), tuple(unknown))


def _take(
    tool: str,
    result: ToolResult,
    parse: Callable[[str], list[Gpu]],
    gpus: list[Gpu],
    unknown: list[str],
) -> None:
    if result.output is None:
        unknown.append(result.problem)
        return
    found = parse(result.output)
    if found:
        gpus.extend(found)
    else:
        unknown.append(f"{tool} listed no GPU that could be read")


async def _apple() -> Gpu | str | None:
    arm64, brand, memsize = await asyncio.gather(
        run_tool(["sysctl", "-n", "hw.optional.arm64"]),
        run_tool(["sysctl", "-n", "machdep.cpu.brand_string"]),
        run_tool(["sysctl", "-n", "hw.memsize"]),
    )
    if arm64.output is None or memsize.output is None:
        return arm64.problem or memsize.problem
    return apple_gpu(arm64.output, brand.output or "", memsize.output)


def _mib(text: str) -> int | None:
    value = _number(text)
    return value * MIB if value is not None else None


def _number(value: object) -> int | None:
    try:
        number = int(str(value).strip())
    except ValueError:
        return None
    return number if number >= 0 else None
