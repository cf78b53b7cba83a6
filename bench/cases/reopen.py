"""Reopening a reviewed file after a restart: the time to all its diagnostics, and no
model call."""

from __future__ import annotations

import asyncio
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from common import (
    WAIT,
    Config,
    Outcome,
    Row,
    percentile,
    server_options,
    simulated_model,
    start_session,
    unit_count,
    wait_reviewed,
    write_module,
)
from inputs import Module, generate

from tests.model_server import OllamaDouble

TARGET_REOPEN_MS = 100.0


@dataclass
class Reopened:
    """One restart: new server, didOpen of the reviewed file."""

    restart_to_initialized_ms: float
    to_all_diagnostics_ms: float
    model_calls: int
    cpu_ms: float
    cpu_wait_ms: float


async def bench_reopen(config: Config) -> Outcome:
    module = generate("reopened", lines=2000)
    expected_units = unit_count([module])
    _path, uri = write_module(config.workdir / "reopen", module)
    cache = config.workdir / "reopen-cache"
    with simulated_model(config.speed, slots=1) as sim:
        options = server_options(sim, config, cache)
        first = await start_session(sim, options, cache, config.workdir)
        try:
            opened = first.open(uri, module.text)
            reviewed = await wait_reviewed(first, sim, opened, expected_units, "the first review")
            cold = max(c.last_byte for c in reviewed) - opened
            shown = first.first_publish(uri, after=opened, count=module.marked) is not None
        finally:
            await first.close()
        runs = [await reopen_once(sim, options, config, module, uri) for _ in range(config.reopens)]
    return reopen_outcome(module, expected_units, cold, shown, runs)


async def reopen_once(
    sim: OllamaDouble, options: dict[str, Any], config: Config, module: Module, uri: str
) -> Reopened:
    cache = Path(options["cacheDir"])
    started = time.monotonic()
    session = await start_session(sim, options, cache, config.workdir)
    try:
        initialized = time.monotonic()
        ran, waited = session.scheduler_ns()
        sent = session.open(uri, module.text)

        def all_shown() -> bool:
            return session.first_publish(uri, after=sent, count=module.marked) is not None

        await session.until(all_shown, WAIT, "all diagnostics after reopening")
        published = session.first_publish(uri, after=sent, count=module.marked)
        assert published is not None
        ran_after, waited_after = session.scheduler_ns()
        # Let any review the reopening started show up before counting calls.
        await asyncio.sleep(0.5)
        await session.until(lambda: session.pending() == 0, WAIT, "idle after reopening")
        calls = len(sim.chats(sent))
    finally:
        await session.close()
    return Reopened(
        restart_to_initialized_ms=(initialized - started) * 1000,
        to_all_diagnostics_ms=(published.received - sent) * 1000,
        model_calls=calls,
        cpu_ms=(ran_after - ran) / 1e6,
        cpu_wait_ms=(waited_after - waited) / 1e6,
    )


def reopen_outcome(
    module: Module, units: int, cold: float, shown: bool, runs: list[Reopened]
) -> Outcome:
    times = [r.to_all_diagnostics_ms for r in runs]
    calls = [r.model_calls for r in runs]
    median = percentile(times, 0.5)
    startup = percentile([r.restart_to_initialized_ms for r in runs], 0.5)
    lines = len(module.lines)
    outcome = Outcome(
        [
            Row(
                f"Reopen a reviewed {lines:,}-line file after restart ({len(runs)} restarts): "
                f"didOpen -> all {module.marked} diagnostics, median (max)",
                f"{median:.1f} ms ({max(times):.1f} ms)",
                target=f"< {TARGET_REOPEN_MS:.0f} ms",
                passed=median < TARGET_REOPEN_MS,
            ),
            Row(
                "  model calls when reopening",
                ", ".join(map(str, calls)),
                target="0",
                passed=not any(calls),
            ),
            Row(
                "  server CPU time / time waiting for a CPU until then, median",
                f"{percentile([r.cpu_ms for r in runs], 0.5):.1f} / "
                f"{percentile([r.cpu_wait_ms for r in runs], 0.5):.1f} ms",
            ),
            Row(
                f"  first review of the file ({units} functions); restart to initialized",
                f"{cold:.1f} s; {startup:.0f} ms",
            ),
        ]
    )
    if not shown:
        outcome.notes.append("The first server never showed all expected diagnostics.")
    outcome.data = {
        "lines": lines,
        "functions": units,
        "diagnostics": module.marked,
        "first_review_seconds": cold,
        "reopens": [asdict(r) for r in runs],
    }
    return outcome
