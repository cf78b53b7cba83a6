"""`siyada check --jobs N` on a folder: wall time against the model's own minimum."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
from pathlib import Path

from common import Config, Outcome, Row, simulated_model, write_module
from inputs import Module, generate

from tests.model_server import ChatRecord


async def bench_check(config: Config) -> Outcome:
    folder = config.workdir / "check"
    modules = [generate(f"checked{i:02}", functions=20) for i in range(10)]
    for module in modules:
        write_module(folder, module)
    jobs = config.jobs
    command = [sys.executable, "-m", "siyada", "check", str(folder), "--format", "json"]
    with simulated_model(config.speed, slots=jobs) as sim:
        command += ["--endpoint", sim.url, "--jobs", str(jobs)]
        cache = config.workdir / "check-cache"
        started = time.monotonic()
        process = await asyncio.create_subprocess_exec(
            *command,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=config.workdir,
            env=_env_with_cache(cache),
        )
        out, err = await process.communicate()
        wall = time.monotonic() - started
        chats = sim.completed(started)
    return check_outcome(modules, jobs, wall, chats, process.returncode, out, err)


def _env_with_cache(cache: Path) -> dict[str, str]:
    return {**os.environ, "XDG_CACHE_HOME": str(cache)}


def check_outcome(
    modules: list[Module],
    jobs: int,
    wall: float,
    chats: list[ChatRecord],
    code: int | None,
    out: bytes,
    err: bytes,
) -> Outcome:
    outcome = Outcome()
    functions = sum(len(m.edit_lines) for m in modules)
    model_minimum = sum(c.service_seconds for c in chats) / jobs
    try:
        found = len(json.loads(out))
    except ValueError:
        found = -1
    first_arrival = min((c.arrival for c in chats), default=float("nan"))
    last_byte = max((c.last_byte for c in chats), default=float("nan"))
    outcome.rows.append(
        Row(
            f"siyada check, {functions}-function folder, --jobs {jobs}: wall / model minimum",
            f"{wall:.2f} s / {model_minimum:.2f} s ({wall / model_minimum:.2f}x)"
            if model_minimum
            else f"{wall:.2f} s / no model calls",
            target="(reported)",
        )
    )
    span = last_byte - first_arrival
    outcome.rows.append(
        Row(
            "  model calls; first call to last answer",
            f"{len(chats)}; {span:.2f} s ({span / model_minimum:.2f}x minimum)"
            if model_minimum
            else f"{len(chats)}",
        )
    )
    expected = sum(m.marked for m in modules)
    if code not in (0, 1) or found != expected:
        tail = err.decode(errors="replace").strip().splitlines()[-3:]
        outcome.notes.append(
            f"siyada check exited {code} with {found} findings (expected {expected}): {tail}"
        )
    outcome.data = {
        "functions": functions,
        "jobs": jobs,
        "wall_seconds": wall,
        "model_minimum_seconds": model_minimum,
        "model_calls": len(chats),
        "first_call_to_last_answer_seconds": span,
        "findings": found,
        "expected_findings": expected,
        "exit_code": code,
    }
    return outcome
