"""Running a system tool (nvidia-smi, rocm-smi, sysctl) for one fact, bounded in time.

A tool that is missing, fails or hangs gives a `ToolResult` that says so; it never
raises, so one unreadable fact leaves the rest of the report whole.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

TOOL_TIMEOUT_S: Final = 10.0


@dataclass(frozen=True)
class ToolResult:
    """The tool's standard output, or (`output` None) why there is none."""

    output: str | None
    problem: str = ""


async def run_tool(argv: Sequence[str], time_limit: float = TOOL_TIMEOUT_S) -> ToolResult:
    name = argv[0]
    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except FileNotFoundError:
        return ToolResult(None, f"{name} not found")
    except OSError as error:
        return ToolResult(None, f"{name} could not run ({error.strerror or error})")
    try:
        async with asyncio.timeout(time_limit):
            stdout, stderr = await process.communicate()
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            process.kill()
        await process.wait()
        return ToolResult(None, f"{name} did not answer within {time_limit:g} s")
    if process.returncode != 0:
        detail = stderr.decode("utf-8", "replace").strip().splitlines()
        reason = f": {detail[0][:200]}" if detail else ""
        return ToolResult(None, f"{name} failed (exit {process.returncode}){reason}")
    return ToolResult(stdout.decode("utf-8", "replace"))
