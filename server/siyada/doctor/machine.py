"""This machine's memory and cores, from the operating system alone.

Linux: /proc/meminfo (MemAvailable is what can be used without swapping); macOS:
`sysctl -n hw.memsize` (free memory is not reported); elsewhere `os.sysconf`. A figure
that cannot be read is None and the report says unknown.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from siyada.doctor.tools import run_tool

MEMINFO: Final = Path("/proc/meminfo")


@dataclass(frozen=True)
class Machine:
    system: str
    total_ram: int | None  # bytes
    free_ram: int | None  # bytes
    cpu_cores: int | None


def parse_meminfo(text: str) -> tuple[int | None, int | None]:
    """(MemTotal, MemAvailable) in bytes from /proc/meminfo's text (values in kB)."""
    values: dict[str, int] = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        fields = rest.split()
        if fields and fields[0].isdigit():
            values[key.strip()] = int(fields[0]) * 1024
    return values.get("MemTotal"), values.get("MemAvailable", values.get("MemFree"))


async def read_machine(platform: str = sys.platform) -> Machine:
    total, free = await _memory(platform)
    return Machine(system=platform, total_ram=total, free_ram=free, cpu_cores=os.cpu_count())


async def _memory(platform: str) -> tuple[int | None, int | None]:
    if platform.startswith("linux"):
        try:
            return parse_meminfo(MEMINFO.read_text(encoding="ascii", errors="replace"))
        except OSError:
            return _sysconf_memory()
    if platform == "darwin":
        found = await run_tool(["sysctl", "-n", "hw.memsize"])
        text = (found.output or "").strip()
        return (int(text) if text.isdigit() else None), None
    return _sysconf_memory()


def _sysconf_memory() -> tuple[int | None, int | None]:
    try:
        page = os.sysconf("SC_PAGE_SIZE")
        total = os.sysconf("SC_PHYS_PAGES") * page
    except (AttributeError, ValueError, OSError):
        return None, None
    try:
        free: int | None = os.sysconf("SC_AVPHYS_PAGES") * page
    except (ValueError, OSError):
        free = None
    return (total if total > 0 else None), free
